"""/ask in a Telegram forum supergroup, through python-telegram-bot and the protocol fake: each
topic is a place of its own, so a question in one topic never follows up one asked in another."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import App
from tests.fakes.telegram_server import FakeTelegram
from tests.knowledge.notes_source import Notes
from tests.knowledge.support import COMMITTEE
from tests.support.apps import make_settings, running_app
from tests.support.frontends import telegram_frontend


@pytest.fixture
async def forum(tmp_path: Path, db_url: str) -> AsyncIterator[tuple[App, FakeTelegram]]:
    telegram = FakeTelegram()
    community = {
        "slug": "forum-dao",
        "name": "Forum DAO",
        "telegram_chat_ids": [str(telegram.forum.id)],
    }
    settings = make_settings(tmp_path, db_url, communities=[community])
    await telegram.start()
    try:
        async with running_app(settings) as app, telegram_frontend(app, telegram):
            notes = Notes(app.db)
            await notes.create()
            app.records.register(notes)
            found = await app.communities.by_slug("forum-dao")
            assert found is not None
            await notes.add(found.id, COMMITTEE)
            yield app, telegram
    finally:
        await telegram.stop()
    assert telegram.unhandled == []


async def ask_in(telegram: FakeTelegram, topic: int, question: str) -> str:
    before = {m.message_id for m in telegram.messages(telegram.forum, from_bot=True)}
    telegram.send_text(telegram.forum, "alice", f"/ask {question}", topic=topic)
    await telegram.wait_for(
        "sendMessage",
        lambda call: int(call.params["chat_id"]) == telegram.forum.id,
        timeout=10,
    )
    [reply] = [
        m for m in telegram.messages(telegram.forum, from_bot=True) if m.message_id not in before
    ]
    assert reply.payload.get("message_thread_id") == topic, "answered in the asker's topic"
    return reply.plain or ""


async def test_a_question_in_another_topic_is_not_a_follow_up(
    forum: tuple[App, FakeTelegram],
) -> None:
    _, telegram = forum
    treasury = telegram.create_topic(telegram.forum, "alice", "Treasury")
    events = telegram.create_topic(telegram.forum, "alice", "Events")
    first = await ask_in(telegram, treasury, "who runs the treasury committee?")
    assert "maria and kai" in first
    elsewhere = await ask_in(telegram, events, "and when do they meet?")
    assert "Following up" not in elsewhere
    here = await ask_in(telegram, treasury, "and when do they meet?")
    assert "Following up on: “who runs the treasury committee?”" in here
    assert "Tuesday at 15:00 UTC" in here
