"""World model and gateway of the fake Discord: what Discord knows, and how it tells the bot.

* The world: :class:`FakeGuild` (channels, roles, members), :class:`FakeUser`, DM channels, kept
  by :class:`FakeWorld`, which also builds the READY, GUILD_CREATE and INTERACTION_CREATE payloads
  (including Discord's nested subcommand options and ``resolved`` data).
* :class:`InteractionRecord`: one dispatched interaction and what the bot answered.
* :class:`FakeGateway`: one single-shard session shared by all websocket connections to
  ``/gateway``.

Usage is documented in :mod:`tests.fakes.discord_server`. Protocol notes (discord.py 2.7.1):

* Frames are sent as text JSON. The client asks for ``compress=zlib-stream`` but accepts text
  frames regardless, so no compression is implemented.
* Every dispatch gets the next sequence number of the session and is kept in the session
  history, whether or not a socket is connected. A RESUME (op 6) replays the history after the
  client's ``seq`` and then sends RESUMED, so nothing dispatched during an outage is lost.
* A new IDENTIFY starts a new session: sequence numbers and history restart.
"""

# ruff: noqa: ASYNC109 - a per-call ``timeout`` argument reads best in tests

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
import warnings
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from aiohttp import WSMsgType, web

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11; under "-W error" (as in this
    # project's pytest settings) the first import of discord would fail.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

JsonDict = dict[str, Any]

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = discord.Permissions.all().value
EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    use_application_commands=True,
    add_reactions=True,
).value
BOT_USER_ID = "1100000000000000100"
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
# Callback types that finish an interaction by themselves: message, update message, autocomplete
# result, modal. 5 and 6 (deferrals) need a later edit or follow-up.
FINAL_CALLBACKS = frozenset({4, 7, 8, 9})
_SCALAR_OPTIONS: dict[int, Callable[[Any], Any]] = {3: str, 4: int, 5: bool, 10: float}
_DISCORD_EPOCH_MS = 1_420_070_400_000
_last_snowflake = 0


def snowflake() -> str:
    """A fresh, increasing snowflake, so ``before``/``after`` paging orders like Discord."""
    global _last_snowflake
    stamp = (int(time.time() * 1000) - _DISCORD_EPOCH_MS) << 22
    _last_snowflake = max(stamp, _last_snowflake + 1)
    return str(_last_snowflake)


# --------------------------------------------------------------------------- world model


@dataclass
class FakeUser:
    id: str
    username: str
    bot: bool = False

    def payload(self) -> JsonDict:
        # discord.py reads ``avatar`` and ``discriminator`` with [], so both keys must be present.
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.username,
            "avatar": None,
            "bot": self.bot,
        }


@dataclass
class FakeRole:
    id: str
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> JsonDict:
        return {
            "id": self.id,
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": True,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    id: str
    name: str
    type: int = 0  # 0 = GUILD_TEXT, 1 = DM
    position: int = 0
    guild_id: str | None = None
    recipient: FakeUser | None = None  # DM channels only
    # Threads (types 10-12) and posts of forum channels belong to a parent channel.
    parent_id: str | None = None

    @property
    def is_thread(self) -> bool:
        return self.type in (10, 11, 12)

    def payload(self, permissions: int | None = None) -> JsonDict:
        if self.type == 1:
            assert self.recipient is not None
            return {
                "id": self.id,
                "type": 1,
                "recipients": [self.recipient.payload()],
                "last_message_id": None,
                "flags": 0,
            }
        data: JsonDict = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "position": self.position,
            "parent_id": self.parent_id,
            "topic": None,
            "nsfw": False,
            "permission_overwrites": [],
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
        }
        if self.guild_id is not None:
            data["guild_id"] = self.guild_id
        if self.is_thread:
            data.update(
                owner_id=BOT_USER_ID,
                message_count=0,
                member_count=1,
                total_message_sent=0,
                thread_metadata={
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": "2024-01-01T00:00:00+00:00",
                    "locked": False,
                },
            )
        if permissions is not None:  # interaction channels and resolved channels carry them
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeMember:
    user: FakeUser
    role_ids: list[str] = field(default_factory=list)
    joined_at: str = "2024-01-01T00:00:00+00:00"

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> JsonDict:
        # ``flags`` is read with [] by discord.py's Member; without it the client task dies.
        data: JsonDict = {
            "roles": list(self.role_ids),
            "joined_at": self.joined_at,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "pending": False,
            "deaf": False,
            "mute": False,
        }
        if with_user:
            data["user"] = self.user.payload()
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class FakeGuild:
    id: str
    name: str
    channels: list[FakeChannel]
    roles: list[FakeRole]
    members: list[FakeMember]
    owner_id: str | None = None

    def __post_init__(self) -> None:
        for channel in self.channels:
            channel.guild_id = self.id
        if not any(role.id == self.id for role in self.roles):
            self.roles.insert(0, FakeRole(self.id, "@everyone", EVERYONE_PERMISSIONS))

    def member(self, user_id: str) -> FakeMember | None:
        return next((m for m in self.members if m.user.id == user_id), None)

    def channel(self, ref: str) -> FakeChannel | None:
        name = ref.removeprefix("#")
        return next((c for c in self.channels if ref == c.id or name == c.name), None)

    def role(self, ref: str) -> FakeRole | None:
        return next((r for r in self.roles if ref in (r.id, r.name)), None)

    def permissions_of(self, member: FakeMember) -> int:
        """What Discord computes for interactions: @everyone | member roles; admin means all."""
        value = 0
        for role in self.roles:
            if role.id == self.id or role.id in member.role_ids:
                value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def payload(self, *, gateway: bool) -> JsonDict:
        data: JsonDict = {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "owner_id": self.owner_id,
            "roles": [r.payload() for r in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "preferred_locale": "en-US",
            "verification_level": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_id": None,
            "afk_timeout": 300,
        }
        if gateway:  # GUILD_CREATE carries the cache-filling parts
            data.update(
                unavailable=False,
                large=False,
                joined_at="2024-01-01T00:00:00+00:00",
                member_count=len(self.members),
                presences=[],
                voice_states=[],
                threads=[c.payload() for c in self.channels if c.is_thread],
                stage_instances=[],
                guild_scheduled_events=[],
                channels=[c.payload() for c in self.channels if not c.is_thread],
                members=[m.payload() for m in self.members],
            )
        return data


def default_guild(bot: FakeUser | None = None) -> FakeGuild:
    """ "Test DAO": #general (with a public thread, #treasury-rfc), #alerts; @everyone, Steward,
    Admin; alice, bob (Steward), carol (Admin, also the owner) and the bot."""
    steward = FakeRole("1100000000000000021", "Steward", 0, 1)
    admin = FakeRole("1100000000000000022", "Admin", ADMINISTRATOR, 2)
    members = [
        FakeMember(FakeUser("1100000000000000201", "alice")),
        FakeMember(FakeUser("1100000000000000202", "bob"), [steward.id]),
        FakeMember(FakeUser("1100000000000000203", "carol"), [admin.id]),
        FakeMember(bot or FakeUser(BOT_USER_ID, "steward-bot", bot=True)),
    ]
    channels = [
        FakeChannel("1100000000000000011", "general", position=0),
        FakeChannel("1100000000000000012", "alerts", position=1),
        FakeChannel("1100000000000000013", "treasury-rfc", 11, 2, parent_id="1100000000000000011"),
    ]
    return FakeGuild(
        "1100000000000000001",
        "Test DAO",
        channels,
        [steward, admin],
        members,
        owner_id="1100000000000000203",
    )


@dataclass
class _OptionContext:
    guild: FakeGuild | None
    permissions: int  # the invoking user's, which Discord puts on resolved channels
    focused: str | None
    resolved: JsonDict = field(default_factory=dict)


class FakeWorld:
    """Guilds, users and DM channels; lookups by object, id or name; payloads built from them."""

    def __init__(
        self,
        guilds: list[FakeGuild] | None = None,
        bot: FakeUser | None = None,
        extra_users: list[FakeUser] | None = None,
    ) -> None:
        self.bot_user = bot or FakeUser(BOT_USER_ID, "steward-bot", bot=True)
        self.guilds = guilds if guilds is not None else [default_guild(self.bot_user)]
        self.extra_users = list(extra_users or [])
        self.dm_channels: dict[str, FakeChannel] = {}  # user id -> DM channel

    def users(self) -> list[FakeUser]:
        found = {m.user.id: m.user for g in self.guilds for m in g.members}
        found.update({u.id: u for u in self.extra_users})
        return list(found.values())

    def user(self, ref: FakeUser | FakeMember | str | int) -> FakeUser:
        """A user by FakeUser, FakeMember, id or username."""
        if isinstance(ref, FakeMember):
            return ref.user
        if isinstance(ref, FakeUser):
            return ref
        match = next((u for u in self.users() if str(ref) in (u.id, u.username)), None)
        if match is None:
            raise KeyError(f"no user {ref!r}; known: {[u.username for u in self.users()]}")
        return match

    def channel(self, ref: FakeChannel | str | int) -> FakeChannel:
        """A guild or DM channel by FakeChannel, id, name or "#name"."""
        if isinstance(ref, FakeChannel):
            return ref
        for guild in self.guilds:
            if (found := guild.channel(str(ref))) is not None:
                return found
        match = next((c for c in self.dm_channels.values() if c.id == str(ref)), None)
        if match is None:
            raise KeyError(f"no channel {ref!r}")
        return match

    def find_guild(self, guild_id: str | None) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def dm_channel(self, user: FakeUser | str) -> FakeChannel:
        """The DM channel with ``user``, created on first use like POST /users/@me/channels."""
        target = self.user(user)
        if target.id not in self.dm_channels:
            self.dm_channels[target.id] = FakeChannel(snowflake(), "", 1, recipient=target)
        return self.dm_channels[target.id]

    def ready_payload(self, application_id: str) -> JsonDict:
        user = {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        return {
            "v": 10,
            "user": user,
            "session_type": "normal",
            "private_channels": [],
            "guilds": [{"id": g.id, "unavailable": True} for g in self.guilds],
            "application": {"id": application_id, "flags": 0},
            "relationships": [],
        }

    def guild_payloads(self) -> list[JsonDict]:
        return [g.payload(gateway=True) for g in self.guilds]

    def command_data(
        self,
        command: JsonDict,
        path: list[str],
        values: dict[str, Any],
        *,
        guild: FakeGuild | None,
        permissions: int,
        focused: str | None,
    ) -> JsonDict:
        """``data`` of an application-command interaction for the registered ``command``."""
        context = _OptionContext(guild, permissions, focused)
        data: JsonDict = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": self._option_payloads(command, path, values, context),
        }
        if context.resolved and focused is None:  # Discord sends autocomplete no resolved data
            data["resolved"] = context.resolved
        if "guild_id" in command:  # the tree looks guild commands up by this
            data["guild_id"] = command["guild_id"]
        return data

    def interaction_payload(
        self,
        kind: int,
        data: JsonDict,
        author: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        *,
        application_id: str,
        attachment_size_limit: int,
    ) -> JsonDict:
        # discord.py reads version and attachment_size_limit with []: both are mandatory.
        payload: JsonDict = {
            "id": snowflake(),
            "application_id": application_id,
            "type": kind,
            "token": secrets.token_urlsafe(48),
            "version": 1,
            "data": data,
            "locale": "en-US",
            "attachment_size_limit": attachment_size_limit,
            "entitlements": [],
            "channel_id": channel.id,
        }
        if guild is None:
            payload.update(
                context=1,
                user=author.payload(),
                channel=channel.payload(),
                app_permissions=str(EVERYONE_PERMISSIONS),
            )
            return payload
        member = guild.member(author.id)
        if member is None:
            raise ValueError(f"{author.username} is not a member of {guild.name}")
        permissions = guild.permissions_of(member)
        bot_member = guild.member(self.bot_user.id) or FakeMember(self.bot_user)
        # interaction.channel comes only from this channel object, not from channel_id.
        payload.update(
            guild_id=guild.id,
            guild_locale="en-US",
            context=0,
            member=member.payload(permissions=permissions),
            channel=channel.payload(permissions),
            app_permissions=str(guild.permissions_of(bot_member)),
            authorizing_integration_owners={"0": guild.id},
        )
        return payload

    def _option_payloads(
        self, schema: JsonDict, path: list[str], values: dict[str, Any], context: _OptionContext
    ) -> list[JsonDict]:
        declared: list[JsonDict] = schema.get("options") or []
        name = schema["name"]
        if path:  # SUB_COMMAND_GROUP (2) / SUB_COMMAND (1) wrap the remaining options
            sub = next((o for o in declared if o["name"] == path[0] and o["type"] in (1, 2)), None)
            if sub is None:
                raise ValueError(f"{name!r} has no subcommand {path[0]!r}")
            nested = self._option_payloads(sub, path[1:], values, context)
            return [{"name": sub["name"], "type": sub["type"], "options": nested}]
        if subcommands := [o["name"] for o in declared if o["type"] in (1, 2)]:
            raise ValueError(f"{name!r} needs a subcommand, one of {subcommands}")
        by_name = {o["name"]: o for o in declared}
        asked = set(values) | ({context.focused} if context.focused else set())
        if unknown := sorted(asked - set(by_name)):
            raise ValueError(f"{name!r} has no option(s) {unknown}; it has {sorted(by_name)}")
        required = [o["name"] for o in declared if o.get("required")]
        if context.focused is None and (missing := [n for n in required if n not in values]):
            raise ValueError(f"{name!r} is missing required option(s) {missing}")
        if context.focused is not None:
            values = {context.focused: "", **values}
        return [self._option_payload(by_name[key], value, context) for key, value in values.items()]

    def _option_payload(self, option: JsonDict, value: Any, context: _OptionContext) -> JsonDict:
        kind, name = option["type"], option["name"]
        if name == context.focused:
            return {"name": name, "type": kind, "value": value, "focused": True}  # raw input
        resolved, guild = context.resolved, context.guild
        role = _find_role(value, guild) if kind in (8, 9) else None
        if kind in _SCALAR_OPTIONS:
            value = _SCALAR_OPTIONS[kind](value)
        elif role is not None:  # ROLE, or a MENTIONABLE naming a role
            value = role.id
            resolved.setdefault("roles", {})[role.id] = role.payload()
        elif kind in (6, 9):  # USER / MENTIONABLE: the user, plus the member inside a guild
            user = self.user(value)
            value = user.id
            resolved.setdefault("users", {})[user.id] = user.payload()
            member = guild.member(user.id) if guild else None
            if guild is not None and member is not None:
                resolved.setdefault("members", {})[user.id] = member.payload(
                    with_user=False, permissions=guild.permissions_of(member)
                )
        elif kind == 7:  # CHANNEL: resolved channels must carry permissions
            channel = self.channel(value)
            value = channel.id
            resolved.setdefault("channels", {})[channel.id] = channel.payload(context.permissions)
        else:
            raise ValueError(f"option {name!r} of type {kind} is not supported by the fake")
        return {"name": name, "type": kind, "value": value}


@dataclass(eq=False)
class InteractionRecord:
    """One dispatched interaction and everything the bot answered to it (bodies as sent)."""

    id: str
    token: str
    type: int  # 2 command, 3 component, 4 autocomplete
    name: str  # "config set", or a component's custom_id
    payload: JsonDict  # the INTERACTION_CREATE data
    channel: FakeChannel
    message_id: str | None = None  # the message a clicked component sits on
    sent_at: float = 0.0  # time.monotonic()
    callback: JsonDict | None = None  # the callback body: {"type", "data"}
    callback_at: float | None = None
    original: list[JsonDict] = field(default_factory=list)  # PATCH bodies of @original
    followups: list[JsonDict] = field(default_factory=list)  # POST bodies of follow-ups
    followup_edits: list[JsonDict] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)  # ids of response messages deleted
    original_message: JsonDict | None = None  # current state of the @original message object
    followup_messages: list[JsonDict] = field(default_factory=list)
    _timeline: list[JsonDict] = field(default_factory=list, repr=False)
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _changes: int = field(default=0, repr=False)

    @property
    def done(self) -> bool:
        """A final response exists: type 4/7/8/9, or a deferral plus an edit or follow-up."""
        if self.callback is None:
            return False
        return self.callback["type"] in FINAL_CALLBACKS or bool(self.original or self.followups)

    @property
    def ephemeral(self) -> bool:
        data = (self.callback or {}).get("data") or {}
        return bool(int(data.get("flags") or 0) & FLAG_EPHEMERAL)

    @property
    def latency(self) -> float | None:
        """Seconds from dispatch to callback."""
        return None if self.callback_at is None else self.callback_at - self.sent_at

    def messages(self) -> list[JsonDict]:
        """Response message bodies in the order they arrived: callback data, edits, follow-ups."""
        return list(self._timeline)

    async def wait_callback(self, timeout: float = 2.0) -> InteractionRecord:
        await self._wait_until(lambda: self.callback is not None, timeout, "callback")
        return self

    async def wait_done(self, timeout: float = 2.0, settle: float = 0.05) -> InteractionRecord:
        """Wait for a final response (see :attr:`done`), then until nothing new arrived for
        ``settle`` seconds, so follow-ups sent right after it (long replies split in several
        messages) are included. ``settle=0`` returns at the first final response."""
        deadline = time.monotonic() + timeout
        await self._wait_until(lambda: self.done, timeout, "final response")
        while (remaining := deadline - time.monotonic()) > 0:
            seen = self._changes
            await asyncio.sleep(min(settle, remaining))
            if self._changes == seen:
                break
        return self

    async def wait_messages(self, count: int, timeout: float = 2.0) -> list[JsonDict]:
        """Wait until at least ``count`` response messages arrived (see :meth:`messages`)."""
        await self._wait_until(lambda: len(self._timeline) >= count, timeout, f"{count} messages")
        return self.messages()

    async def _wait_until(self, condition: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"interaction {self.name!r}: no {what} within {timeout} s (callback="
                    f"{self.callback!r}, edits={self.original!r}, followups={self.followups!r})"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _record(
        self, kind: Literal["callback", "original", "followups", "followup_edits"], body: JsonDict
    ) -> None:
        """Called by the fake's REST handlers; wakes up the ``wait_*`` methods."""
        if kind == "callback":
            self.callback, self.callback_at = body, time.monotonic()
            if body.get("data") and body["type"] in (4, 7):
                self._timeline.append(body["data"])
        else:
            getattr(self, kind).append(body)
            self._timeline.append(body)
        self._changes += 1
        self._changed.set()


def _find_role(value: Any, guild: FakeGuild | None) -> FakeRole | None:
    if isinstance(value, FakeRole):
        return value
    return guild.role(str(value)) if guild is not None else None


# --------------------------------------------------------------------------- gateway

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11


class Dispatch(NamedTuple):
    """One op-0 event of the current session."""

    seq: int
    event: str
    data: JsonDict


class FakeGateway:
    """A single-shard gateway session shared by all websocket connections to ``/gateway``."""

    def __init__(
        self,
        *,
        heartbeat_interval_ms: int,
        resume_url: Callable[[], str],
        ready_payload: Callable[[], JsonDict],
        guild_payloads: Callable[[], list[JsonDict]],
    ) -> None:
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._resume_url = resume_url
        self._ready_payload = ready_payload
        self._guild_payloads = guild_payloads
        self.session_id: str | None = None
        self.seq = 0
        self.history: list[Dispatch] = []
        self.replayed: list[Dispatch] = []
        self.identify_payloads: list[JsonDict] = []
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.ignored_ops: list[JsonDict] = []
        # The socket that currently receives dispatches; None while the client is offline.
        self._live: web.WebSocketResponse | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        # Serialises dispatches with READY and RESUME replays: no event twice or out of order.
        self._lock = asyncio.Lock()
        self._connected = asyncio.Event()
        self._session_ready = asyncio.Event()
        # Cleared during a simulated outage: new connections wait before HELLO.
        self._admit = asyncio.Event()
        self._admit.set()

    @property
    def intents(self) -> int:
        """Intents of the last IDENTIFY (0 before the first one)."""
        return int(self.identify_payloads[-1].get("intents", 0)) if self.identify_payloads else 0

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until a socket has finished READY or RESUMED and receives dispatches."""
        await _wait(self._connected, timeout, "the client to (re)connect to the gateway")

    async def wait_session(self, timeout: float = 5.0) -> None:
        """Wait until READY and every GUILD_CREATE of a session have been sent."""
        await _wait(self._session_ready, timeout, "READY and GUILD_CREATE to be sent")

    async def dispatch(self, event: str, data: JsonDict) -> int:
        """Send (or, while offline, queue) an op-0 event and return its sequence number."""
        async with self._lock:
            return await self._dispatch_locked(event, data)

    async def drop(self, code: int = 4000) -> None:
        """Close the live socket with ``code``; later dispatches queue until the client RESUMEs."""
        socket, self._live = self._live, None
        self._connected.clear()
        if socket is not None:
            await socket.close(code=code, message=b"closed by the fake gateway")

    @contextlib.asynccontextmanager
    async def outage(self, code: int = 4000) -> AsyncIterator[None]:
        """Drop the connection and keep the client out until the block ends."""
        self._admit.clear()
        try:
            await self.drop(code)
            yield
        finally:
            self._admit.set()

    async def close_all(self) -> None:
        self._admit.set()
        for socket in list(self._sockets):
            await socket.close(code=1001, message=b"fake server stopping")

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """aiohttp handler for ``GET /gateway`` (any query string)."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.add(socket)
        try:
            await self._admit.wait()
            hello = {"heartbeat_interval": self.heartbeat_interval_ms}
            await self._send(socket, {"op": OP_HELLO, "d": hello, "s": None, "t": None})
            async for message in socket:
                if message.type is WSMsgType.TEXT:
                    await self._on_frame(socket, json.loads(message.data))
        except ConnectionError:
            pass  # the client went away mid-send; it will RESUME on a new socket
        finally:
            self._sockets.discard(socket)
            if self._live is socket:
                self._live = None
                self._connected.clear()
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, frame: JsonDict) -> None:
        op, data = frame.get("op"), frame.get("d") or {}
        if op == OP_HEARTBEAT:
            self.heartbeat_count += 1
            await self._send(socket, {"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == OP_IDENTIFY:
            await self._identify(socket, data)
        elif op == OP_RESUME:
            await self._resume(socket, data)
        elif op == OP_REQUEST_MEMBERS:
            await self._send_member_chunks(data)
        else:
            self.ignored_ops.append(frame)

    async def _identify(self, socket: web.WebSocketResponse, data: JsonDict) -> None:
        async with self._lock:
            self.identify_count += 1
            self.identify_payloads.append(data)
            self.session_id = secrets.token_hex(16)
            self.seq = 0
            self.history.clear()
            self._session_ready.clear()
            self._live = socket
            ready = self._ready_payload()
            ready["session_id"] = self.session_id
            ready["resume_gateway_url"] = self._resume_url()
            if "shard" in data:  # AutoShardedClient checks that READY echoes its shard
                ready["shard"] = data["shard"]
            await self._dispatch_locked("READY", ready)
            for guild in self._guild_payloads():
                await self._dispatch_locked("GUILD_CREATE", guild)
            self._connected.set()
            self._session_ready.set()

    async def _resume(self, socket: web.WebSocketResponse, data: JsonDict) -> None:
        async with self._lock:
            if data.get("session_id") != self.session_id:
                # False = not resumable: discord.py then IDENTIFYs afresh.
                frame = {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None}
                await self._send(socket, frame)
                return
            self.resume_count += 1
            last_seen = data.get("seq") or 0
            missed = [entry for entry in self.history if entry.seq > last_seen]
            for entry in missed:
                await self._send(socket, _frame(entry))
            self.replayed.extend(missed)
            # RESUMED takes a sequence number but stays out of the history: replaying it later
            # would fire on_resumed twice.
            self.seq += 1
            await self._send(socket, {"op": OP_DISPATCH, "t": "RESUMED", "s": self.seq, "d": {}})
            self._live = socket
            self._connected.set()

    async def _send_member_chunks(self, data: JsonDict) -> None:
        """Answer op 8 (members intent), otherwise discord.py delays on_ready ~5 s per guild."""
        for guild in self._guild_payloads():
            if str(guild["id"]) == str(data.get("guild_id")):
                chunk = {
                    "guild_id": guild["id"],
                    "members": guild["members"],
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "nonce": data.get("nonce"),
                }
                await self.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch_locked(self, event: str, data: JsonDict) -> int:
        self.seq += 1
        # A snapshot: callers keep mutating their dicts (message edits), and a replay must
        # send the event as it was.
        entry = Dispatch(self.seq, event, json.loads(json.dumps(data)))
        self.history.append(entry)
        socket = self._live
        if socket is not None and not socket.closed:
            # A send into a socket that is dying is fine: the RESUME replay delivers it again.
            with contextlib.suppress(ConnectionError):
                await self._send(socket, _frame(entry))
        return entry.seq

    @staticmethod
    async def _send(socket: web.WebSocketResponse, frame: JsonDict) -> None:
        await socket.send_str(json.dumps(frame))


def _frame(entry: Dispatch) -> JsonDict:
    return {"op": OP_DISPATCH, "t": entry.event, "s": entry.seq, "d": entry.data}


async def _wait(event: asyncio.Event, timeout: float, what: str) -> None:
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None
