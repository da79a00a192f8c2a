"""A fake Discord (REST API v10 + gateway) that the real, unpatched discord.py client talks to.

Only two class attributes of discord.py are redirected, by :meth:`FakeDiscord.redirect` (which
``async with FakeDiscord()`` uses): ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``. Everything else is the real library.

Typical test::

    async with FakeDiscord() as fake:            # serve on 127.0.0.1:<free port>, redirect
        client = MyClient(intents=discord.Intents.default(), guild_ready_timeout=0.1)
        async with fake.run_client(client):      # start(token) ... ready ... close()
            rec = await fake.invoke("config set", {"quorum": 3, "who": "bob"}, user="carol")
            await rec.wait_done()                # type 4, or type 5 + an edit or follow-up
            assert rec.messages()[-1]["content"] == "saved"
            assert not rec.ephemeral
        assert fake.unhandled == [] and fake.errors == []

Sync the command tree in ``setup_hook``, so the commands exist before the first ``invoke``.

World (:mod:`tests.fakes.discord_gateway`): by default one guild "Test DAO" with #general and
#alerts; roles @everyone (id = guild id), "Steward", "Admin" (administrator); members alice (no
role), bob (Steward), carol (Admin, owner) and the bot. ``fake.user("bob")``,
``fake.channel("#alerts")``, ``fake.guild.role("Steward")`` and ``fake.guild.member(user_id)``
look things up; wherever a user or channel is taken, the object, its name or its id works.
``fake.add_guild("Second DAO")`` adds a guild laid out the same way (same users; new guild,
channel and role ids; ``fake.channel("#general")`` still finds the first guild's, use
``second.channels[0]`` or ``second.channel("general")``).

Driving the bot (each returns once the event is dispatched, or queued during an outage):

* ``await fake.invoke(name, options, user="alice", guild_id=None, channel_id=None, dm=False)``
  (``guild_id`` may also be a FakeGuild)
  -> :class:`InteractionRecord` (``wait_callback``, ``wait_done``, ``wait_messages(n)``,
  ``messages()``, ``ephemeral``, ``callback``, ``original``, ``followups``, ``latency``).
  ``name`` may be "group sub" or "group subgroup sub"; option values are converted to the
  registered option types, and user/channel/role options get Discord's ``resolved`` data.
* ``await fake.autocomplete(name, options, focused="opt")`` -> the choices of the type-8 reply.
* ``await fake.click(message_id, custom_id, user=, values=None)`` -> InteractionRecord.
* ``await fake.submit_form(opened, {input_id: text}, user=)``: submit the modal the bot opened
  in answer to the interaction ``opened`` (MODAL_SUBMIT, type 5) -> InteractionRecord.
* ``await fake.post_user_message(channel, user, content, attachments=, reply_to=)``,
  ``edit_user_message(id, content)``, ``delete_user_message(id)``: MESSAGE_CREATE / UPDATE /
  DELETE. As on Discord, without the message_content intent the bot gets empty content unless
  it is mentioned or it is a DM. ``<@id>`` mentions come with the guild member (nick), ``<@&id>``
  fill ``mention_roles``.
* Threads and forums: ``await fake.create_thread(parent, name, user=, private=False)`` (types
  11/12/10, THREAD_CREATE), ``create_forum(name)`` (type 15, CHANNEL_CREATE),
  ``create_forum_post(forum, user, title, content)`` (a thread whose first message has its id),
  ``archive_thread(thread)`` (THREAD_UPDATE; a new message unarchives). REST:
  ``GET /guilds/{id}/threads/active``, ``GET /channels/{id}/threads/archived/public`` and
  ``.../private`` (403 without Manage Threads), paged by archive time as Discord does. The bot
  opens forum posts with ``POST /channels/{forum id}/threads`` (a thread and its first message).
  ``FakeMember.nick`` and ``FakeUser.global_name`` set display names.
* ``await fake.member_join(user, guild=None)``: a member joins (a new name makes a new user);
  GUILD_MEMBER_ADD reaches only a client with the members intent.
* Roles: ``PUT``/``DELETE /guilds/{g}/members/{u}/roles/{r}`` need Manage Roles and a role
  below the bot's highest (403 50013 Missing Permissions otherwise, as on Discord); what was
  carried out is in ``fake.role_changes`` (:class:`RoleChange`, with the audit log reason).
* ``async with fake.outage():`` drops the socket (4000) and keeps the client out; what is
  dispatched meanwhile is replayed after its RESUME. ``await fake.drop_connection(code)`` only
  drops. ``await fake.dispatch(event, data)`` sends any gateway event. All three take
  ``shard=`` (default: every shard for the first two, the guild's shard for ``dispatch``).
* ``fake.fail_next("POST /webhooks", status=429)``: a real 429 (``Via``, ``retry_after``) that
  discord.py waits out and retries; a 500 is retried by discord.py after 1 s.
  ``after_handling=True`` carries the request out first (the message exists) and then answers
  the failure, as when Discord's response is lost: discord.py's retry repeats the same nonce.

Nonces (``POST /channels/{id}/messages``, DM channels included), as Discord documents them:
``nonce`` is an integer or a string of at most 25 characters (longer: 400 ``{"code": 50035,
"message": "Invalid Form Body", "errors": {"nonce": {"_errors": [...]}}}``) and is echoed in the
message object. With ``enforce_nonce: true`` (discord.py's ``send()`` always sets it, with a
random nonce unless ``nonce=`` is given), a nonce the same author used within
``FakeDiscord(nonce_window=300.0)`` seconds (``time.monotonic``; the attribute
``fake.nonce_window`` may be changed) returns that first message with 200 and creates nothing:
no new stored message, no MESSAGE_CREATE. The match is per author and nonce (compared as
strings), not per channel; every created message with a nonce counts, enforced or not. If that
message was deleted, the answer is 404 Unknown Message (discord.py's documented NotFound).
``fake.nonces`` maps ``(author id, str(nonce))`` to :class:`NonceRecord` (``message_id``,
``channel_id``, ``at``); ``fake.nonce_replays`` lists the message ids returned again.

Sharding: ``discord.AutoShardedClient`` opens one connection per shard and each IDENTIFY carries
``"shard": [i, n]``; the fake keeps one session per shard (``fake.session(i)``:
``session_id``, ``history``, ``replayed``, ``connected``, ``resume_count``), READY echoes the
shard and lists only its guilds, and a guild's GUILD_CREATE and later events (interactions,
messages, ...) go over shard ``(guild_id >> 22) % n`` (``fake.shard_of(guild)``); DM events go
to shard 0. The count in use (``fake.shard_count``) is the latest IDENTIFY's, so a client may
pick its own; ``FakeDiscord(shards=N)`` is what ``GET /gateway/bot`` recommends to a client
with ``shard_count=None``. The default guild is on shard 0 for 2, 3, 4 or 6 shards and
``fake.add_guild()`` picks an id on the lowest shard with no guild (of ``max(shards, 2)``;
``shard=``/``shards=`` choose), so ``fake.add_guild("Second DAO")`` is on shard 1 of 2.
``fake.identified_shards`` lists ``[i, n]`` per IDENTIFY. A test client overrides
``before_identify_hook`` (discord.py sleeps 5 s before each IDENTIFY after the first).

Inspecting: ``fake.requests`` (:class:`RecordedRequest`: method, path, json, query,
authorization, files, status, ``at`` = monotonic time); ``fake.unhandled`` ("METHOD /path" of
unknown routes, answered 404) and ``fake.errors`` (requests the fake could not process,
answered 400); ``fake.commands`` (None -> global commands, guild id -> guild commands);
``fake.channel_messages(channel)``, ``fake.dm_messages(user)``, ``fake.message(id)`` (message
objects, oldest first, non-ephemeral interaction responses included, plus the
``allowed_mentions`` the bot sent); ``fake.interactions``; ``fake.identify_count`` and
``fake.resume_count`` (over all shards). Uploaded files: the body's ``attachments`` entries
gain ``size``.
"""

# ruff: noqa: ASYNC109 - a per-call ``timeout`` argument reads best in tests

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import time
import urllib.parse
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import yarl
from aiohttp import BodyPartReader, web

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11; under "-W error" (as in this
    # project's pytest settings) the first import of discord would fail.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord

    from tests.fakes.discord_gateway import (
        ADMINISTRATOR,
        ANNOUNCEMENT_THREAD,
        FLAG_EPHEMERAL,
        FLAG_LOADING,
        GUILD_ANNOUNCEMENT,
        GUILD_FORUM,
        GUILD_TEXT,
        MANAGE_ROLES,
        PRIVATE_THREAD,
        PUBLIC_THREAD,
        FakeChannel,
        FakeGateway,
        FakeGuild,
        FakeMember,
        FakeRole,
        FakeUser,
        FakeWorld,
        InteractionRecord,
        JsonDict,
        ShardSession,
        default_guild,
        shard_id_of,
        snowflake,
        snowflake_on_shard,
        snowflake_time,
    )

__all__ = [
    "FakeChannel",
    "FakeDiscord",
    "FakeGuild",
    "FakeMember",
    "FakeRole",
    "FakeUser",
    "FakeWorld",
    "InteractionRecord",
    "NonceRecord",
    "RecordedRequest",
    "RoleChange",
    "ShardSession",
    "default_guild",
    "shard_id_of",
    "snowflake_on_shard",
]

ClientT = TypeVar("ClientT", bound=discord.Client)
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
MANAGE_THREADS = 1 << 34


def _text_inputs(components: list[JsonDict]) -> list[JsonDict]:
    """The text inputs (type 4) of a modal, inside action rows (type 1) or labels (type 18)."""
    found = []
    for component in components:
        if component.get("type") == 4:
            found.append(component)
        inner = component.get("components") or (
            [component["component"]] if "component" in component else []
        )
        found += _text_inputs(inner)
    return found


def _now() -> str:
    return datetime.now(UTC).isoformat()


_last_archive = datetime.min.replace(tzinfo=UTC)


def _archive_stamp() -> str:
    """An archive timestamp later than every earlier one, so archived threads page in order."""
    global _last_archive
    _last_archive = max(datetime.now(UTC), _last_archive + timedelta(microseconds=1))
    return _last_archive.isoformat()


# --------------------------------------------------------------------------- HTTP plumbing


@dataclass
class RecordedRequest:
    method: str
    path: str  # below /api/v10, e.g. "/channels/123/messages"
    json: Any
    query: dict[str, str]
    authorization: str | None  # "Bot <token>"; interaction webhooks send none, as on Discord
    files: list[JsonDict]  # {"field", "filename", "size", "content_type"} of multipart uploads
    status: int = 0
    at: float = field(default_factory=time.monotonic)


@dataclass
class _ApiCall:
    params: dict[str, str]
    query: Mapping[str, str]
    json: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class RoleChange:
    """A role given or taken by the bot (see :attr:`FakeDiscord.role_changes`)."""

    guild_id: str
    user_id: str
    role_id: str
    added: bool
    reason: str | None  # the X-Audit-Log-Reason header, as the audit log shows it


@dataclass
class NonceRecord:
    """The message an author created with a nonce (see :attr:`FakeDiscord.nonces`)."""

    message_id: str
    channel_id: str
    at: float  # time.monotonic() of the creation; the dedup window counts from here


@dataclass
class _Fault:
    pattern: str
    status: int
    remaining: int
    retry_after: float
    after_handling: bool


_Reply = tuple[int, Any]  # (HTTP status, JSON body or None for 204)
_Handler = Callable[[_ApiCall], Awaitable[_Reply]]


def _json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    if status == 204:
        return web.Response(status=204, headers=headers)
    # discord.py compares the header with == 'application/json'; aiohttp's json_response adds
    # "; charset=utf-8" and makes discord.py hand back a str, hence the hand-built header.
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


def _error(status: int, code: int, message: str) -> _Reply:
    return status, {"message": message, "code": code}


def _invalid_form(field_name: str, code: str, message: str) -> _Reply:
    """Discord's 400 for a bad field: ``errors`` nests ``_errors`` under the field's path."""
    errors = {field_name: {"_errors": [{"code": code, "message": message}]}}
    return 400, {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def _fault_response(fault: _Fault) -> web.Response:
    if fault.status != 429:
        return _json_response(*_error(fault.status, 0, f"{fault.status}: injected failure"))
    # discord.py retries a 429 only with a Via header (else it blames Cloudflare) and a JSON
    # retry_after; Retry-After and X-RateLimit-* are what Discord sends as well.
    headers = {
        "Via": "1.1 google",
        "Retry-After": str(fault.retry_after),
        "X-RateLimit-Global": "false",
        "X-RateLimit-Scope": "user",
    }
    body = {
        "message": "You are being rate limited.",
        "retry_after": fault.retry_after,
        "global": False,
    }
    return _json_response(429, body, headers)


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
            files.append(
                {
                    "field": part.name,
                    "filename": part.filename,
                    "size": len(content),
                    "content_type": part.headers.get("Content-Type"),
                }
            )
    _add_upload_sizes(payload, files)
    return payload, files


def _add_upload_sizes(payload: Any, files: list[JsonDict]) -> None:
    """Put each upload's size on the ``attachments`` entry discord.py made for it (id = index)."""
    if not isinstance(payload, dict):
        return
    body = payload.get("data", payload)  # interaction callbacks nest the message in "data"
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

    def __init__(
        self,
        *,
        guilds: list[FakeGuild] | None = None,
        bot: FakeUser | None = None,
        extra_users: list[FakeUser] | None = None,
        heartbeat_interval_ms: int = 500,
        attachment_size_limit: int = 10 * 1024 * 1024,
        shards: int = 1,
        nonce_window: float = 300.0,
    ) -> None:
        self.world = FakeWorld(guilds, bot, extra_users)
        self.bot_user = self.world.bot_user
        self.application_id = self.bot_user.id  # equal for every bot created since 2020
        self.attachment_size_limit = attachment_size_limit
        self.shards = shards  # what GET /gateway/bot recommends
        self.nonce_window = nonce_window  # seconds a nonce with enforce_nonce deduplicates
        # (author id, str(nonce)) -> the message created with it; see _create_message.
        self.nonces: dict[tuple[str, str], NonceRecord] = {}
        self.nonce_replays: list[str] = []  # ids of messages returned again for a nonce
        self.port = 0
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[str] = []
        self.errors: list[str] = []  # requests the fake could not process (answered 400)
        self.commands: dict[str | None, list[JsonDict]] = {}
        self.interactions: list[InteractionRecord] = []
        self.role_changes: list[RoleChange] = []  # role changes Discord carried out
        self._messages: dict[str, JsonDict] = {}  # id -> message object, ephemeral ones too
        self._channel_log: dict[str, list[str]] = {}  # channel id -> visible message ids
        self._by_token: dict[str, InteractionRecord] = {}
        self._faults: list[_Fault] = []
        self._runner: web.AppRunner | None = None
        self._redirection: contextlib.ExitStack = contextlib.ExitStack()
        self.gateway = FakeGateway(
            heartbeat_interval_ms=heartbeat_interval_ms,
            resume_url=lambda: self.gateway_url,
            ready_payload=lambda: self.world.ready_payload(self.application_id),
            guild_payloads=self.world.guild_payloads,
        )
        self._routes = [
            (method, re.compile(re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)), handler)
            for method, pattern, handler in self._route_table()
        ]

    # ---- lifecycle

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle_api)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)  # port 0: the OS picks a free one
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @contextlib.contextmanager
    def redirect(self) -> Iterator[None]:
        """Point discord.py's REST base and default gateway here; restore them afterwards."""
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
        self._redirection.enter_context(self.redirect())
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._redirection.close()
        await self.stop()

    @contextlib.asynccontextmanager
    async def run_client(
        self, client: ClientT, *, token: str = "fake-token", timeout: float = 5.0
    ) -> AsyncIterator[ClientT]:
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

    # ---- gateway

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def identified_shards(self) -> list[list[int]]:
        """``[shard_id, shard_count]`` of every IDENTIFY so far ([0, 1] if it sent none)."""
        return self.gateway.identified_shards

    @property
    def shard_count(self) -> int:
        """The shard count in use: that of the latest IDENTIFY (1 before any)."""
        return self.gateway.shard_count

    def shard_of(self, guild: FakeGuild | str | int) -> int:
        """The shard that carries ``guild``'s events under the shard count in use."""
        return self.gateway.shard_of(guild.id if isinstance(guild, FakeGuild) else guild)

    def session(self, shard_id: int = 0) -> ShardSession:
        """The gateway session of a shard: ``session_id``, ``history``, ``replayed``..."""
        return self.gateway.session(shard_id)

    async def wait_connected(self, timeout: float = 5.0) -> None:
        """Every shard's socket is up and past READY or RESUMED."""
        await self.gateway.wait_connected(timeout)

    async def wait_ready(self, timeout: float = 5.0) -> None:
        """READY and every GUILD_CREATE sent on every shard (the client's on_ready follows
        guild_ready_timeout)."""
        await self.gateway.wait_session(timeout)

    async def drop_connection(self, code: int = 4000, *, shard: int | None = None) -> None:
        """Close the socket of ``shard`` (default: of every shard); the client RESUMEs."""
        await self.gateway.drop(code, shard=shard)

    def outage(
        self, code: int = 4000, *, shard: int | None = None
    ) -> contextlib.AbstractAsyncContextManager[None]:
        """Drop the socket of ``shard`` (default: all) and hold its reconnection until the block
        ends (then the client RESUMEs)."""
        return self.gateway.outage(code, shard=shard)

    async def dispatch(self, event: str, data: JsonDict, *, shard: int | None = None) -> int:
        """Send any gateway event on the shard of its guild (or ``shard``); returns its sequence
        number."""
        return await self.gateway.dispatch(event, data, shard=shard)

    def fail_next(
        self,
        route_substring: str,
        status: int = 500,
        count: int = 1,
        retry_after: float = 0.05,
        *,
        after_handling: bool = False,
    ) -> None:
        """Fail the next ``count`` requests whose "METHOD /path" contains ``route_substring``.

        ``after_handling=True``: carry the request out (e.g. create the message), then answer
        the failure anyway, as when Discord's response is lost on the way."""
        self._faults.append(_Fault(route_substring, status, count, retry_after, after_handling))

    # ---- the world (see FakeWorld)

    @property
    def guilds(self) -> list[FakeGuild]:
        return self.world.guilds

    @property
    def guild(self) -> FakeGuild:
        """The first (by default the only) guild."""
        return self.world.guilds[0]

    def add_guild(
        self, name: str = "Second DAO", *, shard: int | None = None, shards: int | None = None
    ) -> FakeGuild:
        """Another guild laid out like the default one (same users, new guild, channel and role
        ids) whose id falls on ``shard`` of ``shards``: by default ``max(self.shards, 2)``
        shards and the lowest shard no guild is on yet (the default guild is on shard 0, so
        the second guild lands on shard 1). Call it before the client connects; later, also
        ``await fake.dispatch("GUILD_CREATE", guild.payload(gateway=True))``."""
        shard_count = shards if shards is not None else max(self.shards, 2)
        if shard is None:
            taken = {shard_id_of(g.id, shard_count) for g in self.guilds}
            shard = min((i for i in range(shard_count) if i not in taken), default=0)
        guild = default_guild(
            self.bot_user, guild_id=snowflake_on_shard(shard, shard_count), name=name
        )
        for member in guild.members:  # the same people as in the other guilds
            with contextlib.suppress(KeyError):
                member.user = self.world.user(member.user.id)
        self.world.guilds.append(guild)
        return guild

    def user(self, ref: FakeUser | FakeMember | str | int) -> FakeUser:
        """A user by FakeUser, FakeMember, id or username."""
        return self.world.user(ref)

    def channel(self, ref: FakeChannel | str | int) -> FakeChannel:
        """A guild or DM channel by FakeChannel, id, name or "#name"."""
        return self.world.channel(ref)

    def dm_channel(self, user: FakeUser | str) -> FakeChannel:
        """The DM channel with ``user`` (created on first use)."""
        return self.world.dm_channel(user)

    # ---- what the bot sent

    def channel_messages(self, channel: FakeChannel | str) -> list[JsonDict]:
        """Visible messages of a channel, oldest first (deleted and ephemeral ones excluded)."""
        return [self._messages[mid] for mid in self._channel_log.get(self.channel(channel).id, [])]

    def dm_messages(self, user: FakeUser | str) -> list[JsonDict]:
        existing = self.world.dm_channels.get(self.user(user).id)
        return self.channel_messages(existing) if existing else []

    def message(self, message_id: str) -> JsonDict:
        return self._messages[message_id]

    # ---- driving the bot

    async def member_join(
        self, user: FakeUser | str, *, guild: FakeGuild | None = None
    ) -> FakeMember:
        """``user`` (a FakeUser, a known name or id, or a new name) joins ``guild`` (default:
        the first): GUILD_MEMBER_ADD is dispatched, but only to a client that asked for the
        privileged members intent, as Discord does."""
        guild = guild or self.guild
        try:
            joining = self.user(user)
        except KeyError:
            if not isinstance(user, str):
                raise
            joining = FakeUser(snowflake(), user)
            self.world.extra_users.append(joining)
        if guild.member(joining.id) is not None:
            raise ValueError(f"{joining.username} is already a member of {guild.name}")
        member = FakeMember(joining, joined_at=_now())
        guild.members.append(member)
        if self.gateway.intents & INTENT_GUILD_MEMBERS:
            await self.dispatch("GUILD_MEMBER_ADD", {"guild_id": guild.id, **member.payload()})
        return member

    async def invoke(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        user: FakeUser | str = "alice",
        guild_id: FakeGuild | str | None = None,
        channel_id: FakeChannel | str | None = None,
        dm: bool = False,
    ) -> InteractionRecord:
        """Dispatch a slash command (INTERACTION_CREATE type 2); returns its record at once."""
        return await self._command_interaction(
            2, name, dict(options or {}), None, user, guild_id, channel_id, dm
        )

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        focused: str,
        user: FakeUser | str = "alice",
        guild_id: FakeGuild | str | None = None,
        channel_id: FakeChannel | str | None = None,
        dm: bool = False,
        timeout: float = 2.0,
    ) -> list[JsonDict]:
        """Dispatch an autocomplete (type 4) for option ``focused``; return the offered choices."""
        rec = await self._command_interaction(
            4, name, dict(options or {}), focused, user, guild_id, channel_id, dm
        )
        await rec.wait_done(timeout)
        if rec.callback is None or rec.callback["type"] != 8:
            raise AssertionError(f"expected an autocomplete result, got {rec.callback!r}")
        choices: list[JsonDict] = rec.callback["data"]["choices"]
        return choices

    async def click(
        self,
        message_id: str,
        custom_id: str,
        *,
        user: FakeUser | str = "alice",
        values: list[str] | None = None,
    ) -> InteractionRecord:
        """Press a button (or choose ``values`` in a select menu) on a message the bot sent."""
        await self.wait_ready()
        message = self._messages.get(message_id)
        if message is None:
            raise KeyError(f"no message {message_id}")
        channel = self.channel(message["channel_id"])
        data: JsonDict = {"custom_id": custom_id, "component_type": 2 if values is None else 3}
        if values is not None:
            data["values"] = values
        guild = self.world.find_guild(channel.guild_id)
        return await self._dispatch_interaction(
            3, custom_id, data, self.user(user), guild, channel, message
        )

    async def submit_form(
        self,
        opened: InteractionRecord,
        values: Mapping[str, str],
        *,
        user: FakeUser | str = "alice",
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot opened in answer to ``opened`` (a callback of
        type 9): a MODAL_SUBMIT interaction (type 5) with the text of each input, checked as
        Discord checks it (known inputs, required ones filled, within their lengths)."""
        callback = opened.callback
        if callback is None or callback["type"] != 9:
            raise AssertionError(f"the bot opened no modal: {callback!r}")
        modal = callback["data"]
        if not 1 <= len(modal["title"]) <= 45 or not modal.get("components"):
            raise AssertionError(f"Discord refuses this modal: {modal!r}")
        inputs = {c["custom_id"]: c for c in _text_inputs(modal["components"])}
        unknown = set(values) - set(inputs)
        if unknown:
            raise AssertionError(f"the modal has no inputs {sorted(unknown)}")
        rows = []
        for custom_id, spec in inputs.items():
            value = values.get(custom_id, spec.get("value", ""))
            if spec.get("required", True) and not value:
                raise AssertionError(f"input {custom_id} is required")
            if len(value) > int(spec.get("max_length", 4000)):
                raise AssertionError(f"input {custom_id} is longer than its max_length")
            text_input = {"type": 4, "custom_id": custom_id, "value": value}
            rows.append({"type": 1, "components": [text_input]})
        channel = opened.channel
        message = self._messages.get(opened.message_id) if opened.message_id else None
        data: JsonDict = {"custom_id": modal["custom_id"], "components": rows}
        guild = self.world.find_guild(channel.guild_id)
        return await self._dispatch_interaction(
            5, modal["custom_id"], data, self.user(user), guild, channel, message
        )

    async def post_user_message(
        self,
        channel: FakeChannel | str,
        user: FakeUser | str,
        content: str,
        *,
        embeds: list[JsonDict] | None = None,
        attachments: list[JsonDict] | None = None,
        reply_to: str | None = None,
        message_id: str | None = None,
    ) -> JsonDict:
        """A user writes in a channel or thread: stored, then MESSAGE_CREATE (if the intents
        allow it). ``attachments``: ``{"filename", "content_type", "size"}`` each, as uploaded.
        ``reply_to``: the id of the message answered (type 19 with ``message_reference`` and
        ``referenced_message``). ``<@id>`` in the content comes back in ``mentions`` (users, each
        with a partial guild ``member``, as the gateway sends them), ``<@&id>`` in
        ``mention_roles``; ``<#id>`` stays in the content only, as on Discord. Writing in an
        archived thread unarchives it first (THREAD_UPDATE)."""
        target, author = self.channel(channel), self.user(user)
        if target.is_thread and target.archived:
            await self._set_archived(target, archived=False)
        body: JsonDict = {
            "content": content,
            "embeds": embeds or [],
            "attachments": attachments or [],
        }
        kind = 0
        referenced: JsonDict | None = None
        if reply_to is not None:
            referenced = self._messages[reply_to]
            reference: JsonDict = {"type": 0, "message_id": reply_to, "channel_id": target.id}
            if target.guild_id is not None:
                reference["guild_id"] = target.guild_id
            body["message_reference"] = reference
            kind = 19  # REPLY
        message = self._new_message(target, author, body, kind=kind, message_id=message_id)
        if referenced is not None:
            message["referenced_message"] = json.loads(json.dumps(referenced))
        guild = self.world.find_guild(target.guild_id)
        member = guild.member(author.id) if guild else None
        if member is not None:
            message["member"] = member.payload(with_user=False)
        known = {u.id: u for u in self.world.users()}
        mentions = []
        for user_id in dict.fromkeys(re.findall(r"<@!?(\d+)>", content)):
            if user_id not in known:
                continue
            mentioned = known[user_id].payload()
            in_guild = guild.member(user_id) if guild else None
            if in_guild is not None:
                mentioned["member"] = in_guild.payload(with_user=False)
            mentions.append(mentioned)
        message["mentions"] = mentions
        message["mention_roles"] = list(dict.fromkeys(re.findall(r"<@&(\d+)>", content)))
        message["mention_everyone"] = "@everyone" in content or "@here" in content
        await self._store_message(message)
        return message

    # ---- threads and forums, as members make them

    async def create_thread(
        self,
        parent: FakeChannel | str,
        name: str,
        *,
        user: FakeUser | str = "alice",
        private: bool = False,
    ) -> FakeChannel:
        """A member starts a thread in a text or announcement channel: a type 11 (public), 12
        (private) or 10 (announcement) channel whose ``parent_id`` is that channel, announced
        by THREAD_CREATE with ``newly_created``."""
        source, owner = self.channel(parent), self.user(user)
        if source.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT):
            raise ValueError(f"threads start in text channels, not type {source.type}")
        kind = PRIVATE_THREAD if private else PUBLIC_THREAD
        if source.type == GUILD_ANNOUNCEMENT and not private:
            kind = ANNOUNCEMENT_THREAD
        return await self._open_thread(source, name, kind, owner)

    async def create_forum(self, name: str, *, guild: FakeGuild | None = None) -> FakeChannel:
        """A forum channel (type 15) is added to the guild: CHANNEL_CREATE."""
        target = guild or self.guild
        forum = FakeChannel(
            snowflake(), name, GUILD_FORUM, position=len(target.channels), guild_id=target.id
        )
        target.channels.append(forum)
        await self.dispatch("CHANNEL_CREATE", forum.payload())
        return forum

    async def create_forum_post(
        self,
        forum: FakeChannel | str,
        user: FakeUser | str,
        title: str,
        content: str,
        *,
        attachments: list[JsonDict] | None = None,
    ) -> tuple[FakeChannel, JsonDict]:
        """A member opens a post in a forum channel: a public thread (type 11) whose parent is
        the forum and whose first message has the thread's own id; THREAD_CREATE, then that
        message's MESSAGE_CREATE, as Discord sends them."""
        source, owner = self.channel(forum), self.user(user)
        if source.type != GUILD_FORUM:
            raise ValueError(f"{source.name} is not a forum channel")
        thread = await self._open_thread(source, title, PUBLIC_THREAD, owner)
        message = await self.post_user_message(
            thread, owner, content, attachments=attachments, message_id=thread.id
        )
        source.last_message_id = thread.id  # a forum's last message id is its newest post
        return thread, message

    async def archive_thread(self, thread: FakeChannel | str) -> None:
        """The thread is archived (THREAD_UPDATE): it leaves the active lists and is found by
        the archived-threads endpoints; a new message unarchives it."""
        await self._set_archived(self.channel(thread), archived=True)

    async def _open_thread(
        self, parent: FakeChannel, name: str, kind: int, owner: FakeUser
    ) -> FakeChannel:
        guild = self.world.find_guild(parent.guild_id)
        if guild is None:
            raise ValueError(f"{parent.name} is not in a guild")
        thread = FakeChannel(
            snowflake(),
            name,
            kind,
            guild_id=guild.id,
            parent_id=parent.id,
            owner_id=owner.id,
            archive_timestamp=_archive_stamp(),
        )
        guild.channels.append(thread)
        await self.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        return thread

    async def _set_archived(self, thread: FakeChannel, *, archived: bool) -> None:
        thread.archived = archived
        thread.archive_timestamp = _archive_stamp()  # Discord's: the last (un)archive
        await self.dispatch("THREAD_UPDATE", thread.payload())

    async def edit_user_message(self, message_id: str, content: str) -> JsonDict:
        """A user edits a message: MESSAGE_UPDATE."""
        message = self._messages[message_id]
        await self._edit_message(message, {"content": content})
        return message

    async def delete_user_message(self, message_id: str) -> None:
        """A message is deleted: MESSAGE_DELETE."""
        await self._delete_message(self._messages[message_id])

    async def _command_interaction(
        self,
        kind: int,
        name: str,
        options: dict[str, Any],
        focused: str | None,
        user: FakeUser | str,
        guild_id: FakeGuild | str | None,
        channel_ref: FakeChannel | str | None,
        dm: bool,
    ) -> InteractionRecord:
        # Needs a session, not a live socket: during an outage the event queues for the RESUME.
        await self.wait_ready()
        author = self.user(user)
        if isinstance(guild_id, FakeGuild):
            guild_id = guild_id.id
        guild = None if dm else self.world.find_guild(guild_id or self.guild.id)
        if guild is None and not dm:
            raise KeyError(f"no guild {guild_id}")
        if channel_ref is not None:
            channel = self.channel(channel_ref)
        else:
            channel = self.dm_channel(author) if guild is None else guild.channels[0]
        root, *path = name.split()
        candidates = [
            *self.commands.get(None, []),
            *(self.commands.get(guild.id, []) if guild else []),
        ]
        command = next((c for c in candidates if c["name"] == root and c["type"] == 1), None)
        if command is None:
            known = sorted(c["name"] for c in candidates)
            raise ValueError(
                f"no command {root!r} registered here (known: {known}); sync the tree in setup_hook"
            )
        member = guild.member(author.id) if guild else None
        permissions = guild.permissions_of(member) if guild and member else 0
        data = self.world.command_data(
            command, path, options, guild=guild, permissions=permissions, focused=focused
        )
        return await self._dispatch_interaction(kind, name, data, author, guild, channel)

    async def _dispatch_interaction(
        self,
        kind: int,
        name: str,
        data: JsonDict,
        author: FakeUser,
        guild: FakeGuild | None,
        channel: FakeChannel,
        message: JsonDict | None = None,
    ) -> InteractionRecord:
        payload = self.world.interaction_payload(
            kind,
            data,
            author,
            guild,
            channel,
            application_id=self.application_id,
            attachment_size_limit=self.attachment_size_limit,
        )
        if message is not None:  # components: the message they sit on
            payload["message"] = message
        record = InteractionRecord(
            payload["id"],
            payload["token"],
            kind,
            name,
            payload,
            channel,
            message_id=message["id"] if message else None,
        )
        self.interactions.append(record)
        self._by_token[record.token] = record
        record.sent_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    # ---- messages: storage plus the gateway events Discord would send

    def _new_message(
        self,
        channel: FakeChannel,
        author: FakeUser,
        body: JsonDict,
        *,
        kind: int = 0,
        webhook: bool = False,
        message_id: str | None = None,
    ) -> JsonDict:
        message: JsonDict = {
            "id": message_id or snowflake(),
            "type": kind,
            "channel_id": channel.id,
            "author": author.payload(),
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "attachments": self._attachment_objects(channel.id, body.get("attachments") or [], []),
            "components": body.get("components") or [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": bool(body.get("tts")),
            # Discord's timestamp is the id's: a message posted with an old id was written then.
            "timestamp": snowflake_time(message_id) if message_id else _now(),
            "edited_timestamp": None,
            "flags": int(body.get("flags") or 0),
        }
        if channel.guild_id is not None:
            message["guild_id"] = channel.guild_id
        if webhook:  # interaction responses and follow-ups come from the application's webhook
            message["webhook_id"] = message["application_id"] = self.application_id
        for key in ("allowed_mentions", "message_reference", "poll", "sticker_ids"):
            if key in body:  # not echoed by Discord, kept so tests can assert on them
                message[key] = body[key]
        self._messages[message["id"]] = message
        return message

    def _attachment_objects(
        self, channel_id: str, entries: list[JsonDict], old: list[JsonDict]
    ) -> list[JsonDict]:
        """New uploads become attachment objects (CDN url under the channel, ``content_type``
        when known); ``{id}``-only entries keep an old attachment."""
        result: list[JsonDict] = []
        for entry in entries:
            if "filename" not in entry:
                result.extend(a for a in old if str(a["id"]) == str(entry.get("id")))
                continue
            attachment_id = snowflake()
            path = f"attachments/{channel_id}/{attachment_id}/{entry['filename']}"
            attachment: JsonDict = {
                "id": attachment_id,
                "filename": entry["filename"],
                "size": entry.get("size", 0),
                "url": f"https://cdn.discordapp.com/{path}",
                "proxy_url": f"https://media.discordapp.net/{path}",
                "description": entry.get("description"),
            }
            if entry.get("content_type"):
                attachment["content_type"] = entry["content_type"]
            result.append(attachment)
        return result

    async def _store_message(self, message: JsonDict) -> None:
        if message["flags"] & FLAG_EPHEMERAL:
            return  # ephemeral messages live only in the interaction record
        self._channel_log.setdefault(message["channel_id"], []).append(message["id"])
        with contextlib.suppress(KeyError):
            channel = self.channel(message["channel_id"])
            channel.last_message_id = message["id"]
            channel.message_count += 1
        if self._may_see(message):
            await self.dispatch("MESSAGE_CREATE", self._as_seen_by_bot(message))

    async def _edit_message(self, message: JsonDict, body: JsonDict) -> None:
        for key, empty in (("content", ""), ("embeds", []), ("components", []), ("flags", 0)):
            if key in body:
                message[key] = empty if body[key] is None else body[key]
        if "allowed_mentions" in body:
            message["allowed_mentions"] = body["allowed_mentions"]
        if "attachments" in body:
            message["attachments"] = self._attachment_objects(
                message["channel_id"], body["attachments"] or [], message["attachments"]
            )
        message["flags"] = int(message["flags"]) & ~FLAG_LOADING  # an edit ends "thinking..."
        message["edited_timestamp"] = _now()
        visible = message["id"] in self._channel_log.get(message["channel_id"], [])
        if visible and self._may_see(message):
            await self.dispatch("MESSAGE_UPDATE", self._as_seen_by_bot(message))

    async def _delete_message(self, message: JsonDict) -> None:
        log = self._channel_log.get(message["channel_id"], [])
        if message["id"] not in log:
            return
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
        if (
            self.gateway.intents & INTENT_MESSAGE_CONTENT
            or "guild_id" not in message
            or message["author"]["id"] == self.bot_user.id
            or any(m["id"] == self.bot_user.id for m in message["mentions"])
        ):
            return message
        return {**message, "content": "", "embeds": [], "attachments": [], "components": []}

    # ---- REST plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        record = RecordedRequest(
            request.method,
            path,
            body,
            dict(request.query),
            request.headers.get("Authorization"),
            files,
        )
        self.requests.append(record)
        fault = self._next_fault(f"{request.method} {path}")
        if fault is not None and not fault.after_handling:
            response = _fault_response(fault)
        else:
            try:
                call = _ApiCall({}, request.query, body, request.headers)
                response = await self._route(request.method, path, call)
            except Exception as exc:
                # A 500 would make discord.py retry for ~20 s; a 400 fails the call at once.
                self.errors.append(f"{request.method} {path}: {exc!r}")
                response = _json_response(*_error(400, 50035, f"fake could not handle: {exc!r}"))
            if fault is not None:  # handled, but the client gets the failure
                response = _fault_response(fault)
        record.status = response.status
        return response

    async def _route(self, method: str, path: str, call: _ApiCall) -> web.Response:
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if route_method == method and match is not None:
                call.params = match.groupdict()
                return _json_response(*await handler(call))
        self.unhandled.append(f"{method} {path}")
        return _json_response(*_error(404, 0, "404: Not Found"))

    def _next_fault(self, route: str) -> _Fault | None:
        fault = next((f for f in self._faults if f.remaining > 0 and f.pattern in route), None)
        if fault is not None:
            fault.remaining -= 1
        return fault

    def _route_table(self) -> list[tuple[str, str, _Handler]]:
        webhook_message = "/webhooks/{app}/{token}/messages/{message_id}"
        channel_message = "/channels/{channel_id}/messages/{message_id}"
        member_role = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
        return [
            ("GET", "/users/@me", self._get_me),
            ("POST", "/users/@me/channels", self._open_dm),
            ("GET", "/users/{user_id}", self._get_user),
            ("GET", "/oauth2/applications/@me", self._get_application),
            ("GET", "/gateway", self._get_gateway),
            ("GET", "/gateway/bot", self._get_bot_gateway),
            ("GET", "/applications/{app}/commands", self._get_commands),
            ("PUT", "/applications/{app}/commands", self._put_commands),
            ("GET", "/applications/{app}/guilds/{guild_id}/commands", self._get_commands),
            ("PUT", "/applications/{app}/guilds/{guild_id}/commands", self._put_commands),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback),
            ("POST", "/webhooks/{app}/{token}", self._post_followup),
            ("GET", webhook_message, self._get_webhook_message),
            ("PATCH", webhook_message, self._edit_webhook_message),
            ("DELETE", webhook_message, self._delete_webhook_message),
            ("GET", "/channels/{channel_id}", self._get_channel),
            (
                "GET",
                "/channels/{channel_id}/threads/archived/public",
                functools.partial(self._archived_threads, private=False),
            ),
            (
                "GET",
                "/channels/{channel_id}/threads/archived/private",
                functools.partial(self._archived_threads, private=True),
            ),
            ("POST", "/channels/{channel_id}/threads", self._start_forum_post),
            ("POST", "/channels/{channel_id}/typing", self._typing),
            ("GET", "/channels/{channel_id}/messages", self._list_messages),
            ("POST", "/channels/{channel_id}/messages", self._create_message),
            ("GET", channel_message, self._get_message),
            ("PATCH", channel_message, self._edit_channel_message),
            ("DELETE", channel_message, self._delete_channel_message),
            ("GET", "/guilds/{guild_id}", self._guild_reply(lambda g: g.payload(gateway=False))),
            (
                "GET",
                "/guilds/{guild_id}/channels",
                # Threads are not guild channels here: they come from the thread endpoints.
                self._guild_reply(lambda g: [c.payload() for c in g.channels if not c.is_thread]),
            ),
            (
                "GET",
                "/guilds/{guild_id}/threads/active",
                self._guild_reply(
                    lambda g: {
                        "threads": [
                            c.payload() for c in g.channels if c.is_thread and not c.archived
                        ],
                        "members": [],
                    }
                ),
            ),
            (
                "GET",
                "/guilds/{guild_id}/roles",
                self._guild_reply(lambda g: [r.payload() for r in g.roles]),
            ),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member),
            ("PUT", member_role, functools.partial(self._change_role, add=True)),
            ("DELETE", member_role, functools.partial(self._change_role, add=False)),
        ]

    # ---- REST: identity and commands

    async def _get_me(self, call: _ApiCall) -> _Reply:
        return 200, {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0}

    async def _get_user(self, call: _ApiCall) -> _Reply:
        found = next((u for u in self.world.users() if u.id == call.params["user_id"]), None)
        return (200, found.payload()) if found else _error(404, 10013, "Unknown User")

    async def _get_application(self, call: _ApiCall) -> _Reply:
        # AppInfo reads all of these with []: id, name, description, icon, bot_public,
        # bot_require_code_grant, owner, verify_key.
        return 200, {
            "id": self.application_id,
            "name": self.bot_user.username,
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.bot_user.payload(),
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "bot": self.bot_user.payload(),
            "interactions_endpoint_url": None,
        }

    async def _get_gateway(self, call: _ApiCall) -> _Reply:
        return 200, {"url": self.gateway_url}

    async def _get_bot_gateway(self, call: _ApiCall) -> _Reply:
        """AutoShardedClient(shard_count=None) opens ``shards`` connections to ``url``."""
        limit = {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": self.shards, "session_start_limit": limit}

    async def _get_commands(self, call: _ApiCall) -> _Reply:
        return 200, self.commands.get(call.params.get("guild_id"), [])

    async def _put_commands(self, call: _ApiCall) -> _Reply:
        """Bulk overwrite; like Discord, a command keeps its id while its name and type stay."""
        guild_id = call.params.get("guild_id")
        previous = {(c["name"], c["type"]): c["id"] for c in self.commands.get(guild_id, [])}
        stored = []
        for command in call.json or []:
            entry = {
                "type": 1,
                "description": "",
                "options": [],
                "nsfw": False,
                "default_member_permissions": None,
                **command,
            }
            entry["id"] = previous.get((entry["name"], entry["type"])) or snowflake()
            entry.update(application_id=self.application_id, version=snowflake())
            if guild_id is not None:
                entry["guild_id"] = guild_id
            stored.append(entry)
        self.commands[guild_id] = stored
        return 200, stored

    # ---- REST: interaction responses

    async def _callback(self, call: _ApiCall) -> _Reply:
        rec = self._by_token.get(call.params["token"])
        if rec is None or rec.id != call.params["interaction_id"]:
            return _error(404, 10062, "Unknown interaction")
        if rec.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        kind, data = int(call.json["type"]), call.json.get("data") or {}  # KeyError -> 400
        message: JsonDict | None = None
        if kind in (4, 5):  # a new message; 5 shows "thinking..." until the first edit
            flags = int(data.get("flags") or 0) | (FLAG_LOADING if kind == 5 else 0)
            message = self._new_message(
                rec.channel, self.bot_user, {**data, "flags": flags}, kind=20, webhook=True
            )
            await self._store_message(message)
        elif kind in (6, 7) and rec.message_id is not None:  # component: @original = its message
            message = self._messages[rec.message_id]
            if kind == 7:
                await self._edit_message(message, data)
        if message is not None:
            rec.original_message = message
        rec._record("callback", call.json)
        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        # discord.py (always ?with_response=1) parses interaction + resource.message.
        interaction: JsonDict = {"id": rec.id, "type": rec.type}
        resource: JsonDict = {"type": kind}
        if message is not None and kind in (4, 5, 7):
            interaction.update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(message["flags"] & FLAG_EPHEMERAL),
            )
            resource["message"] = message
        return 200, {"interaction": interaction, "resource": resource}

    async def _post_followup(self, call: _ApiCall) -> _Reply:
        rec = self._by_token.get(call.params["token"])
        if rec is None or rec.callback is None:  # the webhook exists only once acknowledged
            return _error(404, 10015, "Unknown Webhook")
        body = call.json or {}
        message = self._new_message(rec.channel, self.bot_user, body, kind=20, webhook=True)
        await self._store_message(message)
        rec.followup_messages.append(message)
        rec._record("followups", body)
        wait = call.query.get("wait", "false").lower() in ("1", "true")
        return (200, message) if wait else (204, None)

    def _webhook_target(self, call: _ApiCall) -> tuple[InteractionRecord | None, JsonDict | None]:
        rec = self._by_token.get(call.params["token"])
        if rec is None:
            return None, None
        if call.params["message_id"] == "@original":
            return rec, rec.original_message
        candidates = [rec.original_message, *rec.followup_messages]
        wanted = call.params["message_id"]
        return rec, next((m for m in candidates if m and m["id"] == wanted), None)

    async def _get_webhook_message(self, call: _ApiCall) -> _Reply:
        _, message = self._webhook_target(call)
        return (200, message) if message else _error(404, 10008, "Unknown Message")

    async def _edit_webhook_message(self, call: _ApiCall) -> _Reply:
        rec, message = self._webhook_target(call)
        if rec is None or message is None:
            return _error(404, 10008, "Unknown Message")
        await self._edit_message(message, call.json or {})
        rec._record(
            "original" if message is rec.original_message else "followup_edits", call.json or {}
        )
        return 200, message

    async def _delete_webhook_message(self, call: _ApiCall) -> _Reply:
        rec, message = self._webhook_target(call)
        if rec is None or message is None:
            return _error(404, 10008, "Unknown Message")
        await self._delete_message(message)
        rec.deleted.append(message["id"])
        return 204, None

    # ---- REST: channels and messages

    def _find_channel(self, call: _ApiCall) -> FakeChannel | None:
        with contextlib.suppress(KeyError):
            return self.channel(call.params["channel_id"])
        return None

    def _find_message(self, call: _ApiCall) -> JsonDict | None:
        message = self._messages.get(call.params["message_id"])
        visible = self._channel_log.get(call.params["channel_id"], [])
        return message if message is not None and message["id"] in visible else None

    async def _get_channel(self, call: _ApiCall) -> _Reply:
        channel = self._find_channel(call)
        return (200, channel.payload()) if channel else _error(404, 10003, "Unknown Channel")

    async def _archived_threads(self, call: _ApiCall, *, private: bool) -> _Reply:
        """Archived threads of a text, announcement or forum channel, newest archive first, as
        Discord pages them: ``before`` is an ISO 8601 archive timestamp, ``limit`` 2-100
        (default 50), and ``has_more`` says whether older ones remain. Private ones need the
        bot to have Manage Threads (Discord's 403 Missing Permissions otherwise)."""
        channel = self._find_channel(call)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel.type not in (GUILD_TEXT, GUILD_ANNOUNCEMENT, GUILD_FORUM):
            return _error(400, 50024, "Cannot execute action on this channel type")
        guild = self.world.find_guild(channel.guild_id)
        if guild is None:
            return _error(404, 10003, "Unknown Channel")
        bot = guild.member(self.bot_user.id)
        if private and not (bot and guild.permissions_of(bot) & MANAGE_THREADS):
            return _error(403, 50013, "Missing Permissions")
        limit = int(call.query.get("limit", 50))
        if not 2 <= limit <= 100:
            return _invalid_form("limit", "NUMBER_TYPE_MAX", "Must be between 2 and 100.")
        kind = PRIVATE_THREAD if private else PUBLIC_THREAD
        if not private and channel.type == GUILD_ANNOUNCEMENT:
            kind = ANNOUNCEMENT_THREAD
        found = [
            c for c in guild.channels if c.parent_id == channel.id and c.archived and c.type == kind
        ]
        if "before" in call.query:
            before = datetime.fromisoformat(call.query["before"])
            found = [c for c in found if datetime.fromisoformat(c.archive_timestamp) < before]
        found.sort(key=lambda c: datetime.fromisoformat(c.archive_timestamp), reverse=True)
        threads = [c.payload() for c in found[:limit]]
        return 200, {"threads": threads, "members": [], "has_more": len(found) > limit}

    async def _typing(self, call: _ApiCall) -> _Reply:
        return (204, None) if self._find_channel(call) else _error(404, 10003, "Unknown Channel")

    async def _list_messages(self, call: _ApiCall) -> _Reply:
        """Newest first like Discord; ``after`` picks the oldest ``limit`` messages after it."""
        channel = self._find_channel(call)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        ids = [int(i) for i in self._channel_log.get(channel.id, [])]
        limit = min(int(call.query.get("limit", 50)), 100)
        if "after" in call.query:
            picked = sorted(i for i in ids if i > int(call.query["after"]))[:limit]
        else:
            before = int(call.query.get("before", 1 << 64))
            picked = sorted((i for i in ids if i < before), reverse=True)[:limit]
        newest_first = sorted(picked, reverse=True)
        return 200, [self._as_seen_by_bot(self._messages[str(i)]) for i in newest_first]

    async def _create_message(self, call: _ApiCall) -> _Reply:
        """Also DMs. ``nonce`` (int, or string of up to 25 characters) is echoed; with
        ``enforce_nonce`` a nonce the author used within ``nonce_window`` seconds returns that
        message (200) and creates nothing, or 404 Unknown Message if it was deleted."""
        channel = self._find_channel(call)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        body = call.json or {}
        nonce = body.get("nonce")
        if nonce is not None:
            if isinstance(nonce, bool) or not isinstance(nonce, int | str):
                return _invalid_form("nonce", "NONCE_TYPE_INVALID", "Invalid nonce.")
            if len(str(nonce)) > 25:
                return _invalid_form(
                    "nonce", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
                )
        key = (self.bot_user.id, str(nonce))
        earlier = self.nonces.get(key) if nonce is not None else None
        if (
            earlier is not None
            and body.get("enforce_nonce")
            and time.monotonic() - earlier.at < self.nonce_window
        ):
            if earlier.message_id not in self._channel_log.get(earlier.channel_id, []):
                return _error(404, 10008, "Unknown Message")  # deleted: discord.py's NotFound
            self.nonce_replays.append(earlier.message_id)
            return 200, self._messages[earlier.message_id]
        message = self._new_message(channel, self.bot_user, body)
        if nonce is not None:
            message["nonce"] = nonce
            self.nonces[key] = NonceRecord(message["id"], channel.id, time.monotonic())
        await self._store_message(message)
        return 200, message

    async def _start_forum_post(self, call: _ApiCall) -> _Reply:
        """The bot opens a post in a forum channel (type 15): a public thread named ``name``
        whose first message (the body's ``message``) has the thread's id, returned nested in the
        thread object as Discord does (201); THREAD_CREATE, then MESSAGE_CREATE. Threads of text
        channels (no ``message``) are not modelled: 400 as for a wrong channel type."""
        channel = self._find_channel(call)
        if channel is None:
            return _error(404, 10003, "Unknown Channel")
        if channel.type != GUILD_FORUM:
            return _error(400, 50024, "Cannot execute action on this channel type")
        body = call.json or {}
        name = body.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            return _invalid_form(
                "name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        starter = body.get("message") or {}
        if not any(
            starter.get(part) for part in ("content", "embeds", "components", "attachments")
        ):
            return _error(400, 50006, "Cannot send an empty message")
        thread = await self._open_thread(channel, name, PUBLIC_THREAD, self.bot_user)
        message = self._new_message(thread, self.bot_user, starter, message_id=thread.id)
        await self._store_message(message)
        channel.last_message_id = thread.id
        return 201, {**thread.payload(), "message": message}

    async def _get_message(self, call: _ApiCall) -> _Reply:
        message = self._find_message(call)
        return (
            (200, self._as_seen_by_bot(message))
            if message
            else _error(404, 10008, "Unknown Message")
        )

    async def _edit_channel_message(self, call: _ApiCall) -> _Reply:
        message = self._find_message(call)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        if message["author"]["id"] != self.bot_user.id:
            return _error(403, 50005, "Cannot edit a message authored by another user")
        await self._edit_message(message, call.json or {})
        return 200, message

    async def _delete_channel_message(self, call: _ApiCall) -> _Reply:
        message = self._find_message(call)
        if message is None:
            return _error(404, 10008, "Unknown Message")
        await self._delete_message(message)
        return 204, None

    async def _open_dm(self, call: _ApiCall) -> _Reply:
        recipient = str((call.json or {}).get("recipient_id"))
        if not any(u.id == recipient for u in self.world.users()):
            return _error(404, 10013, "Unknown User")
        return 200, self.dm_channel(recipient).payload()

    # ---- REST: guilds, members, roles

    def _guild_reply(self, render: Callable[[FakeGuild], Any]) -> _Handler:
        async def handler(call: _ApiCall) -> _Reply:
            guild = self.world.find_guild(call.params["guild_id"])
            return (200, render(guild)) if guild else _error(404, 10004, "Unknown Guild")

        return handler

    async def _get_member(self, call: _ApiCall) -> _Reply:
        guild = self.world.find_guild(call.params["guild_id"])
        member = guild.member(call.params["user_id"]) if guild else None
        return (200, member.payload()) if member else _error(404, 10007, "Unknown Member")

    async def _change_role(self, call: _ApiCall, *, add: bool) -> _Reply:
        guild = self.world.find_guild(call.params["guild_id"])
        member = guild.member(call.params["user_id"]) if guild else None
        role = guild.role(call.params["role_id"]) if guild else None
        if guild is None or member is None:
            return _error(404, 10007, "Unknown Member")
        if role is None:
            return _error(404, 10011, "Unknown Role")
        # Discord's rules: Manage Roles, and only roles below the bot's highest (the owner
        # excepted); anything else is 403 Missing Permissions.
        me = guild.member(self.bot_user.id)
        if me is None:
            return _error(404, 10004, "Unknown Guild")
        allowed = guild.permissions_of(me) & (MANAGE_ROLES | ADMINISTRATOR)
        above = guild.owner_id == me.user.id or guild.top_position(me) > role.position
        if not allowed or not above:
            return _error(403, 50013, "Missing Permissions")
        if add and role.id not in member.role_ids:
            member.role_ids.append(role.id)
        elif not add and role.id in member.role_ids:
            member.role_ids.remove(role.id)
        reason = call.headers.get("X-Audit-Log-Reason")
        self.role_changes.append(
            RoleChange(
                guild.id,
                member.user.id,
                role.id,
                add,
                urllib.parse.unquote(reason) if reason else None,
            )
        )
        if self.gateway.intents & INTENT_GUILD_MEMBERS:  # only delivered with the members intent
            await self.dispatch("GUILD_MEMBER_UPDATE", {"guild_id": guild.id, **member.payload()})
        return 204, None
