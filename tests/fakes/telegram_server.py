"""A local fake of the Telegram Bot API, good enough to run the real python-telegram-bot against.

Usage::

    fake = FakeTelegram(token="123:ABC", bot_username="steward_bot")
    await fake.start()
    app = (ApplicationBuilder().token(fake.token).base_url(fake.base_url)
           .base_file_url(fake.base_file_url).build())
    ...  # app.initialize(), app.start(), app.updater.start_polling(poll_interval=0)
    fake.send_text(fake.group.id, fake.alice, "/help@steward_bot")
    call = await fake.wait_for("sendMessage")        # the bot's reply, params decoded
    await fake.stop()

World model (plain attributes, change freely before or during a test):
    ``fake.bot_user``; ``fake.alice`` / ``fake.bob`` / ``fake.carol`` (:class:`FakeUser`, ids
    1001-1003; DMs work until ``mark_blocked``);
    ``fake.group`` ("Test DAO", basic group, id -4001; alice creator, bob and carol members, the bot
    an administrator); ``fake.supergroup`` (same members, id -1001000000001, @testdao);
    ``fake.private(user)`` is the DM chat, whose id is the user's id, as in Telegram.
    ``add_user(name, user_id)``, ``set_member_status(chat, user, status)`` with status one of
    creator/administrator/member/left/kicked; ``mark_blocked(user, started=False)`` makes DMs fail
    with 403 ("can't initiate conversation", or "blocked by the user" when ``started``).

Inbound (queue updates for getUpdates; each returns ``Queued(update_id, message_id, callback_id)``):
    ``send_text(chat, user, text, topic=None, reply_to=None, text_mentions=None)`` (with
    bot_command / mention entities; ``text_mentions`` maps phrases to users for ``text_mention``),
    ``send_photo(chat, user, caption=, size=, topic=)`` (three PhotoSizes),
    ``send_document(chat, user, file_name, mime_type=, size=, caption=, topic=)``,
    ``create_topic(chat, user, name)``, ``rename_topic(chat, user, topic, name)`` (in
    ``fake.forum``, an ``is_forum`` supergroup without a username, id -1001000000002: the
    ``forum_topic_created`` / ``forum_topic_edited`` service messages; the first one's id is the
    topic's ``message_thread_id``; topic messages carry ``message_thread_id``,
    ``is_topic_message`` and, when they answer nothing else, that first message as
    ``reply_to_message``, as Telegram sends them; ``fake.topics`` maps (chat, thread) to names).
    The bot's sends take ``message_thread_id`` (400 "message thread not found" otherwise), and
    a reply lands in the topic of the message it answers.
    ``edit_text(chat, message_id, user, text)`` (an ``edited_message``),
    ``delete(chat, message_id)`` (a moderator deletes a message: no update, as in the Bot API;
    the bot's editMessageText then gets 400 "message to edit not found"),
    ``press_button(chat, message_id, user, data)`` (a ``callback_query``; the button must exist).
    ``chat`` is a :class:`FakeChat` or an id; ``user`` a :class:`FakeUser`, a name or an id.

Membership: ``join(chat, user)`` (a ``chat_member`` update, old status left, new member, plus
    the ``new_chat_members`` service message); ``createChatInviteLink`` links are kept in
    ``fake.invite_links`` (:class:`InviteLink`) and ``join_by_link(link, user)`` uses one
    (refused when revoked, expired, used up or the user is banned); ``banChatMember`` and
    ``unbanChatMember`` (supergroups only; ``only_if_banned``) change the status and send the
    ``chat_member`` update, as Telegram does; all three need the bot's admin rights.

Outbound record:
    ``fake.sent``: every call except getUpdates, as :class:`SentCall` (``method``, decoded
    ``params`` with uploads as :class:`UploadedFile`, ``at``, ``status``, ``error``);
    ``fake.polls``: the getUpdates calls; ``fake.unhandled``: unknown method names.
    ``await fake.wait_for(method, predicate=None, timeout=5.0, include_errors=False)`` returns the
    first successful matching call not returned before (so consecutive waits see successive calls)
    and raises ``TimeoutError`` listing what was seen.
    ``fake.messages(chat, from_bot=None)``: current :class:`StoredMessage` objects after edits
    and deletes (``text`` as sent, ``plain`` as users see it, ``parse_mode``, ``reply_markup``,
    ``payload`` = the API Message).
    ``fake.my_commands(scope=None, language_code="")``; ``fake.pending_updates``.

Faults: ``fake.fail_next(method, status, description, retry_after=None, count=1)``;
``fake.flood = FloodLimits(group_per_minute=20, global_per_second=30, chat_per_second=None)``
gives 429 + ``retry_after`` on send* methods, like Telegram's flood control.

Validation mirrors the real API where bots usually go wrong: text length (4096, after entity
parsing), empty text, HTML tags (Telegram's tag set, balance, byte offsets; the Markdown modes are
recorded but not validated), captions (1024), callback_data (64 bytes), "message is not
modified", editing without ``reply_markup`` removing the keyboard, 403 for users who never
started the bot, 403 when the bot left or was kicked from a group.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aiohttp import web

JSON = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a specified content and reply markup of the current message"
)
# PTB sends strings raw and JSON-encodes everything else; these must never be json.loads-ed,
# or a user text such as "42" or "true" would change type.
# fmt: off
_RAW_FIELDS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "language_code", "action", "file_id",
    "inline_message_id", "url", "business_connection_id", "message_effect_id", "emoji",
})
# Telegram stops delivering these unless asked for explicitly.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
})
# fmt: on
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@/])")
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_/@])@[A-Za-z0-9_]{5,32}\b")
_BOT_COMMAND_NAME = re.compile(r"[a-z0-9_]{1,32}")


class ApiError(Exception):
    """An error response; raised inside method handlers."""

    def __init__(self, status: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


@dataclass(frozen=True)
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    is_bot: bool = False

    def to_api(self) -> JSON:
        data = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
            "username": self.username,
        }
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class FakeChat:
    id: int
    type: str  # private, group, supergroup
    title: str | None = None
    username: str | None = None
    user: FakeUser | None = None  # the other side of a private chat
    is_forum: bool = False  # a supergroup whose messages are organised in topics

    def to_api(self) -> JSON:
        data = {
            "id": self.id,
            "type": self.type,
            "title": self.title,
            "username": self.username,
            "first_name": self.user.first_name if self.user else None,
            "is_forum": True if self.is_forum else None,
        }
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class UploadedFile:
    filename: str | None
    data: bytes
    content_type: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class SentCall:
    method: str
    params: JSON
    at: float
    status: int = 200
    error: str | None = None


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    text: str | None  # raw source as the sender sent it (HTML/MarkdownV2 markup included)
    plain: str | None  # what a user sees
    parse_mode: str | None
    reply_markup: JSON | None
    payload: JSON  # the Message object as the API returns it
    file: UploadedFile | None = None
    edited: bool = False


@dataclass
class FloodLimits:
    group_per_minute: int | None = 20
    global_per_second: int | None = 30
    chat_per_second: int | None = None  # Telegram tolerates short bursts, so off by default


@dataclass
class InviteLink:
    """A link the bot created with createChatInviteLink, and who joined through it."""

    chat_id: int
    invite_link: str
    name: str | None
    expire_date: int | None
    member_limit: int | None
    creator: FakeUser
    revoked: bool = False
    joined: list[int] = field(default_factory=list)

    def to_api(self) -> JSON:
        data: JSON = {
            "invite_link": self.invite_link,
            "creator": self.creator.to_api(),
            "creates_join_request": False,
            "is_primary": False,
            "is_revoked": self.revoked,
            "name": self.name,
            "expire_date": self.expire_date,
            "member_limit": self.member_limit,
        }
        return {k: v for k, v in data.items() if v is not None}


class Queued(NamedTuple):
    update_id: int
    message_id: int | None
    callback_id: str | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: float | None
    count: int


def _u16(text: str) -> int:
    """Telegram measures entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _entities_error(message: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {message}")


# fmt: off
_HTML_TAGS = {  # Telegram's HTML tag set -> entity type
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "a": "text_link", "code": "code", "pre": "pre", "tg-spoiler": "spoiler", "span": "spoiler",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}
# fmt: on
_TAG_RE = re.compile(r"<(/?)([^\s/>]*)([^<>]*)>")
_ATTR_RE = re.compile(r"""([A-Za-z-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_RE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _unescape(text: str) -> str:
    def one(m: re.Match[str]) -> str:
        decimal, hexadecimal, name = m.groups()
        if name:
            return _NAMED[name]
        code = int(hexadecimal, 16) if hexadecimal else int(decimal)
        return chr(code) if 0 < code < 0x110000 else m.group(0)

    # Other named entities (&nbsp; ...) are not decoded by Telegram and stay literal.
    return _HTML_ENTITY_RE.sub(one, text)


def _no_stray_lt(src: str, start: int, end: int) -> None:
    """A "<" that does not open a well-formed tag is an error in Telegram's HTML mode."""
    where = src.find("<", start, end)
    if where >= 0:
        raise _entities_error(f"Unclosed start tag at byte offset {len(src[:where].encode())}")


def parse_html(src: str) -> tuple[str, list[JSON]]:
    """Telegram's HTML parse mode: returns (plain text, entities) or raises a 400."""
    out: list[str] = []
    u16 = 0
    stack: list[tuple[str, JSON]] = []
    entities: list[JSON] = []
    pos = 0
    for m in _TAG_RE.finditer(src):
        _no_stray_lt(src, pos, m.start())
        chunk = _unescape(src[pos : m.start()])
        out.append(chunk)
        u16 += _u16(chunk)
        pos = m.end()
        offset = len(src[: m.start()].encode())
        name = m.group(2).lower()
        if m.group(1):
            if not stack:
                raise _entities_error(f"Unexpected end tag at byte offset {offset}")
            open_name, ent = stack.pop()
            if open_name != name:
                raise _entities_error(
                    f'Unmatched end tag at byte offset {offset}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            ent["length"] = u16 - ent["offset"]
            if ent["length"] and ent["type"]:
                entities.append(ent)
            continue
        if name not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs = {k.lower(): _unescape(a or b or c) for k, a, b, c in _ATTR_RE.findall(m.group(3))}
        ent = {"type": _HTML_TAGS[name], "offset": u16}
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entities_error('Tag "span" must have class "tg-spoiler"')
        if name == "a":
            ent["url"] = attrs.get("href")
            ent["type"] = "text_link" if ent["url"] else None
        elif name == "tg-emoji":
            if not attrs.get("emoji-id"):
                raise _entities_error('Tag "tg-emoji" must have attribute "emoji-id"')
            ent["custom_emoji_id"] = attrs["emoji-id"]
        elif name == "blockquote" and "expandable" in attrs:
            ent["type"] = "expandable_blockquote"
        elif name == "code" and stack and stack[-1][0] == "pre":
            language = attrs.get("class", "")
            if language.startswith("language-"):  # <pre><code class="language-x"> is one entity
                stack[-1][1]["language"] = language.removeprefix("language-")
                ent["type"] = None
        stack.append((name, ent))
    _no_stray_lt(src, pos, len(src))
    out.append(_unescape(src[pos:]))
    if stack:
        raise _entities_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _render(text: str, parse_mode: str | None) -> tuple[str, list[JSON]]:
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode not in ("", "markdown", "markdownv2"):  # Markdown modes: recorded, not validated
        raise ApiError(400, f"Bad Request: unsupported parse_mode {parse_mode!r}")
    return text, []


def _command_entities(text: str) -> list[JSON]:
    found = [(m, "bot_command") for m in _COMMAND_RE.finditer(text)]
    found += [(m, "mention") for m in _MENTION_RE.finditer(text)]
    return sorted(
        (
            {"type": kind, "offset": _u16(text[: m.start()]), "length": _u16(m.group())}
            for m, kind in found
        ),
        key=lambda e: e["offset"],
    )


def _decode_field(key: str, value: str) -> Any:
    if key in _RAW_FIELDS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


class FakeTelegram:
    """An aiohttp server on 127.0.0.1 speaking the Bot API; see the module docstring."""

    def __init__(self, token: str = "123:ABC", bot_username: str = "steward_bot") -> None:
        self.token = token
        self.bot_user = FakeUser(int(token.split(":")[0]), "Steward", bot_username, is_bot=True)
        self.sent: list[SentCall] = []
        self.polls: list[SentCall] = []
        self.unhandled: list[str] = []
        self.flood = FloodLimits()
        self.users: dict[str, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.callback_answers: dict[str, JSON] = {}
        self.files: dict[str, UploadedFile] = {}
        self._members: dict[tuple[int, int], str] = {}
        self.invite_links: dict[str, InviteLink] = {}
        self._blocked: dict[int, str] = {}
        self._messages: dict[int, dict[int, StoredMessage]] = {}
        self._next_message_id: dict[int, int] = {}
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(100_000)
        self._ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._commands: dict[tuple[str, str], list[JSON]] = {}
        self._faults: dict[str, list[_Fault]] = {}
        self._flood_log: list[tuple[float, int]] = []
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._wake = asyncio.Event()  # replaced on every wake-up, so waiters never miss one
        self._recorded = asyncio.Event()
        self._consumed: set[int] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.alice = self.add_user("alice", 1001)
        self.bob = self.add_user("bob", 1002)
        self.carol = self.add_user("carol", 1003)
        self.group = self._add_chat(FakeChat(-4001, "group", "Test DAO"))
        self.supergroup = self._add_chat(
            FakeChat(-1001000000001, "supergroup", "Test DAO Supergroup", "testdao")
        )
        # A private forum supergroup (no username): topics, links as t.me/c/1000000002/<id>.
        self.forum = self._add_chat(
            FakeChat(-1001000000002, "supergroup", "DAO Forum", is_forum=True)
        )
        self.topics: dict[tuple[int, int], str] = {}  # (chat id, message_thread_id) -> name
        for chat in (self.group, self.supergroup, self.forum):
            self.set_member_status(chat, self.alice, "creator")
            self.set_member_status(chat, self.bob, "member")
            self.set_member_status(chat, self.carol, "member")
            self.set_member_status(chat, self.bot_user.id, "administrator")
        # API method names are case-insensitive: lower-cased name -> (canonical name, handler).
        self._handlers: dict[str, tuple[str, Callable[[JSON], Any]]] = {
            name[3:].lower(): (name[3:], getattr(self, name))
            for name in dir(self)
            if name.startswith("_m_")
        }

    # ----- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        self._closing = False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        # runner.cleanup() waits for in-flight handlers, including long polls orphaned by a
        # client that already went away; wake them so teardown does not cost a poll timeout.
        self._closing = True
        self._wake_polls()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ----- world model ---------------------------------------------------------------------
    def add_user(self, name: str, user_id: int, first_name: str | None = None) -> FakeUser:
        user = FakeUser(user_id, first_name or name.capitalize(), name)
        self.users[name] = user
        self._add_chat(FakeChat(user_id, "private", username=name, user=user))
        self.set_member_status(user_id, user, "member")
        self.set_member_status(user_id, self.bot_user.id, "member")
        return user

    def _add_chat(self, chat: FakeChat) -> FakeChat:
        self.chats[chat.id] = chat
        return chat

    def private(self, user: FakeUser | str | int) -> FakeChat:
        return self.chats[self._user(user).id]

    def set_member_status(
        self, chat: FakeChat | int, user: FakeUser | str | int, status: str
    ) -> None:
        if status not in ("creator", "administrator", "member", "left", "kicked"):
            raise ValueError(f"unsupported status {status!r}")
        self._members[(self._chat(chat).id, self._user(user).id)] = status

    def member_status(self, chat: FakeChat | int, user: FakeUser | str | int) -> str:
        return self._members.get((self._chat(chat).id, self._user(user).id), "left")

    def mark_blocked(self, user: FakeUser | str | int, *, started: bool = False) -> None:
        self._blocked[self._user(user).id] = (
            "Forbidden: bot was blocked by the user"
            if started
            else "Forbidden: bot can't initiate conversation with a user"
        )

    def _chat(self, chat: FakeChat | int | str) -> FakeChat:
        if isinstance(chat, FakeChat):
            return chat
        if isinstance(chat, str) and chat.startswith("@"):
            found = [
                c
                for c in self.chats.values()
                if c.type != "private" and c.username and c.username.lower() == chat[1:].lower()
            ]
        else:
            try:
                found = [self.chats[int(chat)]]
            except (KeyError, ValueError):
                found = []
        if not found:
            raise ApiError(400, "Bad Request: chat not found")
        return found[0]

    def _user(self, user: FakeUser | str | int) -> FakeUser:
        if isinstance(user, FakeUser):
            return user
        if isinstance(user, str):
            return self.users[user]
        if user == self.bot_user.id:
            return self.bot_user
        for known in self.users.values():
            if known.id == user:
                return known
        raise ApiError(400, "Bad Request: user not found")

    # ----- inbound updates -----------------------------------------------------------------
    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def _queue(self, kind: str, payload: JSON) -> int:
        update_id = next(self._update_ids)
        # Snapshot: later edits must not change an update that is already queued.
        self._updates.append({"update_id": update_id, kind: json.loads(json.dumps(payload))})
        self._wake_polls()
        return update_id

    def _wake_polls(self) -> None:
        self._wake.set()
        self._wake = asyncio.Event()

    def _store(self, chat: FakeChat, sender: FakeUser, body: JSON, **meta: Any) -> StoredMessage:
        message_id = self._next_message_id.get(chat.id, 1)
        self._next_message_id[chat.id] = message_id + 1
        payload = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.to_api(),
            "from": sender.to_api(),
            **body,
        }
        stored = StoredMessage(chat.id, message_id, sender.is_bot, payload=payload, **meta)
        self._messages.setdefault(chat.id, {})[message_id] = stored
        return stored

    def _find(self, chat_id: int, message_id: Any, missing: str) -> StoredMessage:
        found = self._messages.get(chat_id, {}).get(message_id)
        if found is None:
            raise ApiError(400, f"Bad Request: {missing}")
        return found

    def send_text(
        self,
        chat: FakeChat | int,
        user: FakeUser | str | int,
        text: str,
        *,
        topic: int | None = None,
        reply_to: int | None = None,
        text_mentions: dict[str, FakeUser | str | int] | None = None,
    ) -> Queued:
        """A user writes ``text`` in ``chat``; returns the queued update and message ids.

        ``topic``: the ``message_thread_id`` of a forum topic (see :meth:`create_topic`);
        ``reply_to``: the id of the message answered; ``text_mentions``: phrases of ``text`` that
        name a user without a username (``text_mention`` entities carrying the user). @username
        mentions and /commands get their entities as Telegram gives them."""
        target, sender = self._writer(chat, user)
        body: JSON = {"text": text}
        if entities := self._entities(text, text_mentions):
            body["entities"] = entities
        self._place(target, body, topic, reply_to)
        stored = self._store(
            target, sender, body, text=text, plain=text, parse_mode=None, reply_markup=None
        )
        return Queued(self._queue("message", stored.payload), stored.message_id)

    def join(self, chat: FakeChat | int, user: FakeUser | str | int) -> Queued:
        """``user`` joins ``chat`` (added, or by the chat's public link): the user is a member and
        Telegram sends a ``chat_member`` update (to a bot that administers the chat and asked
        for it in ``allowed_updates``) and the "joined" service message."""
        return self._enter(self._chat(chat), self._user(user), None)

    def join_by_link(self, link: str, user: FakeUser | str | int) -> Queued:
        """``user`` opens an invite link the bot created; refused (ValueError, what Telegram's
        app would show) when it is revoked, expired, used up, or the user is banned."""
        invite = self.invite_links.get(link)
        if invite is None or invite.revoked:
            raise ValueError("This invite link is invalid or has been revoked")
        if invite.expire_date is not None and invite.expire_date <= time.time():
            raise ValueError("This invite link has expired")
        if invite.member_limit is not None and len(invite.joined) >= invite.member_limit:
            raise ValueError("This invite link has reached its member limit")
        joining = self._user(user)
        chat = self._chat(invite.chat_id)
        if self.member_status(chat, joining) == "kicked":
            raise ValueError("You were banned from this group")
        invite.joined.append(joining.id)
        return self._enter(chat, joining, invite)

    def _enter(self, chat: FakeChat, user: FakeUser, invite: InviteLink | None) -> Queued:
        if self.member_status(chat, user) in ("creator", "administrator", "member"):
            raise ValueError(f"{user.username} is already in {chat.title}")
        old = self._member(chat, user)
        self.set_member_status(chat, user, "member")
        change: JSON = {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": self._member(chat, user),
        }
        if invite is not None:
            change["invite_link"] = invite.to_api()
        # Telegram tells only the chat's administrators about members coming and going.
        update_id = self._queue("chat_member", change) if self._bot_administers(chat) else None
        stored = self._store(
            chat,
            user,
            {"new_chat_members": [user.to_api()]},
            text=None,
            plain=None,
            parse_mode=None,
            reply_markup=None,
        )
        queued = self._queue("message", stored.payload)
        return Queued(update_id if update_id is not None else queued, stored.message_id)

    def _bot_administers(self, chat: FakeChat) -> bool:
        return self.member_status(chat, self.bot_user.id) in ("creator", "administrator")

    def _membership_changed(self, chat: FakeChat, user: FakeUser, status: str) -> None:
        """The bot changed someone's membership: the ``chat_member`` update Telegram sends."""
        old = self._member(chat, user)
        self.set_member_status(chat, user, status)
        self._queue(
            "chat_member",
            {
                "chat": chat.to_api(),
                "from": self.bot_user.to_api(),
                "date": int(time.time()),
                "old_chat_member": old,
                "new_chat_member": self._member(chat, user),
            },
        )

    def send_photo(
        self,
        chat: FakeChat | int,
        user: FakeUser | str | int,
        *,
        caption: str | None = None,
        size: int = 48_000,
        topic: int | None = None,
    ) -> Queued:
        """A user sends a photo: ``photo`` holds three sizes (the largest is ``size`` bytes and
        1280x960), with the ``caption`` and its entities if given."""
        target, sender = self._writer(chat, user)
        sizes = [(90, 67, size // 40), (320, 240, size // 8), (1280, 960, size)]
        photo = [
            {**self._user_file(None, None, nbytes), "width": w, "height": h}
            for w, h, nbytes in sizes
        ]
        return self._send_media(target, sender, {"photo": photo}, caption, topic)

    def send_document(
        self,
        chat: FakeChat | int,
        user: FakeUser | str | int,
        file_name: str,
        *,
        mime_type: str = "application/pdf",
        size: int = 2048,
        caption: str | None = None,
        topic: int | None = None,
    ) -> Queued:
        """A user sends a file: ``document`` with ``file_name``, ``mime_type`` and ``file_size``."""
        target, sender = self._writer(chat, user)
        document = {
            **self._user_file(file_name, mime_type, size),
            "file_name": file_name,
            "mime_type": mime_type,
        }
        return self._send_media(target, sender, {"document": document}, caption, topic)

    def create_topic(
        self,
        chat: FakeChat | int,
        user: FakeUser | str | int,
        name: str,
        *,
        delivered: bool = True,
    ) -> int:
        """A member opens a topic in a forum supergroup. As in Telegram, the topic's first
        message is the service message ``forum_topic_created`` whose id is the topic's
        ``message_thread_id`` (returned); it is delivered as an update unless ``delivered`` is
        False (a bot that joined later never saw it)."""
        target, sender = self._writer(chat, user)
        if not target.is_forum:
            raise ValueError(f"chat {target.id} is not a forum")
        thread_id = self._next_message_id.get(target.id, 1)
        body: JSON = {
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "forum_topic_created": {"name": name, "icon_color": 0x6FB9F0},
        }
        stored = self._store(
            target, sender, body, text=None, plain=None, parse_mode=None, reply_markup=None
        )
        self.topics[(target.id, thread_id)] = name
        if delivered:
            self._queue("message", stored.payload)
        return thread_id

    def rename_topic(
        self, chat: FakeChat | int, user: FakeUser | str | int, topic: int, name: str
    ) -> Queued:
        """A member renames a topic: the service message ``forum_topic_edited`` in the topic."""
        target, sender = self._writer(chat, user)
        body: JSON = {"forum_topic_edited": {"name": name}}
        self._place(target, body, topic, None)
        stored = self._store(
            target, sender, body, text=None, plain=None, parse_mode=None, reply_markup=None
        )
        self.topics[(target.id, topic)] = name
        return Queued(self._queue("message", stored.payload), stored.message_id)

    def _writer(
        self, chat: FakeChat | int, user: FakeUser | str | int
    ) -> tuple[FakeChat, FakeUser]:
        target, sender = self._chat(chat), self._user(user)
        if self.member_status(target, sender) in ("left", "kicked"):
            raise ValueError(f"{sender.username} is not in chat {target.id}")
        if target.type == "private":
            self._blocked.pop(sender.id, None)  # writing to the bot (re)starts the conversation
        return target, sender

    def _send_media(
        self,
        chat: FakeChat,
        sender: FakeUser,
        body: JSON,
        caption: str | None,
        topic: int | None,
    ) -> Queued:
        if caption:
            body["caption"] = caption
            if entities := self._entities(caption, None):
                body["caption_entities"] = entities
        self._place(chat, body, topic, None)
        stored = self._store(
            chat, sender, body, text=caption, plain=caption, parse_mode=None, reply_markup=None
        )
        return Queued(self._queue("message", stored.payload), stored.message_id)

    def _user_file(self, name: str | None, mime_type: str | None, size: int) -> JSON:
        file_id = f"F{next(self._ids):06d}"
        self.files[file_id] = UploadedFile(name, b"\0" * size, mime_type)
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": size}

    def _entities(self, text: str, text_mentions: dict[str, Any] | None) -> list[JSON]:
        entities = _command_entities(text)
        for phrase, who in (text_mentions or {}).items():
            start = text.index(phrase)
            entities.append(
                {
                    "type": "text_mention",
                    "offset": _u16(text[:start]),
                    "length": _u16(phrase),
                    "user": self._user(who).to_api(),
                }
            )
        return sorted(entities, key=lambda e: e["offset"])

    def _place(self, chat: FakeChat, body: JSON, topic: int | None, reply_to: int | None) -> None:
        """Put a message in a topic and/or make it a reply. Telegram gives a topic message that
        answers nothing the topic's first message (``forum_topic_created``) as
        ``reply_to_message``; a replied message never carries its own ``reply_to_message``."""
        if topic is not None:
            if (chat.id, topic) not in self.topics:
                raise ValueError(f"no topic {topic} in chat {chat.id}")
            body.update(message_thread_id=topic, is_topic_message=True)
        replied_id = reply_to if reply_to is not None else topic
        if replied_id is not None:
            replied = self._find(chat.id, replied_id, "message to be replied not found")
            body["reply_to_message"] = {
                k: v for k, v in replied.payload.items() if k != "reply_to_message"
            }

    def edit_text(
        self, chat: FakeChat | int, message_id: int, user: FakeUser | str | int, text: str
    ) -> Queued:
        stored = self._find(self._chat(chat).id, message_id, "message to edit not found")
        if stored.payload["from"]["id"] != self._user(user).id:
            raise ValueError("users can only edit their own messages")
        stored.text = stored.plain = text
        stored.edited = True
        stored.payload.update(text=text, edit_date=int(time.time()))
        stored.payload.pop("entities", None)
        if entities := _command_entities(text):
            stored.payload["entities"] = entities
        return Queued(self._queue("edited_message", stored.payload), message_id)

    def delete(self, chat: FakeChat | int, message_id: int) -> None:
        """A moderator deletes a message (the bot is not told: the Bot API sends no update)."""
        chat_id = self._chat(chat).id
        self._find(chat_id, message_id, "message not found")
        del self._messages[chat_id][message_id]

    def press_button(
        self, chat: FakeChat | int, message_id: int, user: FakeUser | str | int, data: str
    ) -> Queued:
        """A user taps the inline button carrying ``data`` under the bot's message."""
        stored = self._find(self._chat(chat).id, message_id, "message not found")
        rows = (stored.reply_markup or {}).get("inline_keyboard", [])
        if not any(b.get("callback_data") == data for row in rows for b in row):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        query_id = str(next(self._ids) * 7919)
        self._open_callbacks.add(query_id)
        payload = {
            "id": query_id,
            "from": self._user(user).to_api(),
            "message": stored.payload,
            "chat_instance": f"ci{stored.chat_id}",
            "data": data,
        }
        return Queued(self._queue("callback_query", payload), message_id, query_id)

    # ----- outbound record -----------------------------------------------------------------
    def messages(self, chat: FakeChat | int, from_bot: bool | None = None) -> list[StoredMessage]:
        stored = self._messages.get(self._chat(chat).id, {})
        return [m for _, m in sorted(stored.items()) if from_bot is None or m.from_bot == from_bot]

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[SentCall], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a per-call deadline reads best in tests
        *,
        include_errors: bool = False,
    ) -> SentCall:
        deadline = time.monotonic() + timeout
        while True:
            recorded = self._recorded
            for index, call in enumerate(self.sent):
                if (
                    index not in self._consumed
                    and call.method.lower() == method.lower()
                    and (include_errors or call.error is None)
                    and (predicate is None or predicate(call))
                ):
                    self._consumed.add(index)
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [f"{c.method}({c.status})" for c in self.sent[-10:]]
                raise TimeoutError(f"no matching {method} call in {timeout}s; last calls: {seen}")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(recorded.wait(), remaining)

    def my_commands(self, scope: Any = None, language_code: str = "") -> list[JSON]:
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if scope is None:
            scope = {"type": "default"}
        elif isinstance(scope, str):
            scope = {"type": scope}
        elif hasattr(scope, "to_dict"):  # a PTB BotCommandScope
            scope = scope.to_dict()
        return json.dumps(
            {k: scope[k] for k in ("type", "chat_id", "user_id") if k in scope}, sort_keys=True
        )

    # ----- faults --------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int,
        description: str,
        retry_after: float | None = None,
        count: int = 1,
    ) -> None:
        """The next ``count`` calls of ``method`` fail. Telegram's retry_after is an int; PTB
        also accepts a float, which keeps tests fast."""
        self._faults.setdefault(method.lower(), []).append(
            _Fault(status, description, retry_after, count)
        )

    def _check_flood(self, chat: FakeChat) -> None:
        now, limits = time.monotonic(), self.flood
        self._flood_log = [(t, c) for t, c in self._flood_log if now - t < 60]
        windows: list[tuple[int | None, float, list[float]]] = [
            (limits.global_per_second, 1.0, [t for t, _ in self._flood_log if now - t < 1]),
            (
                limits.chat_per_second,
                1.0,
                [t for t, c in self._flood_log if c == chat.id and now - t < 1],
            ),
        ]
        if chat.type in ("group", "supergroup"):
            windows.append(
                (limits.group_per_minute, 60.0, [t for t, c in self._flood_log if c == chat.id])
            )
        for limit, span, times in windows:
            if limit is not None and len(times) >= limit:
                retry = max(1, math.ceil(span - (now - times[0])))
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        self._flood_log.append((now, chat.id))

    # ----- HTTP plumbing -------------------------------------------------------------------
    @staticmethod
    def _reply(status: int, body: JSON) -> web.Response:
        return web.Response(status=status, body=json.dumps(body), content_type="application/json")

    async def _read_params(self, request: web.Request) -> JSON:
        params: JSON = {k: _decode_field(k, v) for k, v in request.query.items()}
        if request.content_type == "application/json":
            body = await request.json()
            for key, value in body.items():
                params[key] = (
                    json.loads(value)
                    if (
                        key
                        in (
                            "reply_markup",
                            "reply_parameters",
                            "scope",
                            "commands",
                            "allowed_updates",
                            "link_preview_options",
                        )
                        and isinstance(value, str)
                    )
                    else value
                )
        elif request.can_read_body:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = UploadedFile(
                        value.filename, value.file.read(), value.content_type
                    )
                else:
                    params[key] = _decode_field(key, str(value))
        for key, value in list(params.items()):  # resolve attach://name references
            if isinstance(value, str) and value.startswith("attach://"):
                params[key] = params.pop(value.removeprefix("attach://"), value)
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        name = request.match_info["method"].lower()
        params = await self._read_params(request)
        canonical, handler = self._handlers.get(name, (request.match_info["method"], None))
        call = SentCall(canonical, params, time.monotonic())
        try:
            faults = self._faults.get(name)
            if faults:
                fault = faults[0]
                fault.count -= 1
                if fault.count <= 0:
                    faults.pop(0)
                raise ApiError(fault.status, fault.description, fault.retry_after)
            if handler is None:
                self.unhandled.append(call.method)
                raise ApiError(404, "Not Found: method not found")
            result = handler(params)
            if asyncio.iscoroutine(result):
                result = await result
            response = self._reply(200, {"ok": True, "result": result})
        except ApiError as exc:
            call.status, call.error = exc.status, exc.description
            body: JSON = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.retry_after is not None:
                body["parameters"] = {"retry_after": exc.retry_after}
            response = self._reply(exc.status, body)
        (self.polls if name == "getupdates" else self.sent).append(call)
        self._recorded.set()
        self._recorded = asyncio.Event()
        return response

    async def _handle_file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1]
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.files[file_id].data)

    # ----- validation helpers --------------------------------------------------------------
    def _target(self, params: JSON) -> FakeChat:
        """The chat a message goes to, checking the bot may write there."""
        if "chat_id" not in params:
            raise ApiError(400, "Bad Request: chat_id is empty")
        chat = self._chat(params["chat_id"])
        if chat.type == "private" and chat.id in self._blocked:
            raise ApiError(403, self._blocked[chat.id])
        status = self.member_status(chat, self.bot_user.id)
        kind = "group chat" if chat.type == "group" else "supergroup chat"
        if chat.type != "private" and status == "kicked":
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        if chat.type != "private" and status == "left":
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind}")
        return chat

    @staticmethod
    def _check_markup(markup: Any) -> JSON | None:
        if not isinstance(markup, dict):
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if len(button) < 2:
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text "
                        "buttons are unallowed in the inline keyboard",
                    )
        return markup

    def _text(
        self, params: JSON, key: str = "text", limit: int = MAX_TEXT
    ) -> tuple[str, list[JSON]]:
        raw = params.get(key)
        plain, entities = _render(str(raw or ""), params.get("parse_mode"))
        entities = [e for e in (self._mention(e) for e in entities) if e is not None]
        if key == "text" and not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(plain) > limit:
            raise ApiError(
                400,
                "Bad Request: message is too long"
                if key == "text"
                else "Bad Request: message caption is too long",
            )
        return plain, entities

    def _mention(self, entity: JSON) -> JSON | None:
        """A link to tg://user?id=N becomes a text mention of that user, as Telegram makes it;
        of a user the bot does not know, plain text."""
        url = str(entity.get("url") or "")
        if entity["type"] != "text_link" or not url.startswith("tg://user?id="):
            return entity
        try:
            user = self._user(int(url.removeprefix("tg://user?id=")))
        except (ApiError, ValueError):
            return None
        mention = {k: v for k, v in entity.items() if k != "url"}
        return {**mention, "type": "text_mention", "user": user.to_api()}

    def _send(
        self, params: JSON, body: JSON, file: UploadedFile | None = None, text_key: str = "text"
    ) -> JSON:
        chat = self._target(params)
        if text_key == "text":
            plain, entities = self._text(params)
        else:
            plain, entities = (
                self._text(params, "caption", MAX_CAPTION) if params.get("caption") else ("", [])
            )
        markup = self._check_markup(params.get("reply_markup"))
        thread = params.get("message_thread_id")
        if thread is not None:
            if not chat.is_forum or (chat.id, int(thread)) not in self.topics:
                raise ApiError(400, "Bad Request: message thread not found")
            body.update(message_thread_id=int(thread), is_topic_message=True)
        reply = params.get("reply_parameters") or {}
        if reply:
            replied = self._messages.get(chat.id, {}).get(int(reply.get("message_id", 0)))
            if replied is not None:
                body["reply_to_message"] = {
                    k: v for k, v in replied.payload.items() if k != "reply_to_message"
                }
                topic = replied.payload.get("message_thread_id")
                if thread is None and replied.payload.get("is_topic_message"):
                    # A reply goes where the message it answers is: its topic.
                    body.update(message_thread_id=topic, is_topic_message=True)
            elif not reply.get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        self._check_flood(chat)
        if plain:
            body[text_key] = plain
            if entities:
                body["entities" if text_key == "text" else "caption_entities"] = entities
        if markup and "inline_keyboard" in markup:  # reply keyboards are not echoed back
            body["reply_markup"] = markup
        if "link_preview_options" in params:
            body["link_preview_options"] = params["link_preview_options"]
        stored = self._store(
            chat,
            self.bot_user,
            body,
            text=params.get(text_key),
            plain=plain or None,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            file=file,
        )
        return stored.payload

    def _file(self, params: JSON, key: str) -> tuple[UploadedFile, JSON]:
        value = params.get(key)
        if isinstance(value, str) and value in self.files:
            upload = self.files[value]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            upload = UploadedFile(value.rsplit("/", 1)[-1], b"")  # not fetched
        elif isinstance(value, UploadedFile):
            if not value.data:
                raise ApiError(400, "Bad Request: file must be non-empty")
            upload = value
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        file_id = f"F{next(self._ids):06d}"
        self.files[file_id] = upload
        return upload, {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": upload.size,
        }

    # ----- methods (name after _m_ is the API method) --------------------------------------
    def _m_getMe(self, _: JSON) -> JSON:
        return {
            **self.bot_user.to_api(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_deleteWebhook(self, params: JSON) -> bool:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _m_getUpdates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = float(params.get("timeout") or 0)
        if params.get("allowed_updates") is not None:  # persists across calls, as in Telegram
            self._allowed_updates = set(params["allowed_updates"]) or None
        if offset < 0:
            del self._updates[:offset]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_polls()  # a newer poll terminates the older one, like Telegram's 409
        deadline = time.monotonic() + timeout
        while True:
            wake = self._wake
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure "
                    "that only one bot instance is running",
                )
            self._updates = [u for u in self._updates if self._deliverable(u)]
            remaining = deadline - time.monotonic()
            if self._updates or self._closing or remaining <= 0:
                return self._updates[:limit]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), remaining)

    def _deliverable(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _NOT_DEFAULT_UPDATES

    def _m_sendMessage(self, params: JSON) -> JSON:
        return self._send(params, {})

    def _m_sendDocument(self, params: JSON) -> JSON:
        upload, info = self._file(params, "document")
        info.update(file_name=upload.filename, mime_type=upload.content_type)
        return self._send(params, {"document": info}, upload, "caption")

    def _m_sendPhoto(self, params: JSON) -> JSON:
        upload, info = self._file(params, "photo")
        return self._send(params, {"photo": [{**info, "width": 1, "height": 1}]}, upload, "caption")

    def _edit_target(self, params: JSON) -> StoredMessage:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: message to edit not found")
        stored = self._find(
            self._chat(params.get("chat_id", 0)).id,
            params.get("message_id"),
            "message to edit not found",
        )
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    def _m_editMessageText(self, params: JSON) -> JSON:
        stored = self._edit_target(params)
        if "text" not in stored.payload:  # a document or photo: its caption is edited instead
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        plain, entities = self._text(params)
        # Omitting reply_markup removes the inline keyboard, as in Telegram.
        markup = self._check_markup(params.get("reply_markup"))
        if (plain, entities, markup) == (
            stored.payload.get("text"),
            stored.payload.get("entities", []),
            stored.reply_markup,
        ):
            raise ApiError(400, NOT_MODIFIED)
        stored.text, stored.plain, stored.parse_mode = (
            params["text"],
            plain,
            params.get("parse_mode"),
        )
        stored.payload.update(text=plain, entities=entities, edit_date=int(time.time()))
        return self._set_markup(stored, markup)

    def _m_editMessageReplyMarkup(self, params: JSON) -> JSON:
        stored = self._edit_target(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == stored.reply_markup:
            raise ApiError(400, NOT_MODIFIED)
        return self._set_markup(stored, markup)

    @staticmethod
    def _set_markup(stored: StoredMessage, markup: JSON | None) -> JSON:
        stored.edited, stored.reply_markup = True, markup
        stored.payload.pop("reply_markup", None)
        if markup and "inline_keyboard" in markup:
            stored.payload["reply_markup"] = markup
        stored.payload.setdefault("edit_date", int(time.time()))
        return stored.payload

    def _m_deleteMessage(self, params: JSON) -> bool:
        chat = self._chat(params.get("chat_id", 0))
        stored = self._find(chat.id, params.get("message_id"), "message to delete not found")
        can_moderate = self.member_status(chat, self.bot_user.id) in ("administrator", "creator")
        if not stored.from_bot and chat.type != "private" and not can_moderate:
            raise ApiError(400, "Bad Request: message can't be deleted")
        del self._messages[chat.id][stored.message_id]
        return True

    def _m_answerCallbackQuery(self, params: JSON) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callbacks:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._open_callbacks.discard(query_id)
        self.callback_answers[query_id] = params
        return True

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        return self._scope_key(params.get("scope")), str(params.get("language_code") or "")

    def _m_setMyCommands(self, params: JSON) -> bool:
        commands = params.get("commands") or []
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands")
        for command in commands:
            if not _BOT_COMMAND_NAME.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_getMyCommands(self, params: JSON) -> list[JSON]:
        return self._commands.get(self._commands_key(params), [])

    def _m_deleteMyCommands(self, params: JSON) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    def _m_getChat(self, params: JSON) -> JSON:
        # ChatFullInfo: PTB requires these three fields beyond the basic chat.
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **self._chat(params.get("chat_id", 0)).to_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    def _member(self, chat: FakeChat, user: FakeUser) -> JSON:
        status = self.member_status(chat, user)
        data: JSON = {"status": status, "user": user.to_api()}
        if status == "creator":
            data["is_anonymous"] = False
        elif status == "administrator":
            data.update(
                dict.fromkeys(
                    (
                        "can_be_edited",
                        "is_anonymous",
                        "can_promote_members",
                        "can_post_stories",
                        "can_edit_stories",
                        "can_delete_stories",
                    ),
                    False,
                )
            )
            data.update(
                dict.fromkeys(
                    (
                        "can_manage_chat",
                        "can_delete_messages",
                        "can_manage_video_chats",
                        "can_restrict_members",
                        "can_change_info",
                        "can_invite_users",
                        "can_pin_messages",
                    ),
                    True,
                )
            )
        elif status == "kicked":
            data["until_date"] = 0
        return data

    def _admin_chat(self, params: JSON, right: str) -> FakeChat:
        chat = self._chat(params.get("chat_id", 0))
        if chat.type == "private":
            raise ApiError(400, "Bad Request: method is available for group chats only")
        if self._member(chat, self.bot_user).get(right) is not True:
            raise ApiError(400, "Bad Request: not enough rights to manage chat members")
        return chat

    def _m_createChatInviteLink(self, params: JSON) -> JSON:
        chat = self._admin_chat(params, "can_invite_users")
        limit = params.get("member_limit")
        if limit is not None and not 1 <= int(limit) <= 99999:
            raise ApiError(400, "Bad Request: member limit must be between 1 and 99999")
        name = params.get("name")
        if name is not None and len(str(name)) > 32:
            raise ApiError(400, "Bad Request: invite link name is too long")
        link = InviteLink(
            chat.id,
            f"https://t.me/+{next(self._ids):04d}fake{abs(chat.id)}",
            str(name) if name is not None else None,
            int(params["expire_date"]) if params.get("expire_date") is not None else None,
            int(limit) if limit is not None else None,
            self.bot_user,
        )
        self.invite_links[link.invite_link] = link
        return link.to_api()

    def _m_banChatMember(self, params: JSON) -> bool:
        chat = self._admin_chat(params, "can_restrict_members")
        user = self._user(int(params.get("user_id", 0)))
        status = self.member_status(chat, user)
        if status == "creator":
            raise ApiError(400, "Bad Request: can't remove chat owner")
        if status == "administrator":
            raise ApiError(400, "Bad Request: user is an administrator of the chat")
        if status != "kicked":
            self._membership_changed(chat, user, "kicked")
        return True

    def _m_unbanChatMember(self, params: JSON) -> bool:
        """Telegram's rule: afterwards the user is not a member but may join again; with
        only_if_banned, a member who is not banned is left alone."""
        chat = self._admin_chat(params, "can_restrict_members")
        if chat.type != "supergroup":
            raise ApiError(
                400, "Bad Request: method is available for supergroup and channel chats only"
            )
        user = self._user(int(params.get("user_id", 0)))
        status = self.member_status(chat, user)
        if status in ("creator", "administrator"):
            raise ApiError(400, "Bad Request: user is an administrator of the chat")
        if status == "kicked" or (status == "member" and not params.get("only_if_banned")):
            self._membership_changed(chat, user, "left")
        return True

    def _m_getChatMember(self, params: JSON) -> JSON:
        return self._member(
            self._chat(params.get("chat_id", 0)), self._user(int(params.get("user_id", 0)))
        )

    def _m_getChatAdministrators(self, params: JSON) -> list[JSON]:
        chat = self._chat(params.get("chat_id", 0))
        if chat.type == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        members: Iterable[FakeUser] = [self.bot_user, *self.users.values()]
        return [
            self._member(chat, u)
            for u in members
            if self.member_status(chat, u) in ("creator", "administrator")
        ]

    def _m_sendChatAction(self, params: JSON) -> bool:
        self._target(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _m_getFile(self, params: JSON) -> JSON:
        file_id = str(params.get("file_id"))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": self.files[file_id].size,
            "file_path": f"documents/{file_id}",
        }
