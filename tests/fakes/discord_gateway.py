"""World model and gateway of the fake Discord: what Discord knows, and how it tells the bot.

* The world: :class:`FakeGuild` (channels, roles, members), :class:`FakeUser`, DM channels, kept
  by :class:`FakeWorld`, which also builds the READY, GUILD_CREATE and INTERACTION_CREATE payloads
  (including Discord's nested subcommand options and ``resolved`` data).
* :class:`InteractionRecord`: one dispatched interaction and what the bot answered.
* :class:`FakeGateway`: one :class:`ShardSession` per shard, served on the websocket connections
  to ``/gateway``.

Usage is documented in :mod:`tests.fakes.discord_server`. Protocol notes (discord.py 2.7.1):

* Frames are sent as text JSON. The client asks for ``compress=zlib-stream`` but accepts text
  frames regardless, so no compression is implemented.
* Every dispatch gets the next sequence number of its shard's session and is kept in that
  session's history, whether or not a socket is connected. A RESUME (op 6) finds the session by
  ``session_id``, replays its history after the client's ``seq`` and then sends RESUMED, so
  nothing dispatched during an outage is lost.
* A new IDENTIFY starts a new session of its shard: sequence numbers and history restart.
* Sharding: IDENTIFY carries ``"shard": [shard_id, shard_count]`` (a plain ``discord.Client``
  sends none: ``[0, 1]``); READY echoes it and lists only that shard's guilds, and each guild's
  GUILD_CREATE and later events go over the connection of shard
  ``(guild_id >> 22) % shard_count``; events without a guild (DMs) go to shard 0. The shard
  count of the latest IDENTIFY is the one in use; an IDENTIFY with another count forgets the
  sessions of the old count. ``shard_id >= shard_count`` is closed with 4010 (Invalid shard).
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
from datetime import UTC, datetime
from typing import Any, Literal, NamedTuple

from aiohttp import WSMsgType, web

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11; under "-W error" (as in this
    # project's pytest settings) the first import of discord would fail.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

JsonDict = dict[str, Any]

ADMINISTRATOR = 1 << 3
MANAGE_ROLES = 1 << 28
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


def shard_id_of(guild_id: str | int, shard_count: int) -> int:
    """The shard that carries a guild's events, Discord's ``(guild_id >> 22) % shard_count``."""
    return (int(guild_id) >> 22) % shard_count


def snowflake_on_shard(shard_id: int, shard_count: int) -> str:
    """A fresh snowflake that, as a guild id, falls on ``shard_id`` of ``shard_count``."""
    global _last_snowflake
    if not 0 <= shard_id < shard_count:
        raise ValueError(f"no shard {shard_id} among {shard_count}")
    value = int(snowflake())
    stamp = value >> 22
    stamp += (shard_id - stamp) % shard_count  # at most shard_count - 1 ms later
    value = (stamp << 22) | (value & 0x3FFFFF)
    _last_snowflake = max(_last_snowflake, value)  # later snowflakes stay unique
    return str(value)


# --------------------------------------------------------------------------- world model


@dataclass
class FakeUser:
    id: str
    username: str
    bot: bool = False
    global_name: str | None = None  # the display name; None shows the username

    def payload(self) -> JsonDict:
        # discord.py reads ``avatar`` and ``discriminator`` with [], so both keys must be present.
        return {
            "id": self.id,
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name or self.username,
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


# Channel types (Discord's channel object): text, DM, announcement, the three thread kinds, forum.
GUILD_TEXT, DM, GUILD_ANNOUNCEMENT = 0, 1, 5
ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM = 10, 11, 12, 15
THREAD_TYPES = frozenset({ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD})


@dataclass
class FakeChannel:
    id: str
    name: str
    type: int = GUILD_TEXT
    position: int = 0
    guild_id: str | None = None
    recipient: FakeUser | None = None  # DM channels only
    # Threads (types 10-12) and posts of forum channels belong to a parent channel.
    parent_id: str | None = None
    owner_id: str = BOT_USER_ID  # threads: who started it
    archived: bool = False  # threads: archived threads leave the gateway's active list
    archive_timestamp: str = "2024-01-01T00:00:00+00:00"  # threads: last (un)archive
    last_message_id: str | None = None
    message_count: int = 0  # threads: messages sent in it, as Discord counts them

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    def payload(self, permissions: int | None = None) -> JsonDict:
        if self.type == DM:
            assert self.recipient is not None
            return {
                "id": self.id,
                "type": DM,
                "recipients": [self.recipient.payload()],
                "last_message_id": self.last_message_id,
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
            "last_message_id": self.last_message_id,
            "flags": 0,
        }
        if self.guild_id is not None:
            data["guild_id"] = self.guild_id
        if self.type == GUILD_FORUM:  # what a forum channel adds (tags, default reaction, ...)
            data.update(
                available_tags=[],
                default_reaction_emoji=None,
                default_sort_order=None,
                default_forum_layout=0,
                default_thread_rate_limit_per_user=0,
            )
        if self.is_thread:
            del data["position"], data["permission_overwrites"], data["topic"]
            metadata: JsonDict = {
                "archived": self.archived,
                "auto_archive_duration": 1440,
                "archive_timestamp": self.archive_timestamp,
                "locked": False,
                "create_timestamp": snowflake_time(self.id),
            }
            if self.type == PRIVATE_THREAD:
                metadata["invitable"] = True
            data.update(
                owner_id=self.owner_id,
                message_count=self.message_count,
                member_count=1,
                total_message_sent=self.message_count,
                thread_metadata=metadata,
            )
        if permissions is not None:  # interaction channels and resolved channels carry them
            data["permissions"] = str(permissions)
        return data


def snowflake_time(value: str) -> str:
    millis = (int(value) >> 22) + _DISCORD_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat()


@dataclass
class FakeMember:
    user: FakeUser
    role_ids: list[str] = field(default_factory=list)
    joined_at: str = "2024-01-01T00:00:00+00:00"
    nick: str | None = None  # the member's nickname in this guild

    def payload(self, *, with_user: bool = True, permissions: int | None = None) -> JsonDict:
        # ``flags`` is read with [] by discord.py's Member; without it the client task dies.
        data: JsonDict = {
            "roles": list(self.role_ids),
            "joined_at": self.joined_at,
            "flags": 0,
            "nick": self.nick,
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
    # Where Discord posts its own notices (joins, boosts); None when the guild has none.
    system_channel_id: str | None = None

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

    def top_position(self, member: FakeMember) -> int:
        """The position of the member's highest role (0: @everyone only), as Discord compares
        them: a member manages only roles below it."""
        return max((r.position for r in self.roles if r.id in member.role_ids), default=0)

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
            "system_channel_id": self.system_channel_id,
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
                # Active threads only: archived ones are listed by the REST endpoints.
                threads=[c.payload() for c in self.channels if c.is_thread and not c.archived],
                stage_instances=[],
                guild_scheduled_events=[],
                channels=[c.payload() for c in self.channels if not c.is_thread],
                members=[m.payload() for m in self.members],
            )
        return data


# (id >> 22) is a multiple of 12: with 2, 3, 4 or 6 shards the default guild is on shard 0.
DEFAULT_GUILD_ID = "1100000000020000001"


def default_guild(
    bot: FakeUser | None = None, *, guild_id: str | None = None, name: str = "Test DAO"
) -> FakeGuild:
    """ "Test DAO": #general (with a public thread, #treasury-rfc; the system channel), #alerts;
    roles from the bottom: @everyone, Steward, "Steward Bot" (the bot's: Manage Roles), Admin;
    alice, bob (Steward), carol (Admin, also the owner) and the bot. The bot can give Steward
    but not Admin, which is above its own role, as Discord's hierarchy has it.

    With ``guild_id`` (see :func:`snowflake_on_shard`) the same layout under other ids: the
    guild, its channels and its roles are new, the users are the same people."""
    if guild_id is None:
        guild_id = DEFAULT_GUILD_ID
        ids = iter(
            [
                "1100000000000000021",  # Steward
                "1100000000000000022",  # Admin
                "1100000000000000011",  # #general
                "1100000000000000012",  # #alerts
                "1100000000000000013",  # #treasury-rfc
                "1100000000000000023",  # Steward Bot
            ]
        )
    else:
        ids = iter([snowflake() for _ in range(6)])
    steward = FakeRole(next(ids), "Steward", 0, 1)
    admin = FakeRole(next(ids), "Admin", ADMINISTRATOR, 3)
    general_id, alerts_id, rfc_id = next(ids), next(ids), next(ids)
    bot_role = FakeRole(next(ids), "Steward Bot", MANAGE_ROLES, 2)
    members = [
        FakeMember(FakeUser("1100000000000000201", "alice")),
        FakeMember(FakeUser("1100000000000000202", "bob"), [steward.id]),
        FakeMember(FakeUser("1100000000000000203", "carol"), [admin.id]),
        FakeMember(bot or FakeUser(BOT_USER_ID, "steward-bot", bot=True), [bot_role.id]),
    ]
    general = FakeChannel(general_id, "general", position=0)
    channels = [
        general,
        FakeChannel(alerts_id, "alerts", position=1),
        FakeChannel(rfc_id, "treasury-rfc", 11, 2, parent_id=general.id),
    ]
    return FakeGuild(
        guild_id,
        name,
        channels,
        [steward, bot_role, admin],
        members,
        owner_id="1100000000000000203",
        system_channel_id=general.id,
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
CLOSE_INVALID_SHARD = 4010
# Events whose guild is their ``id`` (every other guild event carries ``guild_id``).
_GUILD_ID_EVENTS = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})


class Dispatch(NamedTuple):
    """One op-0 event of a shard's session."""

    seq: int
    event: str
    data: JsonDict


@dataclass(eq=False)
class ShardSession:
    """The gateway session of one shard: its sequence numbers, history and live socket."""

    shard_id: int
    session_id: str | None = None  # None until the shard's first IDENTIFY
    seq: int = 0
    history: list[Dispatch] = field(default_factory=list)
    identify: JsonDict | None = None  # the IDENTIFY payload that started the session
    ready: bool = False  # READY and every GUILD_CREATE of the shard sent
    connected: bool = False  # a socket is past READY or RESUMED and receives dispatches
    resume_count: int = 0
    replayed: list[Dispatch] = field(default_factory=list)
    live: web.WebSocketResponse | None = field(default=None, repr=False)


class FakeGateway:
    """Gateway sessions, one per shard, served on every websocket connection to ``/gateway``.

    A connection belongs to a shard once it IDENTIFYs (``"shard": [shard_id, shard_count]``,
    absent means ``[0, 1]``) or RESUMEs (by ``session_id``). The ``shard_count`` of the latest
    IDENTIFY routes events, as Discord does: a guild's events go to shard
    ``(guild_id >> 22) % shard_count``, everything without a guild (DMs) to shard 0.
    """

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
        self.shard_count = 1  # of the latest IDENTIFY
        self.sessions: dict[int, ShardSession] = {}  # shard id -> its session
        self.replayed: list[Dispatch] = []  # replays of every shard, in order
        self.identify_payloads: list[JsonDict] = []
        self.identify_count = 0
        self.resume_count = 0
        self.heartbeat_count = 0
        self.ignored_ops: list[JsonDict] = []
        self._sockets: set[web.WebSocketResponse] = set()
        # Serialises dispatches with READY and RESUME replays: no event twice or out of order.
        self._lock = asyncio.Lock()
        # Set and replaced on every change of connection state; waiters re-check their condition.
        self._tick = asyncio.Event()
        # Cleared during an outage of every shard: new connections wait before HELLO.
        self._admit = asyncio.Event()
        self._admit.set()
        # Shards in an outage of their own: their IDENTIFY or RESUME waits until it ends.
        self._held: set[int] = set()

    # ---- state

    def session(self, shard_id: int = 0) -> ShardSession:
        """The session of ``shard_id`` (an empty one before the shard's first IDENTIFY)."""
        if shard_id not in self.sessions:
            self.sessions[shard_id] = ShardSession(shard_id)
        return self.sessions[shard_id]

    @property
    def session_id(self) -> str | None:
        return self.session(0).session_id

    @property
    def seq(self) -> int:
        return self.session(0).seq

    @property
    def history(self) -> list[Dispatch]:
        """Shard 0's history (the only one without sharding)."""
        return self.session(0).history

    @property
    def intents(self) -> int:
        """Intents of the last IDENTIFY (0 before the first one)."""
        return int(self.identify_payloads[-1].get("intents", 0)) if self.identify_payloads else 0

    @property
    def identified_shards(self) -> list[list[int]]:
        """``[shard_id, shard_count]`` of every IDENTIFY in order (none sent counts as [0, 1])."""
        return [list(p.get("shard") or [0, 1]) for p in self.identify_payloads]

    @property
    def connected(self) -> bool:
        """Every shard of the current shard count has a socket past READY or RESUMED."""
        return all(self.session(i).connected for i in range(self.shard_count))

    @property
    def session_ready(self) -> bool:
        """Every shard of the current shard count has had its READY and GUILD_CREATEs."""
        return all(self.session(i).ready for i in range(self.shard_count))

    def shard_of(self, guild_id: str | int | None) -> int:
        """The shard that carries a guild's events (0 for none, i.e. DMs)."""
        return 0 if guild_id is None else shard_id_of(guild_id, self.shard_count)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Wait until every shard's socket has finished READY or RESUMED."""
        await self._wait_for(lambda: self.connected, timeout, "the client to (re)connect")

    async def wait_session(self, timeout: float = 5.0) -> None:
        """Wait until every shard has been sent READY and its GUILD_CREATEs."""
        await self._wait_for(
            lambda: self.session_ready, timeout, "READY and GUILD_CREATE to be sent"
        )

    # ---- driving

    async def dispatch(self, event: str, data: JsonDict, *, shard: int | None = None) -> int:
        """Send (or, while offline, queue) an op-0 event on the shard that owns its guild (or
        on ``shard``); returns its sequence number in that shard's session."""
        async with self._lock:
            target = self._route(event, data) if shard is None else shard
            return await self._dispatch_locked(self.session(target), event, data)

    async def drop(self, code: int = 4000, *, shard: int | None = None) -> None:
        """Close the live socket of ``shard`` (default: of every shard) with ``code``; later
        dispatches queue until the client RESUMEs."""
        targets = list(self.sessions.values()) if shard is None else [self.session(shard)]
        sockets = []
        for session in targets:
            if session.live is not None:
                sockets.append(session.live)
            session.live, session.connected = None, False
        self._changed()
        for socket in sockets:
            await socket.close(code=code, message=b"closed by the fake gateway")

    @contextlib.asynccontextmanager
    async def outage(self, code: int = 4000, *, shard: int | None = None) -> AsyncIterator[None]:
        """Drop the connection of ``shard`` (default: all) and keep it out until the block ends."""
        if shard is None:
            self._admit.clear()
        else:
            self._held.add(shard)
        try:
            await self.drop(code, shard=shard)
            yield
        finally:
            if shard is None:
                self._admit.set()
            else:
                self._held.discard(shard)
            self._changed()

    async def close_all(self) -> None:
        self._admit.set()
        self._held.clear()
        self._changed()
        for socket in list(self._sockets):
            await socket.close(code=1001, message=b"fake server stopping")

    # ---- the websocket

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
            for session in self.sessions.values():
                if session.live is socket:
                    session.live, session.connected = None, False
            self._changed()
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
        shard_id, shard_count = (int(n) for n in data.get("shard") or (0, 1))
        if not 0 <= shard_id < shard_count:
            await socket.close(code=CLOSE_INVALID_SHARD, message=b"Invalid shard.")
            return
        await self._wait_for(lambda: shard_id not in self._held, None, f"shard {shard_id}")
        async with self._lock:
            self.identify_count += 1
            self.identify_payloads.append(data)
            if shard_count != self.shard_count:
                # Another layout: guilds move between shards, the old sessions are useless.
                self.shard_count = shard_count
                self.sessions.clear()
            session = self.session(shard_id)
            session.session_id = secrets.token_hex(16)
            session.seq = 0
            session.history.clear()
            session.identify = data
            session.ready = session.connected = False
            session.live = socket
            ready = self._ready_payload()
            ready["guilds"] = [g for g in ready["guilds"] if self.shard_of(g["id"]) == shard_id]
            ready["session_id"] = session.session_id
            ready["resume_gateway_url"] = self._resume_url()
            if "shard" in data:  # AutoShardedClient reads its shard id from READY
                ready["shard"] = [shard_id, shard_count]
            await self._dispatch_locked(session, "READY", ready)
            for guild in self._guild_payloads():
                if self.shard_of(guild["id"]) == shard_id:
                    await self._dispatch_locked(session, "GUILD_CREATE", guild)
            session.ready = session.connected = True
            self._changed()

    async def _resume(self, socket: web.WebSocketResponse, data: JsonDict) -> None:
        session = self._session_by_id(data.get("session_id"))
        if session is not None:
            shard_id = session.shard_id
            await self._wait_for(lambda: shard_id not in self._held, None, f"shard {shard_id}")
        async with self._lock:
            session = self._session_by_id(data.get("session_id"))  # may be gone meanwhile
            if session is None:
                # False = not resumable: discord.py then IDENTIFYs afresh.
                frame = {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None}
                await self._send(socket, frame)
                return
            self.resume_count += 1
            session.resume_count += 1
            last_seen = data.get("seq") or 0
            missed = [entry for entry in session.history if entry.seq > last_seen]
            for entry in missed:
                await self._send(socket, _frame(entry))
            session.replayed.extend(missed)
            self.replayed.extend(missed)
            # RESUMED takes a sequence number but stays out of the history: replaying it later
            # would fire on_resumed twice.
            session.seq += 1
            resumed = {"op": OP_DISPATCH, "t": "RESUMED", "s": session.seq, "d": {}}
            await self._send(socket, resumed)
            session.live, session.connected = socket, True
            self._changed()

    def _session_by_id(self, session_id: Any) -> ShardSession | None:
        if not session_id:
            return None
        return next((s for s in self.sessions.values() if s.session_id == session_id), None)

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

    def _route(self, event: str, data: JsonDict) -> int:
        guild_id = data.get("guild_id")
        if guild_id is None and event in _GUILD_ID_EVENTS:
            guild_id = data.get("id")
        return self.shard_of(guild_id)

    async def _dispatch_locked(self, session: ShardSession, event: str, data: JsonDict) -> int:
        session.seq += 1
        # A snapshot: callers keep mutating their dicts (message edits), and a replay must
        # send the event as it was.
        entry = Dispatch(session.seq, event, json.loads(json.dumps(data)))
        session.history.append(entry)
        socket = session.live
        if socket is not None and not socket.closed:
            # A send into a socket that is dying is fine: the RESUME replay delivers it again.
            with contextlib.suppress(ConnectionError):
                await self._send(socket, _frame(entry))
        return entry.seq

    def _changed(self) -> None:
        self._tick.set()
        self._tick = asyncio.Event()

    async def _wait_for(
        self, condition: Callable[[], bool], timeout: float | None, what: str
    ) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not condition():
            tick = self._tick  # taken before any await: no change can slip in between
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(tick.wait(), remaining)

    @staticmethod
    async def _send(socket: web.WebSocketResponse, frame: JsonDict) -> None:
        await socket.send_str(json.dumps(frame))


def _frame(entry: Dispatch) -> JsonDict:
    return {"op": OP_DISPATCH, "t": entry.event, "s": entry.seq, "d": entry.data}
