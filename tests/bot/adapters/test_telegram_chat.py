"""Telegram chat events through the real python-telegram-bot against the fake Bot API: forum
topics as channels with the chat as parent, photos and documents with captions, mentions,
message links, channels found by name, and commands and posts in a topic."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.telegram import TelegramFrontEnd
from bot.app import App
from bot.commands.options import ChannelRef
from bot.commands.reply import Reply
from bot.errors import UpstreamError
from bot.events import Attachment, ChatMessage, Mention
from tests.fakes.telegram_server import FakeTelegram
from tests.support.apps import make_settings, running_app
from tests.support.frontends import telegram_frontend

FORUM_LINK = "https://t.me/c/1000000002"  # the fake forum is a private supergroup


class Heard:
    """Every chat event the app publishes, as a feature would receive them."""

    def __init__(self, app: App) -> None:
        self.messages: list[ChatMessage] = []
        app.events.subscribe(self._hear)

    async def _hear(self, message: ChatMessage) -> None:
        self.messages.append(message)

    async def first(self, wanted: Callable[[ChatMessage], bool]) -> ChatMessage:
        for _ in range(250):
            found = next((m for m in self.messages if wanted(m)), None)
            if found is not None:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"no such chat event among {self.messages}")

    async def message(self, chat_id: int, message_id: int) -> ChatMessage:
        return await self.first(
            lambda m: m.space.id == str(chat_id) and m.message_id == str(message_id)
        )


@dataclass
class Chat:
    fake: FakeTelegram
    app: App
    bot: TelegramFrontEnd
    heard: Heard


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    fake = FakeTelegram()
    community = {
        "slug": "forum-dao",
        "name": "Forum DAO",
        "telegram_chat_ids": [str(fake.forum.id), str(fake.group.id)],
    }
    settings = make_settings(
        tmp_path, f"sqlite:///{tmp_path / 'steward.db'}", communities=[community]
    )
    await fake.start()
    try:
        async with running_app(settings) as app, telegram_frontend(app, fake) as bot:
            yield Chat(fake, app, bot, Heard(app))
    finally:
        await fake.stop()
    assert fake.unhandled == []


async def test_topic_messages_are_channels_of_their_own(chat: Chat) -> None:
    fake, forum = chat.fake, chat.fake.forum
    topic = fake.create_topic(forum, "alice", "Treasury diversification")
    said = fake.send_text(forum, "bob", "I support moving 20% into stablecoins.", topic=topic)
    heard = await chat.heard.message(forum.id, said.message_id)

    assert heard.channel == ChannelRef(
        "telegram", f"{forum.id}/{topic}", "Treasury diversification"
    )
    assert heard.parent == ChannelRef("telegram", str(forum.id), "DAO Forum")
    assert heard.channel_kind == "topic"
    assert heard.reply_to is None, "the topic's first message is not something answered"
    assert heard.url == f"{FORUM_LINK}/{said.message_id}?thread={topic}"
    assert (heard.author_id, heard.author_name) == (str(fake.bob.id), "Bob")

    answer = fake.send_text(forum, "carol", "Against.", topic=topic, reply_to=said.message_id)
    heard = await chat.heard.message(forum.id, answer.message_id)
    assert heard.reply_to == str(said.message_id)
    assert heard.channel.id == f"{forum.id}/{topic}"

    general = fake.send_text(forum, "alice", "In the General topic")
    heard = await chat.heard.message(forum.id, general.message_id)
    assert heard.channel == ChannelRef("telegram", str(forum.id), "DAO Forum")
    assert (heard.channel_kind, heard.parent) == ("channel", None)
    assert heard.url == f"{FORUM_LINK}/{general.message_id}"

    in_group = fake.send_text(fake.group, "alice", "A basic group has no message links")
    heard = await chat.heard.message(fake.group.id, in_group.message_id)
    assert heard.url == "" and heard.channel.display == "Test DAO"


async def test_a_topic_seen_only_through_its_messages_is_named(chat: Chat) -> None:
    fake, forum = chat.fake, chat.fake.forum
    unseen = fake.create_topic(forum, "carol", "Grants round 4", delivered=False)
    said = fake.send_text(forum, "alice", "Who reviews the grants?", topic=unseen)
    heard = await chat.heard.message(forum.id, said.message_id)
    assert heard.channel.display == "Grants round 4", "named from reply_to_message"

    fake.rename_topic(forum, "carol", unseen, "Grants round 4 (closed)")
    later = fake.send_text(forum, "bob", "Closing it.", topic=unseen)
    heard = await chat.heard.message(forum.id, later.message_id)
    assert heard.channel.display == "Grants round 4 (closed)", "renamed by forum_topic_edited"


async def test_photos_and_documents_are_attachments_and_captions_are_text(chat: Chat) -> None:
    fake = chat.fake
    public = fake.supergroup  # @testdao: links as t.me/testdao/<id>
    photo = fake.send_photo(public, "alice", caption="Q3 runway chart, @carol please check")
    heard = await chat.heard.message(public.id, photo.message_id)
    link = f"https://t.me/testdao/{photo.message_id}"
    assert heard.text == "Q3 runway chart, @carol please check"
    assert heard.attachments == (Attachment("photo.jpg", "image/jpeg", 48_000, link),)
    assert heard.url == link
    assert heard.mentions == (Mention("@carol", "carol", "user"),)

    document = fake.send_document(
        public, "bob", "budget-q3.pdf", mime_type="application/pdf", size=52_431
    )
    heard = await chat.heard.message(public.id, document.message_id)
    assert heard.text == "", "an attachment alone is not text"
    assert heard.attachments == (
        Attachment(
            "budget-q3.pdf",
            "application/pdf",
            52_431,
            f"https://t.me/testdao/{document.message_id}",
        ),
    )

    topic = fake.create_topic(fake.forum, "alice", "Audits")
    report = fake.send_document(
        fake.forum, "carol", "audit.pdf", caption="The audit report", topic=topic
    )
    heard = await chat.heard.message(fake.forum.id, report.message_id)
    assert (heard.text, heard.channel_kind) == ("The audit report", "topic")
    assert heard.attachments[0].url == f"{FORUM_LINK}/{report.message_id}?thread={topic}"
    assert all("bot" not in a.url for a in heard.attachments), "no token-bearing file URLs"

    in_group = fake.send_photo(fake.group, "bob")
    heard = await chat.heard.message(fake.group.id, in_group.message_id)
    assert heard.attachments == (Attachment("photo.jpg", "image/jpeg", 48_000, ""),)


async def test_mentions_by_username_and_by_name(chat: Chat) -> None:
    fake = chat.fake
    fake.add_user("dave", 1004)  # no public @username shown in the text: a text mention
    fake.set_member_status(fake.group, "dave", "member")
    said = fake.send_text(
        fake.group,
        "alice",
        "Thanks Dave for the draft; @carol and @alice, please review",
        text_mentions={"Dave": "dave"},
    )
    heard = await chat.heard.message(fake.group.id, said.message_id)
    assert heard.mentions == (
        Mention("1004", "Dave", "user"),
        Mention("@carol", "carol", "user"),
        Mention("@alice", "alice", "user"),
    )


async def test_channels_are_found_by_name(chat: Chat) -> None:
    fake = chat.fake
    group, forum = fake.group, fake.forum
    assert chat.app.frontends.channel_finder("telegram") is chat.bot
    for name in ("#test-dao", "Test DAO", "#TEST_DAO"):
        assert await chat.bot.find_channels(str(group.id), name) == [
            ChannelRef("telegram", str(group.id), "Test DAO")
        ]
    assert await chat.bot.find_channels(str(group.id), "#general") == []

    first = fake.create_topic(forum, "alice", "Budget")
    second = fake.create_topic(forum, "bob", "budget")
    said = fake.send_text(forum, "bob", "hello", topic=second)
    await chat.heard.message(forum.id, said.message_id)
    found = await chat.bot.find_channels(str(forum.id), "#budget")
    assert {c.id for c in found} == {f"{forum.id}/{first}", f"{forum.id}/{second}"}
    assert await chat.bot.find_channels(str(forum.id), "dao-forum") == [
        ChannelRef("telegram", str(forum.id), "DAO Forum")
    ]
    assert await chat.bot.find_channels("-999", "budget") == []


async def test_commands_and_posts_in_a_topic_stay_in_the_topic(chat: Chat) -> None:
    fake, forum = chat.fake, chat.fake.forum
    topic = fake.create_topic(forum, "alice", "Treasury diversification")
    fake.send_text(forum, "alice", "/echo hello topic", topic=topic)
    await fake.wait_for("sendMessage", timeout=10)
    echoed = fake.messages(forum, from_bot=True)[-1]
    assert "hello topic" in (echoed.plain or "")
    assert echoed.payload.get("message_thread_id") == topic, "the answer is in the topic"

    # The command's channel is the topic: nothing is stored from it yet, says /summarize (to
    # alice privately: Telegram has no ephemeral answers).
    fake.send_text(forum, "alice", "/summarize", topic=topic)
    answer = await fake.wait_for("sendMessage", timeout=10)
    assert "Treasury diversification" in str(answer.params["text"])

    await chat.bot.post(ChannelRef("telegram", f"{forum.id}/{topic}"), Reply(body="Digest"))
    posted = await fake.wait_for("sendMessage", timeout=10)
    assert int(posted.params["message_thread_id"]) == topic
    with pytest.raises(UpstreamError):
        await chat.bot.post(ChannelRef("telegram", f"{forum.id}/999"), Reply(body="Lost"))
    assert await chat.bot.space_of(ChannelRef("telegram", f"{forum.id}/{topic}")) == str(forum.id)
