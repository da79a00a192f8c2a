"""Live chat events are written in batches: in order, edits and deletes right whatever their
order in a batch, and nothing lost when the ingest closes; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from bot.commands.caller import Space
from bot.commands.community import CORE_SETTINGS, CommunityContext, CommunityService
from bot.commands.options import ChannelRef
from bot.events import ChatMessage
from bot.frontend import FrontEnds
from bot.http import HttpClient
from bot.settings import LLMSettings
from bot.storage.database import Database
from cogs.debates.chat_ingest import ChatIngest
from cogs.debates.config import DebatesConfig
from cogs.debates.models import Post, Thread
from cogs.debates.service import DebateService
from tests.support.apps import feature_migrations, make_settings, running_app
from tests.support.clock import ManualClock

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GROUP = Space("telegram", "-1001", "Test DAO")
CHAT = ChannelRef("telegram", "-1001", "Test DAO")
OTHER = ChannelRef("telegram", "-1001", "")  # the same chat, as a delete event names it


@dataclass
class Env:
    db: Database
    communities: CommunityService
    debates: DebateService
    community: CommunityContext

    def ingest(self, **options: Any) -> ChatIngest:
        return ChatIngest(self.db, self.communities, FrontEnds(), self.debates, **options)

    async def posts(self) -> list[Post]:
        async with self.db.read() as session:
            query = select(Post).order_by(col(Post.id))
            return list((await session.exec(query)).all())

    @contextmanager
    def commits(self) -> Iterator[list[int]]:
        """Counts the transactions committed meanwhile (a real engine event, not a mock)."""
        seen: list[int] = []

        def count(_connection: object) -> None:
            seen.append(1)

        event.listen(self.db.engine.sync_engine, "commit", count)
        try:
            yield seen
        finally:
            event.remove(self.db.engine.sync_engine, "commit", count)


@pytest.fixture
async def env(db_url: str) -> AsyncIterator[Env]:
    db = Database(db_url)
    await db.migrate(feature_migrations())
    communities = CommunityService(db, [], CORE_SETTINGS)
    await communities.sync_configured("local")
    community = await communities.resolve("telegram", GROUP.id, GROUP.name)
    try:
        async with HttpClient() as http:
            debates = DebateService(db, DebatesConfig(), LLMSettings(), http, ManualClock(T0))
            yield Env(db, communities, debates, community)
    finally:
        await db.close()


def said(
    number: int,
    text: str | None = None,
    *,
    author: str = "alice",
    edited: int | None = None,
    channel: ChannelRef = CHAT,
) -> ChatMessage:
    """Message `number`, sent `number` seconds after T0; `edited` seconds after T0 if edited."""
    return ChatMessage(
        platform="telegram",
        space=GROUP,
        channel=channel,
        message_id=str(number),
        author_id=author,
        author_name=author.title(),
        text=text if text is not None else f"message {number}",
        created_at=T0 + timedelta(seconds=number),
        edited_at=T0 + timedelta(seconds=edited) if edited is not None else None,
    )


def deleted(number: int) -> ChatMessage:
    """A delete event as Discord sends it: the id and where, no author or text."""
    return ChatMessage(
        platform="telegram", space=GROUP, channel=OTHER, message_id=str(number), deleted=True
    )


async def test_a_burst_is_stored_in_arrival_order_in_a_few_transactions(env: Env) -> None:
    ingest = env.ingest(flush_seconds=0.05, flush_messages=200)
    authors = ["alice", "bob", "carol", "dave"]
    with env.commits() as commits:
        # Events arrive concurrently, one task each, as the adapters deliver them.
        await asyncio.gather(
            *(ingest.handle(said(n, author=authors[n % 4])) for n in range(1, 1001))
        )
        await ingest.close()

    posts = await env.posts()
    assert [p.external_id for p in posts] == [str(n) for n in range(1, 1001)]
    assert len(commits) <= 10, f"{len(commits)} transactions for 1,000 messages"
    assert len({p.author_id for p in posts}) == 4
    async with env.db.read() as session:
        threads = (await session.exec(select(Thread))).all()
    assert [t.title for t in threads] == ["Test DAO"]


async def test_edits_and_deletes_apply_whatever_their_place_in_the_batch(env: Env) -> None:
    ingest = env.ingest(flush_seconds=60)  # nothing is written until flush()
    for message in [
        said(1),
        said(1, "message 1, edited", edited=100),  # edit after its message
        said(2, "message 2, edited", edited=100),  # edit before its message
        said(2),
        deleted(3),  # delete before its message
        said(3),
        said(4),
        deleted(4),  # delete after its message
        said(5, "message 5, edited twice", edited=200),  # two edits, the newer first
        said(5, "message 5, edited once", edited=100),
        said(5),
        deleted(6),  # a delete whose message is not stored (yet)
    ]:
        await ingest.submit(message, env.community)
    assert ingest.pending == 12
    await ingest.flush()

    posts = {p.external_id: p for p in await env.posts()}
    assert posts["1"].text == "message 1, edited" and not posts["1"].deleted
    assert posts["2"].text == "message 2, edited"
    assert posts["3"].deleted and posts["4"].deleted
    assert posts["5"].text == "message 5, edited twice"
    assert "6" not in posts
    assert [p.external_id for p in await env.posts()] == ["1", "2", "3", "4", "5"]

    # Later batches: a stale edit is ignored, a newer one applied, a delete of a stored
    # message marks it, and the message whose delete came first arrives deleted.
    for message in [
        said(1, "message 1, an older edit", edited=50),
        said(2, "message 2, edited again", edited=300),
        deleted(1),
        said(6),
    ]:
        await ingest.submit(message, env.community)
    await ingest.close()

    posts = {p.external_id: p for p in await env.posts()}
    assert posts["1"].text == "message 1, edited" and posts["1"].deleted
    assert posts["2"].text == "message 2, edited again" and not posts["2"].deleted
    assert posts["6"].deleted
    assert len(posts) == 6, "edits and deletes never add rows"


async def test_closing_stores_what_is_waiting_and_what_comes_after(env: Env) -> None:
    ingest = env.ingest(flush_seconds=60, flush_messages=10_000)
    for n in range(1, 301):
        await ingest.submit(said(n), env.community)
    assert await env.posts() == [], "still waiting for the flush interval"

    await ingest.close()
    assert len(await env.posts()) == 300

    await ingest.handle(said(301))  # after close: stored at once, on its own
    assert len(await env.posts()) == 301


async def test_closing_in_the_middle_of_a_write_loses_nothing(env: Env) -> None:
    ingest = env.ingest(flush_seconds=0.002, flush_messages=50)
    halfway = asyncio.Event()
    sent = 0

    async def chat() -> None:
        nonlocal sent
        for n in range(1, 801):
            await ingest.handle(said(n, author=f"user{n % 7}"))
            sent = n
            if n == 400:
                halfway.set()
            if n % 40 == 0:
                await asyncio.sleep(0.001)  # events keep coming while batches are written

    sender = asyncio.create_task(chat())
    await halfway.wait()
    assert sent < 800
    await ingest.close()  # batches written, more waiting, and more still to come
    await sender

    posts = await env.posts()
    assert sorted(int(p.external_id) for p in posts) == list(range(1, 801)), "each once"


async def test_a_backfill_next_to_live_events_stores_each_message_once(env: Env) -> None:
    ingest = env.ingest(flush_seconds=0.005, flush_messages=20)
    live = [ingest.submit(said(n), env.community) for n in range(1, 401)]
    backfill = ingest.store([said(n) for n in range(201, 601)], env.community)
    await asyncio.gather(*live, backfill)
    await ingest.close()

    posts = await env.posts()
    assert sorted(int(p.external_id) for p in posts) == list(range(1, 601))


async def test_stopping_the_bot_stores_the_messages_still_waiting(
    tmp_path: Path, db_url: str
) -> None:
    """Through the app's own lifespan: messages still in the batch when the bot stops are
    written before the database closes."""
    community = {"slug": "test-dao", "name": "Test DAO", "telegram_chat_ids": [GROUP.id]}
    settings = make_settings(tmp_path, db_url, communities=[community])
    async with running_app(settings) as app:
        for n in range(1, 301):
            await app.events.publish(said(n))
    db = Database(db_url)
    try:
        async with db.read() as session:
            texts = (await session.exec(select(Post.text).order_by(col(Post.id)))).all()
    finally:
        await db.close()
    assert list(texts) == [f"message {n}" for n in range(1, 301)]
