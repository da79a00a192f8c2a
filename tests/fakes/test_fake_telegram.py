"""The fake Bot API driven by a real python-telegram-bot Application; nothing in PTB is patched."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.telegram_server import FakeTelegram, FloodLimits, UploadedFile

Ctx = ContextTypes.DEFAULT_TYPE


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without this opt-in PTB warns (PTBDeprecationWarning) inside RetryAfter.__init__ on every 429.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram(token="123:ABC", bot_username="steward_bot")
    await server.start()
    yield server
    await server.stop()


App = Application[Any, Any, Any, Any, Any, Any]


def build(
    fake: FakeTelegram, rate_limiter: AIORateLimiter | None = None, token: str | None = None
) -> App:
    builder: Any = (
        ApplicationBuilder()
        .token(token or fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
    )
    if rate_limiter is not None:  # the builder's generics cannot express this branch
        builder = builder.rate_limiter(rate_limiter)
    app: App = builder.build()
    return app


@asynccontextmanager
async def polling(fake: FakeTelegram, *handlers: BaseHandler[Any, Any, Any]) -> AsyncIterator[App]:
    """Runs an Application with long polling (10 s poll timeout, as in production) and checks
    that teardown is fast even with a long poll outstanding."""
    app = build(fake)
    for handler in handlers:
        app.add_handler(handler)
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=10))
    try:
        yield app
    finally:
        started = time.monotonic()
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        await fake.stop()
        assert time.monotonic() - started < 0.5


def reply_with(
    text: Callable[[Message, User, list[str]], str],
) -> Callable[[Update, Ctx], Coroutine[Any, Any, None]]:
    """A handler callback replying with ``text(message, user, args)``."""

    async def callback(update: Update, context: Ctx) -> None:
        message, user = update.effective_message, update.effective_user
        assert message is not None
        assert user is not None
        await message.reply_text(text(message, user, context.args or []))

    return callback


@pytest.mark.asyncio
async def test_command_reply_in_private_chat(fake: FakeTelegram) -> None:
    handler = CommandHandler("start", reply_with(lambda m, u, args: f"hello {u.first_name}"))
    async with polling(fake, handler):
        queued = fake.send_text(fake.alice.id, fake.alice, "/start")
        call = await fake.wait_for("sendMessage")
    assert call.params["chat_id"] == fake.alice.id
    assert call.params["text"] == "hello Alice"
    assert queued.message_id == 1
    assert "reply_parameters" not in call.params  # PTB 22 no longer quotes by default
    assert [c.method for c in fake.sent[:2]] == ["getMe", "deleteWebhook"]
    # The last getUpdates (timeout=0) confirmed the processed update.
    assert any(p.params["timeout"] == 0 for p in fake.polls)
    assert fake.pending_updates == 0
    texts = [(m.from_bot, m.text) for m in fake.messages(fake.alice.id)]
    assert texts == [(False, "/start"), (True, "hello Alice")]


@pytest.mark.asyncio
async def test_command_addressed_to_bot_in_group(fake: FakeTelegram) -> None:
    handler = CommandHandler("vote", reply_with(lambda m, u, args: "votes: " + ",".join(args)))
    async with polling(fake, handler):
        fake.send_text(fake.group.id, fake.bob, "/vote@other_bot no")  # PTB must ignore it
        fake.send_text(fake.group.id, "carol", "/vote@steward_bot yes please")
        call = await fake.wait_for("sendMessage")
        assert call.params == {**call.params, "chat_id": fake.group.id, "text": "votes: yes,please"}
        user_message = fake.messages(fake.group)[1]
        assert user_message.payload["entities"] == [
            {"type": "bot_command", "offset": 0, "length": len("/vote@steward_bot")}
        ]
    assert [c.method for c in fake.sent].count("sendMessage") == 1


@pytest.mark.asyncio
async def test_edited_message_update(fake: FakeTelegram) -> None:
    handler = MessageHandler(
        filters.UpdateType.EDITED_MESSAGE, reply_with(lambda m, u, args: f"edited to {m.text}")
    )
    async with polling(fake, handler):
        queued = fake.send_text(fake.group, fake.bob, "typo")
        assert queued.message_id is not None
        fake.edit_text(fake.group, queued.message_id, fake.bob, "fixed")
        call = await fake.wait_for("sendMessage")
    assert call.params["text"] == "edited to fixed"


@pytest.mark.asyncio
async def test_set_my_commands_per_scope(fake: FakeTelegram) -> None:
    app = build(fake)
    await app.initialize()
    try:
        await app.bot.set_my_commands([BotCommand("help", "Show help")])
        await app.bot.set_my_commands(
            [BotCommand("vote", "Vote")], scope=BotCommandScopeAllGroupChats(), language_code="en"
        )
        assert fake.my_commands() == [{"command": "help", "description": "Show help"}]
        assert fake.my_commands("all_group_chats", "en") == [
            {"command": "vote", "description": "Vote"}
        ]
        assert fake.my_commands(BotCommandScopeAllGroupChats()) == []
        got = await app.bot.get_my_commands(
            scope=BotCommandScopeAllGroupChats(), language_code="en"
        )
        assert [c.command for c in got] == ["vote"]
        await app.bot.delete_my_commands()
        assert fake.my_commands() == []
        with pytest.raises(BadRequest, match=r"Bot_command_invalid"):
            await app.bot.set_my_commands([BotCommand("Bad-Name", "x")])
    finally:
        await app.shutdown()


@pytest.mark.asyncio
async def test_inline_keyboard_and_button_press(fake: FakeTelegram) -> None:
    async def ask(update: Update, context: Ctx) -> None:
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Yes", callback_data="vote:yes"),
                    InlineKeyboardButton("No", callback_data="vote:no"),
                ]
            ]
        )
        await update.effective_message.reply_text(  # type: ignore[union-attr]
            "<b>Proposal 7</b>: fund it?", parse_mode=ParseMode.HTML, reply_markup=keyboard
        )

    async def answer(update: Update, context: Ctx) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer(f"recorded {query.data}")
        await query.edit_message_text(f"{query.from_user.first_name} voted {query.data}")

    async with polling(fake, CommandHandler("ask", ask), CallbackQueryHandler(answer)):
        fake.send_text(fake.supergroup, fake.alice, "/ask")
        sent = await fake.wait_for("sendMessage")
        bot_message = fake.messages(fake.supergroup, from_bot=True)[0]
        assert bot_message.text == sent.params["text"]
        assert bot_message.plain == "Proposal 7: fund it?"
        assert bot_message.payload["entities"] == [{"type": "bold", "offset": 0, "length": 10}]
        pressed = fake.press_button(fake.supergroup, bot_message.message_id, fake.bob, "vote:no")
        answered = await fake.wait_for("answerCallbackQuery")
        edited = await fake.wait_for("editMessageText")
    assert answered.params == {"callback_query_id": pressed.callback_id, "text": "recorded vote:no"}
    assert edited.params["message_id"] == bot_message.message_id
    after = fake.messages(fake.supergroup, from_bot=True)[0]
    assert (after.text, after.reply_markup, after.edited) == ("Bob voted vote:no", None, True)


@pytest.mark.asyncio
async def test_send_document_upload_and_download(fake: FakeTelegram) -> None:
    app = build(fake)
    await app.initialize()
    try:
        message = await app.bot.send_document(
            fake.group.id, b"minutes of the meeting", filename="minutes.txt", caption="Minutes"
        )
        call = await fake.wait_for("sendDocument")
        upload = call.params["document"]
        assert isinstance(upload, UploadedFile)
        assert (upload.filename, upload.size, call.params["caption"]) == (
            "minutes.txt",
            22,
            "Minutes",
        )
        assert message.document is not None
        assert message.caption == "Minutes"
        file = await app.bot.get_file(message.document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"minutes of the meeting"
        await app.bot.delete_message(fake.group.id, message.message_id)
        assert fake.messages(fake.group) == []
    finally:
        await app.shutdown()


@pytest.mark.asyncio
async def test_validation_errors_match_telegram(fake: FakeTelegram) -> None:
    app = build(fake)
    await app.initialize()
    bot, group = app.bot, fake.group.id
    try:
        with pytest.raises(BadRequest, match=r"^Message is too long$"):
            await bot.send_message(group, "x" * 4097)
        await bot.send_message(group, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"^Message text is empty$"):
            await bot.send_message(group, "  ")
        with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "br"'):
            await bot.send_message(group, "a<br>b", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
            await bot.send_message(group, "<b>open", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)unclosed start tag"):
            await bot.send_message(group, "1 < 2", parse_mode="HTML")
        ok = await bot.send_message(
            group, "1 &lt; 2 &amp; <a href='https://x.org'>x</a>", parse_mode="HTML"
        )
        assert ok.text == "1 < 2 & x"
        assert ok.entities[0].url == "https://x.org"
        await bot.send_message(group, "*Done*\\.", parse_mode=ParseMode.MARKDOWN_V2)
        assert fake.messages(group)[-1].parse_mode == "MarkdownV2"  # recorded, not validated
        long_data = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="d" * 65)]])
        with pytest.raises(BadRequest, match=r"Button_data_invalid"):
            await bot.send_message(group, "pick", reply_markup=long_data)
        fake.mark_blocked(fake.carol)
        with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
            await bot.send_message(fake.carol.id, "hi")
        sent = await bot.send_message(fake.bob.id, "hi")
        with pytest.raises(BadRequest, match=r"^Message is not modified"):
            await bot.edit_message_text("hi", fake.bob.id, sent.message_id)
        with pytest.raises(EndPointNotFound):
            await bot.do_api_request("frobnicate")
        assert fake.unhandled == ["frobnicate"]
    finally:
        await app.shutdown()
    with pytest.raises(InvalidToken):
        await build(fake, token="123:WRONG").initialize()


@pytest.mark.asyncio
async def test_injected_429_raises_retry_after(fake: FakeTelegram) -> None:
    app = build(fake)
    await app.initialize()
    try:
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
        with pytest.raises(RetryAfter) as caught:
            await app.bot.send_message(fake.group.id, "hello")
        assert caught.value.retry_after == dtm.timedelta(seconds=7)
        await app.bot.send_message(fake.group.id, "hello")  # the fault was used up
    finally:
        await app.shutdown()


@pytest.mark.asyncio
async def test_rate_limiter_retries_injected_429(fake: FakeTelegram) -> None:
    app = build(fake, rate_limiter=AIORateLimiter(max_retries=1))
    await app.initialize()
    try:
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
        message = await app.bot.send_message(fake.group.id, "hello")
        assert message.text == "hello"
        first = await fake.wait_for("sendMessage", include_errors=True)
        second = await fake.wait_for("sendMessage")
        assert (first.status, second.status) == (429, 200)
        assert second.at - first.at >= 1.0
    finally:
        await app.shutdown()


@pytest.mark.asyncio
async def test_flood_control_per_group(fake: FakeTelegram) -> None:
    fake.flood = FloodLimits(group_per_minute=3)
    app = build(fake)
    await app.initialize()
    try:
        for n in range(3):
            await app.bot.send_message(fake.group.id, f"msg {n}")
        with pytest.raises(RetryAfter):
            await app.bot.send_message(fake.group.id, "one too many")
        assert (fake.sent[-1].status, fake.sent[-1].params["text"]) == (429, "one too many")
        await app.bot.send_message(fake.alice.id, "DMs are not limited per minute")
    finally:
        await app.shutdown()


@pytest.mark.asyncio
async def test_chat_members_and_chat_info(fake: FakeTelegram) -> None:
    fake.set_member_status(fake.group, fake.bob, "administrator")
    fake.set_member_status(fake.group, fake.carol, "left")
    app = build(fake)
    await app.initialize()
    try:
        statuses = [
            (await app.bot.get_chat_member(fake.group.id, u.id)).status
            for u in (fake.alice, fake.bob, fake.carol)
        ]
        assert statuses == ["creator", "administrator", "left"]
        admins = await app.bot.get_chat_administrators(fake.group.id)
        assert {a.user.username for a in admins} == {"steward_bot", "alice", "bob"}
        chat = await app.bot.get_chat(fake.group.id)
        assert (chat.title, chat.type) == ("Test DAO", "group")
        await app.bot.send_chat_action(fake.group.id, "typing")
        with pytest.raises(ValueError, match=r"carol is not in chat"):
            fake.send_text(fake.group, fake.carol, "I left")
    finally:
        await app.shutdown()


@pytest.mark.asyncio
async def test_teardown_is_fast_during_long_poll(fake: FakeTelegram) -> None:
    # polling() asserts a teardown under 0.5 s although a 10 s long poll is outstanding.
    async with polling(fake):
        await fake.wait_for("deleteWebhook")
        await asyncio.sleep(0.1)  # let the first long poll reach the server
    # The orphaned long poll was ended by the final timeout=0 poll, as Telegram would (409).
    assert [(p.params["timeout"], p.status) for p in fake.polls] == [(0, 200), (10, 409)]


@pytest.mark.asyncio
async def test_raw_protocol_details(fake: FakeTelegram) -> None:
    """What PTB does not exercise: JSON bodies, method case, limit, offsets, allowed_updates."""
    url = f"{fake.base_url}{fake.token}"
    async with aiohttp.ClientSession() as http:

        async def call(method: str, **params: Any) -> Any:
            async with http.post(f"{url}/{method}", json=params) as response:
                body = await response.json()
                assert body["ok"] == (response.status == 200), body
                return body["result"] if body["ok"] else body

        first = fake.send_text(fake.alice.id, fake.alice, "42")
        fake.send_text(fake.alice.id, fake.alice, "@bob_the_builder /help and /vote@steward_bot")
        batch = await call("GETUPDATES", limit=1)
        assert [u["update_id"] for u in batch] == [first.update_id]
        batch = await call("getUpdates", offset=first.update_id + 1, timeout=0)
        entities = batch[0]["message"]["entities"]
        assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
            ("mention", 0, 16),
            ("bot_command", 17, 5),
            ("bot_command", 27, 17),
        ]
        # allowed_updates persists, and other kinds are dropped rather than delivered later.
        assert await call("getUpdates", offset=-1, allowed_updates=["callback_query"]) == []
        assert fake.pending_updates == 0
        sent = await call(
            "sendMessage",
            chat_id=str(fake.bob.id),
            text="42",
            reply_markup=json.dumps({"keyboard": [[{"text": "ok"}]]}),
        )
        assert sent["text"] == "42"
        assert "reply_markup" not in sent  # reply keyboards are not echoed, only inline ones
        async with http.get(f"{url}/getMe") as response:
            assert (await response.json())["result"]["username"] == "steward_bot"
        async with http.post(f"{fake.base_url}999:NOPE/getMe") as response:
            assert (response.status, (await response.json())["description"]) == (
                401,
                "Unauthorized",
            )
        assert (await call("sendDice", chat_id=1))["error_code"] == 404
    assert fake.unhandled == ["sendDice"]


@pytest.mark.asyncio
async def test_forum_topics_media_and_entities_as_ptb_reads_them(fake: FakeTelegram) -> None:
    seen: list[Message] = []

    async def keep(update: Update, context: Ctx) -> None:
        assert update.effective_message is not None
        seen.append(update.effective_message)

    async with polling(fake, MessageHandler(filters.ALL, keep)) as app:
        forum = fake.forum
        topic = fake.create_topic(forum, "alice", "Grants")
        said = fake.send_text(
            forum, "bob", "Thanks Carol", topic=topic, text_mentions={"Carol": "carol"}
        )
        photo = fake.send_photo(forum, "carol", caption="chart for @alice", topic=topic)
        document = fake.send_document(fake.supergroup, "alice", "minutes.pdf", size=300)
        for _ in range(200):
            if len(seen) == 4:
                break
            await asyncio.sleep(0.01)
        created, text, picture, file = seen
        assert created.forum_topic_created is not None
        assert created.forum_topic_created.name == "Grants"
        assert created.message_id == created.message_thread_id == topic
        assert created.chat.is_forum
        assert text.is_topic_message and text.message_thread_id == topic
        assert text.reply_to_message is not None
        assert text.reply_to_message.message_id == topic, "topic messages answer its first"
        assert text.reply_to_message.reply_to_message is None
        assert text.link == f"https://t.me/c/1000000002/{said.message_id}?thread={topic}"
        mention = text.parse_entities(["text_mention"])
        assert [(e.user.id if e.user else None, s) for e, s in mention.items()] == [
            (fake.carol.id, "Carol")
        ]
        assert [p.file_size for p in picture.photo] == [1200, 6000, 48000]
        assert picture.caption == "chart for @alice"
        assert list(picture.parse_caption_entities(["mention"]).values()) == ["@alice"]
        assert picture.message_id == photo.message_id
        assert file.document is not None
        assert (file.document.file_name, file.document.file_size) == ("minutes.pdf", 300)
        assert file.link == f"https://t.me/testdao/{document.message_id}"
        downloaded = await (await file.document.get_file()).download_as_bytearray()
        assert len(downloaded) == 300

        sent = await app.bot.send_message(forum.id, "in the topic", message_thread_id=topic)
        assert sent.is_topic_message and sent.message_thread_id == topic
        replied = await text.reply_text("a reply stays in its topic")
        assert replied.message_thread_id == topic
        with pytest.raises(BadRequest, match="Message thread not found"):
            await app.bot.send_message(forum.id, "lost", message_thread_id=999)
