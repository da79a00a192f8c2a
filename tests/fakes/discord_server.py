"""A fake Discord (REST API v10 + gateway) that the real, unpatched discord.py client talks to.

Only two class attributes of discord.py are redirected, by :meth:`FakeDiscord.redirect` (which
``async with FakeDiscord()`` uses): ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``. Everything else is the real library.

Typical test::

    async with FakeDiscord() as fake:                       # serve on 127.0.0.1:<free port>, redirect
        client = MyClient(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        async with fake.run_client(client):                 # start(token) ... ready ... close()
            rec = await fake.invoke("config set", {"quorum": 3, "who": "bob"}, user="carol")
            await rec.wait_done()                           # type-4, or type-5 + edit/followup
            assert rec.messages()[-1]["content"] == "saved"
            assert not rec.ephemeral and fake.unhandled == []

Sync the command tree in ``setup_hook`` so the commands are registered before ``invoke``.

World: ``FakeDiscord()`` builds :func:`default_guild`: "Test DAO" with #general and #alerts, roles
@everyone (id = guild id), "Steward", "Admin" (administrator), members alice (no role), bob
(Steward), carol (Admin) and the bot. ``fake.user("bob")``, ``fake.channel("#alerts")`` and
``fake.guild.role("Steward")`` look things up by name or id; everywhere a user or channel is
taken, a ``FakeUser``/``FakeChannel``, a name or an id string works.

Driving the bot:

* ``await fake.invoke(name, options, user=, guild_id=, channel_id=, dm=False)`` -> InteractionRecord.
  ``name`` may be "group sub" or "group subgroup sub"; option values are converted with the
  registered option types (user/channel/role options are resolved like Discord does).
* ``await fake.autocomplete(name, options, focused="opt")`` -> the choices of the type-8 reply.
* ``await fake.click(message_id, custom_id, user=, values=None)`` -> InteractionRecord (components).
* ``await fake.post_user_message(channel, user, content)``, ``edit_user_message``,
  ``delete_user_message``: MESSAGE_CREATE / UPDATE / DELETE. As on Discord, without the
  message_content intent the bot gets empty content unless it is mentioned or it is a DM.
* ``async with fake.outage():`` drops the socket (4000) and keeps the client out; events dispatched
  meanwhile are replayed after its RESUME. ``await fake.drop_connection(code)`` just drops.
* ``fake.fail_next("POST /webhooks", status=429)`` -> a real 429 (``Via``, ``retry_after``) that
  discord.py waits out and retries; a 500 is retried by discord.py after 1 s.

Inspecting: ``fake.requests`` (RecordedRequest: method, path, json, query, authorization, files,
status), ``fake.unhandled`` ("METHOD /path" of unknown routes, answered 404), ``fake.commands``
(None for global, else guild id -> stored commands), ``fake.channel_messages(channel)`` and
``fake.dm_messages(user)`` (message objects, oldest first, including non-ephemeral interaction
responses, plus the ``allowed_mentions`` the bot sent), ``fake.identify_count``,
``fake.resume_count``. Sent bodies keep their ``attachments`` entries, with ``size`` added.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import yarl
from aiohttp import BodyPartReader, web

from tests.fakes.discord_gateway import FakeGateway, JsonDict
from tests.fakes.discord_interactions import InteractionRecord

__all__ = [
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "InteractionRecord",
    "RecordedRequest",
    "default_guild",
]

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = discord.Permissions.all().value
EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, read_message_history=True, embed_links=True,
    attach_files=True, use_application_commands=True, add_reactions=True,
).value
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
_DISCORD_EPOCH_MS = 1_420_070_400_000
_last_snowflake = 0


def snowflake() -> str:
    """A fresh, increasing snowflake, so ``before``/``after`` paging orders like Discord."""
    global _last_snowflake
    stamp = (int(time.time() * 1000) - _DISCORD_EPOCH_MS) << 22
    _last_snowflake = max(stamp, _last_snowflake + 1)
    return str(_last_snowflake)


def _now() -> str:
    return datetime.now(UTC).isoformat()


# --------------------------------------------------------------------------- world model


@dataclass
class FakeUser:
    id: str
    username: str
    bot: bool = False

    def payload(self) -> JsonDict:
        # discord.py reads ``avatar`` and ``discriminator`` with [], so both keys must be present.
        return {"id": self.id, "username": self.username, "discriminator": "0",
                "global_name": self.username, "avatar": None, "bot": self.bot}


@dataclass
class FakeRole:
    id: str
    name: str
    permissions: int = 0
    position: int = 0

    def payload(self) -> JsonDict:
        return {"id": self.id, "name": self.name, "permissions": str(self.permissions),
                "position": self.position, "color": 0, "hoist": False, "managed": False,
                "mentionable": True, "flags": 0}


@dataclass
class FakeChannel:
    id: str
    name: str
    type: int = 0  # 0 = GUILD_TEXT, 1 = DM
    position: int = 0
    guild_id: str | None = None
    recipient: FakeUser | None = None  # DM channels only

    def payload(self, permissions: int | None = None) -> JsonDict:
        if self.type == 1:
            assert self.recipient is not None
            return {"id": self.id, "type": 1, "recipients": [self.recipient.payload()],
                    "last_message_id": None, "flags": 0}
        data: JsonDict = {"id": self.id, "type": self.type, "name": self.name,
                          "position": self.position, "parent_id": None, "topic": None,
                          "nsfw": False, "permission_overwrites": [], "rate_limit_per_user": 0,
                          "last_message_id": None, "flags": 0}
        if self.guild_id is not None:
            data["guild_id"] = self.guild_id
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
        data: JsonDict = {"roles": list(self.role_ids), "joined_at": self.joined_at, "flags": 0,
                          "nick": None, "avatar": None, "premium_since": None, "pending": False,
                          "deaf": False, "mute": False}
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
        data: JsonDict = {"id": self.id, "name": self.name, "icon": None, "owner_id": self.owner_id,
                          "roles": [r.payload() for r in self.roles], "emojis": [], "stickers": [],
                          "features": [], "preferred_locale": "en-US", "verification_level": 0,
                          "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0,
                          "system_channel_id": None, "afk_timeout": 300}
        if gateway:  # GUILD_CREATE carries the cache-filling parts
            data.update(unavailable=False, large=False, joined_at="2024-01-01T00:00:00+00:00",
                        member_count=len(self.members), presences=[], voice_states=[],
                        threads=[], stage_instances=[], guild_scheduled_events=[],
                        channels=[c.payload() for c in self.channels],
                        members=[m.payload() for m in self.members])
        return data


BOT_USER_ID = "1100000000000000100"


def default_guild(bot: FakeUser | None = None) -> FakeGuild:
    """ "Test DAO": #general, #alerts; @everyone, Steward, Admin; alice, bob (Steward), carol (Admin)."""
    guild_id = "1100000000000000001"
    steward, admin = FakeRole("1100000000000000021", "Steward", 0, 1), FakeRole(
        "1100000000000000022", "Admin", ADMINISTRATOR, 2)
    bot = bot or FakeUser(BOT_USER_ID, "steward-bot", bot=True)
    members = [FakeMember(FakeUser("1100000000000000201", "alice")),
               FakeMember(FakeUser("1100000000000000202", "bob"), [steward.id]),
               FakeMember(FakeUser("1100000000000000203", "carol"), [admin.id]),
               FakeMember(bot)]
    channels = [FakeChannel("1100000000000000011", "general", position=0),
                FakeChannel("1100000000000000012", "alerts", position=1)]
    return FakeGuild(guild_id, "Test DAO", channels, [steward, admin], members,
                     owner_id="1100000000000000203")


# --------------------------------------------------------------------------- REST plumbing


@dataclass
class RecordedRequest:
    method: str
    path: str  # below /api/v10, e.g. "/channels/123/messages"
    json: Any
    query: dict[str, str]
    authorization: str | None  # "Bot <token>"; interaction webhooks send none, like on Discord
    files: list[JsonDict]  # {"field", "filename", "size", "content_type"} of multipart uploads
    status: int = 0


@dataclass
class ApiCall:
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any


Reply = tuple[int, Any]  # (HTTP status, JSON body or None for 204)
Handler = Callable[[ApiCall], Awaitable[Reply]]


@dataclass
class _Fault:
    pattern: str
    status: int
    remaining: int
    retry_after: float


def _json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    if status == 204:
        return web.Response(status=204, headers=headers)
    # discord.py compares the header with == 'application/json'; aiohttp's json_response adds
    # "; charset=utf-8" and makes discord.py hand back a str, hence the hand-built header.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


def _error(status: int, code: int, message: str) -> Reply:
    return status, {"message": message, "code": code}


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", re.escape(pattern).replace(r"\{", "{")
                             .replace(r"\}", "}")))


async def _read_body(request: web.Request) -> tuple[Any, list[JsonDict]]:
    """JSON bodies, or multipart: ``payload_json`` plus ``files[n]`` parts (sizes recorded)."""
    if request.content_type != "multipart/form-data":
        text = await request.text() if request.can_read_body else ""
        return (json.loads(text) if text else None), []
    payload: Any = None
    files: list[JsonDict] = []
    async for part in await request.multipart():
        if not isinstance(part, BodyPartReader):
            continue
        if part.name == "payload_json":
            payload = json.loads(await part.text())
        else:
            content = await part.read()
            files.append({"field": part.name, "filename": part.filename, "size": len(content),
                          "content_type": part.headers.get("Content-Type")})
    _add_upload_sizes(payload, files)
    return payload, files


def _add_upload_sizes(payload: Any, files: list[JsonDict]) -> None:
    """Put each upload's size on the ``attachments`` entry discord.py made for it (id = index)."""
    if not isinstance(payload, dict):
        return
    body = payload.get("data", payload)  # interaction callbacks nest the message in "data"
    if not isinstance(body, dict):
        return
    attachments = body.setdefault("attachments", [])
    for upload in files:
        index = int(re.sub(r"\D", "", upload["field"] or "") or 0)
        entry = next((a for a in attachments if str(a.get("id")) == str(index)), None)
        if entry is None:
            entry = {"id": index, "filename": upload["filename"]}
            attachments.append(entry)
        entry["size"] = upload["size"]


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    """Fake Discord REST + gateway on 127.0.0.1; see the module docstring."""

    def __init__(self, *, guilds: list[FakeGuild] | None = None, bot: FakeUser | None = None,
                 extra_users: list[FakeUser] | None = None, heartbeat_interval_ms: int = 500,
                 attachment_size_limit: int = 10 * 1024 * 1024) -> None:
        self.bot_user = bot or FakeUser(BOT_USER_ID, "steward-bot", bot=True)
        self.application_id = self.bot_user.id  # as on Discord for bots created since 2020
        self.guilds = guilds if guilds is not None else [default_guild(self.bot_user)]
        self.extra_users = list(extra_users or [])
        self.attachment_size_limit = attachment_size_limit
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[str] = []
        self.commands: dict[str | None, list[JsonDict]] = {}
        self.interactions: list[InteractionRecord] = []
        self.dm_channels: dict[str, FakeChannel] = {}  # user id -> DM channel
        self._messages: dict[str, JsonDict] = {}  # id -> message object, incl. ephemeral ones
        self._channel_log: dict[str, list[str]] = {}  # channel id -> visible message ids
        self._by_token: dict[str, InteractionRecord] = {}
        self._faults: list[_Fault] = []
        self._runner: web.AppRunner | None = None
        self.gateway = FakeGateway(
            heartbeat_interval_ms=heartbeat_interval_ms,
            resume_url=lambda: self.gateway_url,
            ready_payload=self._ready_payload,
            guild_payloads=lambda: [g.payload(gateway=True) for g in self.guilds],
        )
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            (method, _compile(pattern), handler) for method, pattern, handler in self._route_table()
        ]

    # ---- lifecycle

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    @property
    def guild(self) -> FakeGuild:
        """The first (by default the only) guild."""
        return self.guilds[0]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle_api)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @contextlib.contextmanager
    def redirect(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway at this server, restore afterwards."""
        old_base = discord.http.Route.BASE
        old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = old_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        self._redirection = self.redirect()
        self._redirection.__enter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._redirection.__exit__(None, None, None)
        await self.stop()

    @contextlib.asynccontextmanager
    async def run_client(self, client: discord.Client, *, token: str = "fake-token",
                         timeout: float = 5.0) -> AsyncIterator[discord.Client]:
        """``client.start(token)`` in a task until ``is_ready()``; ``close()`` it on exit."""
        task = asyncio.create_task(client.start(token), name="fake-discord-client")
        deadline = time.monotonic() + timeout
        try:
            # Polling, because wait_until_ready() raises until login() has run inside start().
            while not client.is_ready():
                if task.done():
                    task.result()  # re-raises the client's crash
                    raise AssertionError("discord client stopped before becoming ready")
                if time.monotonic() > deadline:
                    raise AssertionError(f"discord client not ready after {timeout} s")
                await asyncio.sleep(0.01)
            yield client
        finally:
            await client.close()
            await asyncio.wait_for(task, timeout)

    # ---- gateway passthroughs

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    async def wait_connected(self, timeout: float = 5.0) -> None:
        await self.gateway.wait_connected(timeout)

    async def wait_ready(self, timeout: float = 5.0) -> None:
        """READY and every GUILD_CREATE sent (the client's on_ready follows guild_ready_timeout)."""
        await self.gateway.wait_session(timeout)

    async def drop_connection(self, code: int = 4000) -> None:
        await self.gateway.drop(code)

    def outage(self, code: int = 4000) -> contextlib.AbstractAsyncContextManager[None]:
        return self.gateway.outage(code)

    async def dispatch(self, event: str, data: JsonDict) -> int:
        return await self.gateway.dispatch(event, data)

    def fail_next(self, route_substring: str, status: int = 500, count: int = 1,
                  retry_after: float = 0.05) -> None:
        """Fail the next ``count`` requests whose "METHOD /path" contains ``route_substring``."""
        self._faults.append(_Fault(route_substring, status, count, retry_after))

    # ---- lookups

    def users(self) -> list[FakeUser]:
        found = {m.user.id: m.user for g in self.guilds for m in g.members}
        found.update({u.id: u for u in self.extra_users})
        return list(found.values())

    def user(self, ref: FakeUser | str) -> FakeUser:
        """A user by FakeUser, id or username."""
        if isinstance(ref, FakeUser):
            return ref
        match = next((u for u in self.users() if ref in (u.id, u.username)), None)
        if match is None:
            raise KeyError(f"no user {ref!r}; known: {[u.username for u in self.users()]}")
        return match

    def channel(self, ref: FakeChannel | str) -> FakeChannel:
        """A guild or DM channel by FakeChannel, id, name or "#name"."""
        if isinstance(ref, FakeChannel):
            return ref
        for guild in self.guilds:
            if (found := guild.channel(ref)) is not None:
                return found
        match = next((c for c in self.dm_channels.values() if c.id == ref), None)
        if match is None:
            raise KeyError(f"no channel {ref!r}")
        return match

    def find_guild(self, guild_id: str | None) -> FakeGuild | None:
        return next((g for g in self.guilds if g.id == guild_id), None)

    def dm_channel(self, user: FakeUser | str) -> FakeChannel:
        """The DM channel with ``user`` (created on first use, like POST /users/@me/channels)."""
        target = self.user(user)
        if target.id not in self.dm_channels:
            self.dm_channels[target.id] = FakeChannel(snowflake(), "", 1, recipient=target)
        return self.dm_channels[target.id]

    def channel_messages(self, channel: FakeChannel | str) -> list[JsonDict]:
        return [self._messages[mid] for mid in self._channel_log.get(self.channel(channel).id, [])]

    def dm_messages(self, user: FakeUser | str) -> list[JsonDict]:
        existing = self.dm_channels.get(self.user(user).id)
        return self.channel_messages(existing) if existing else []

    def message(self, message_id: str) -> JsonDict:
        return self._messages[message_id]

    # ---- driving the bot (interaction building lives in discord_interactions)

    async def invoke(self, name: str, options: Mapping[str, Any] | None = None, *,
                     user: FakeUser | str = "alice", guild_id: str | None = None,
                     channel_id: FakeChannel | str | None = None,
                     dm: bool = False) -> InteractionRecord:
        """Dispatch a slash command (INTERACTION_CREATE type 2); returns its record at once."""
        return await self._interactions.command(2, name, dict(options or {}), None, user, guild_id,
                                                channel_id, dm)

    async def autocomplete(self, name: str, options: Mapping[str, Any] | None = None, *,
                           focused: str, user: FakeUser | str = "alice",
                           guild_id: str | None = None, channel_id: FakeChannel | str | None = None,
                           dm: bool = False, timeout: float = 2.0) -> list[JsonDict]:
        """Dispatch an autocomplete (type 4) for option ``focused``; return the offered choices."""
        rec = await self._interactions.command(4, name, dict(options or {}), focused, user,
                                               guild_id, channel_id, dm)
        await rec.wait_done(timeout)
        assert rec.callback is not None and rec.callback["type"] == 8, rec.callback
        choices: list[JsonDict] = rec.callback["data"]["choices"]
        return choices

    async def click(self, message_id: str, custom_id: str, *, user: FakeUser | str = "alice",
                    values: list[str] | None = None) -> InteractionRecord:
        """Press a button (or pick ``values`` in a select) on a message the bot sent."""
        return await self._interactions.component(message_id, custom_id, user, values)

    async def post_user_message(self, channel: FakeChannel | str, user: FakeUser | str,
                                content: str, *, embeds: list[JsonDict] | None = None) -> JsonDict:
        """A user writes in a channel: stored, then MESSAGE_CREATE (if the intents allow)."""
        target = self.channel(channel)
        author = self.user(user)
        message = self._new_message(target, author, {"content": content, "embeds": embeds or []})
        guild = self.find_guild(target.guild_id)
        member = guild.member(author.id) if guild else None
        if member is not None:
            message["member"] = member.payload(with_user=False)
        message["mentions"] = [self.user(uid).payload() for uid in re.findall(r"<@!?(\d+)>", content)
                               if any(u.id == uid for u in self.users())]
        message["mention_roles"] = re.findall(r"<@&(\d+)>", content)
        await self._store_message(message)
        return message

    async def edit_user_message(self, message_id: str, content: str) -> JsonDict:
        message = self._messages[message_id]
        await self._edit_message(message, {"content": content})
        return message

    async def delete_user_message(self, message_id: str) -> None:
        await self._delete_message(self._messages[message_id])

    # ---- messages (storage + gateway events)

    def _new_message(self, channel: FakeChannel, author: FakeUser, body: JsonDict, *,
                     kind: int = 0, webhook: bool = False) -> JsonDict:
        message: JsonDict = {
            "id": snowflake(), "type": kind, "channel_id": channel.id, "author": author.payload(),
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "attachments": self._attachment_objects(body.get("attachments") or [], []),
            "components": body.get("components") or [], "mentions": [], "mention_roles": [],
            "mention_everyone": False, "pinned": False, "tts": bool(body.get("tts")),
            "timestamp": _now(), "edited_timestamp": None, "flags": int(body.get("flags") or 0),
        }
        if channel.guild_id is not None:
            message["guild_id"] = channel.guild_id
        if webhook:  # interaction responses and follow-ups come from the application's webhook
            message["webhook_id"] = message["application_id"] = self.application_id
        for key in ("allowed_mentions", "message_reference", "poll", "sticker_ids"):
            if key in body:
                message[key] = body[key]
        self._messages[message["id"]] = message
        return message

    def _attachment_objects(self, entries: list[JsonDict], old: list[JsonDict]) -> list[JsonDict]:
        """New uploads become attachment objects; ``{id}``-only entries keep an old attachment."""
        result = []
        for entry in entries:
            if "filename" not in entry:
                result.extend(a for a in old if str(a["id"]) == str(entry.get("id")))
                continue
            attachment_id = snowflake()
            url = f"https://cdn.discordapp.com/attachments/0/{attachment_id}/{entry['filename']}"
            result.append({"id": attachment_id, "filename": entry["filename"],
                           "size": entry.get("size", 0), "url": url, "proxy_url": url,
                           "description": entry.get("description")})
        return result

    async def _store_message(self, message: JsonDict) -> None:
        if message["flags"] & FLAG_EPHEMERAL:
            return  # ephemeral messages live only in the interaction record
        self._channel_log.setdefault(message["channel_id"], []).append(message["id"])
        if self._may_see(message):
            await self.dispatch("MESSAGE_CREATE", self._as_seen_by_bot(message))

    async def _edit_message(self, message: JsonDict, body: JsonDict) -> None:
        for key in ("content", "embeds", "components", "allowed_mentions", "flags"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "attachments" in body:
            message["attachments"] = self._attachment_objects(body["attachments"] or [],
                                                              message["attachments"])
        message["flags"] = int(message.get("flags") or 0) & ~FLAG_LOADING
        message["edited_timestamp"] = _now()
        if message["id"] in self._channel_log.get(message["channel_id"], []) and self._may_see(message):
            await self.dispatch("MESSAGE_UPDATE", self._as_seen_by_bot(message))

    async def _delete_message(self, message: JsonDict) -> None:
        log = self._channel_log.get(message["channel_id"], [])
        if message["id"] in log:
            log.remove(message["id"])
            if self._may_see(message):
                event = {"id": message["id"], "channel_id": message["channel_id"]}
                if "guild_id" in message:
                    event["guild_id"] = message["guild_id"]
                await self.dispatch("MESSAGE_DELETE", event)

    def _may_see(self, message: JsonDict) -> bool:
        wanted = INTENT_GUILD_MESSAGES if "guild_id" in message else INTENT_DIRECT_MESSAGES
        return bool(self.gateway.intents & wanted)

    def _as_seen_by_bot(self, message: JsonDict) -> JsonDict:
        """Without the message_content intent Discord blanks other users' guild messages."""
        if (self.gateway.intents & INTENT_MESSAGE_CONTENT or "guild_id" not in message
                or message["author"]["id"] == self.bot_user.id
                or any(m["id"] == self.bot_user.id for m in message["mentions"])):
            return message
        return {**message, "content": "", "embeds": [], "attachments": [], "components": []}

    # ---- gateway payloads

    def _ready_payload(self) -> JsonDict:
        user = {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}
        return {"v": 10, "user": user, "session_type": "normal", "private_channels": [],
                "guilds": [{"id": g.id, "unavailable": True} for g in self.guilds],
                "application": {"id": self.application_id, "flags": 0}, "relationships": []}

    # ---- REST

    async def _handle_api(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        record = RecordedRequest(request.method, path, body, dict(request.query),
                                 request.headers.get("Authorization"), files)
        self.requests.append(record)
        response = self._injected_fault(f"{request.method} {path}")
        if response is None:
            response = await self._route(request.method, path, ApiCall({}, request.query, body))
        record.status = response.status
        return response

    async def _route(self, method: str, path: str, call: ApiCall) -> web.Response:
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if route_method == method and match is not None:
                call.params = match.groupdict()
                return _json_response(*await handler(call))
        self.unhandled.append(f"{method} {path}")
        return _json_response(*_error(404, 0, "404: Not Found"))

    def _injected_fault(self, route: str) -> web.Response | None:
        fault = next((f for f in self._faults if f.remaining > 0 and f.pattern in route), None)
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.status != 429:
            return _json_response(*_error(fault.status, 0, f"{fault.status}: injected failure"))
        # discord.py only retries a 429 that has a Via header (else it blames Cloudflare) and a
        # JSON retry_after; Retry-After and the X-RateLimit headers are what Discord also sends.
        headers = {"Via": "1.1 google", "Retry-After": str(fault.retry_after),
                   "X-RateLimit-Global": "false", "X-RateLimit-Scope": "user"}
        body = {"message": "You are being rate limited.", "retry_after": fault.retry_after,
                "global": False}
        return _json_response(429, body, headers)

    def _route_table(self) -> list[tuple[str, str, Handler]]:
        rest = self._rest
        return [
            ("GET", "/users/@me", rest.get_me),
            ("POST", "/users/@me/channels", rest.open_dm),
            ("GET", "/users/{user_id}", rest.get_user),
            ("GET", "/oauth2/applications/@me", rest.get_application),
            ("GET", "/gateway", rest.get_gateway),
            ("GET", "/gateway/bot", rest.get_gateway),
            ("GET", "/applications/{app}/commands", rest.get_commands),
            ("PUT", "/applications/{app}/commands", rest.put_commands),
            ("GET", "/applications/{app}/guilds/{guild_id}/commands", rest.get_commands),
            ("PUT", "/applications/{app}/guilds/{guild_id}/commands", rest.put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", rest.interaction_callback),
            ("POST", "/webhooks/{app}/{token}", rest.post_followup),
            ("GET", "/webhooks/{app}/{token}/messages/{message_id}", rest.get_webhook_message),
            ("PATCH", "/webhooks/{app}/{token}/messages/{message_id}", rest.edit_webhook_message),
            ("DELETE", "/webhooks/{app}/{token}/messages/{message_id}", rest.delete_webhook_message),
            ("GET", "/channels/{channel_id}", rest.get_channel),
            ("POST", "/channels/{channel_id}/typing", rest.typing),
            ("GET", "/channels/{channel_id}/messages", rest.list_messages),
            ("POST", "/channels/{channel_id}/messages", rest.create_message),
            ("GET", "/channels/{channel_id}/messages/{message_id}", rest.get_message),
            ("PATCH", "/channels/{channel_id}/messages/{message_id}", rest.edit_message),
            ("DELETE", "/channels/{channel_id}/messages/{message_id}", rest.delete_message),
            ("GET", "/guilds/{guild_id}", rest.get_guild),
            ("GET", "/guilds/{guild_id}/channels", rest.get_guild_channels),
            ("GET", "/guilds/{guild_id}/roles", rest.get_roles),
            ("GET", "/guilds/{guild_id}/members/{user_id}", rest.get_member),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", rest.add_role),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", rest.remove_role),
        ]

    @property
    def _rest(self) -> Any:
        from tests.fakes.discord_rest import RestHandlers

        return RestHandlers(self)

    @property
    def _interactions(self) -> Any:
        from tests.fakes.discord_interactions import InteractionDriver

        return InteractionDriver(self)
