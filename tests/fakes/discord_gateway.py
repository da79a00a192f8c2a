"""World model and gateway of the fake Discord: what the gateway announces, and how.

The world (:class:`FakeGuild` with channels, roles and members, :class:`FakeUser`) is plain data that
``FakeDiscord`` (see :mod:`tests.fakes.discord_server`, whose docstring explains usage) turns into
READY / GUILD_CREATE / interaction payloads. :class:`FakeGateway` is a single-shard session shared by
all websocket connections to ``/gateway``.

Protocol notes (checked against discord.py 2.7.1):

* Frames are sent as text JSON. The client asks for ``compress=zlib-stream`` but accepts text frames
  regardless, so no compression is implemented.
* Every dispatch gets the next sequence number of the session and is kept in the session history,
  whether or not a socket is connected. A RESUME (op 6) replays the history after the client's ``seq``
  and then sends RESUMED, so nothing dispatched during an outage is lost.
* A new IDENTIFY starts a new session: sequence numbers and history restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import discord
from aiohttp import WSMsgType, web

JsonDict = dict[str, Any]

# --------------------------------------------------------------------------- world model

ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = discord.Permissions.all().value
EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True, send_messages=True, read_message_history=True, embed_links=True,
    attach_files=True, use_application_commands=True, add_reactions=True,
).value
_DISCORD_EPOCH_MS = 1_420_070_400_000
_last_snowflake = 0


def snowflake() -> str:
    """A fresh, increasing snowflake, so ``before``/``after`` paging orders like Discord."""
    global _last_snowflake
    stamp = (int(time.time() * 1000) - _DISCORD_EPOCH_MS) << 22
    _last_snowflake = max(stamp, _last_snowflake + 1)
    return str(_last_snowflake)


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
        # Serialises dispatches with READY and RESUME replays so no event is sent twice or out of order.
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
        op, data = frame.get("op"), frame.get("d")
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
                await self._send(socket, {"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
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
        entry = Dispatch(self.seq, event, data)
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
