"""The debates record source: forum posts and chat messages found by /ask's full-text search,
kept current through edits and deletes, filtered by channel visibility and community; through
the real ingestion paths (discord.py and python-telegram-bot against the fakes, forum sync
against the fake Discourse), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, func, select

from bot.records import Passage, RecordSource, SearchRequest
from bot.storage.database import Database
from bot.storage.models import Community
from cogs.debates import store
from cogs.debates.forum_sync import EDIT_RECHECK
from cogs.debates.models import Post, Source, Thread
from cogs.debates.records import DebateRecords
from retrieval.query import parse
from tests.debates.test_chat_ingestion import wait_stored
from tests.debates.test_forum_sync import Setup, forum_setup
from tests.fakes.discourse_forum import generate_forum
from tests.support.world import World


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    for _ in range(250):
        if await check():
            return True
        await asyncio.sleep(0.02)
    return await check()


def debates_source(world: World) -> RecordSource:
    source = world.app.records.source_of("debates:post:1")
    assert source is not None, "the debates lifespan registers its record source"
    return source


async def search(
    source: RecordSource,
    question: str,
    *,
    community_id: int = 1,
    hidden: frozenset[str] = frozenset(),
    limit: int = 20,
) -> list[Passage]:
    request = SearchRequest(community_id, parse(question), limit, hidden)
    return list(await source.search(request))


def texts(passages: Sequence[Passage]) -> list[str]:
    return [p.text for p in passages]


# Discord ---------------------------------------------------------------------------------------


async def test_discord_messages_are_found_edited_and_deleted(world: World) -> None:
    fake = world.discord
    general = fake.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    bob = fake.user("bob")
    motion = await fake.post_user_message(
        general, "alice", f"We decided the grants budget is 50k per quarter, <@{bob.id}> runs it."
    )
    await fake.post_user_message(general, "bob", "Lunch anyone?")
    await fake.post_user_message(
        general, "carol", "", attachments=[{"filename": "grants.pdf", "size": 10}]
    )
    await wait_stored(world.app, "discord", 3)
    source = debates_source(world)

    found = await search(source, "What did we decide about the grants budget?")
    assert texts(found) == ["We decided the grants budget is 50k per quarter, @bob runs it."]
    passage = found[0]
    guild = fake.guild.id
    assert passage.url == f"https://discord.com/channels/{guild}/{general.id}/{motion['id']}"
    assert (passage.kind, passage.title, passage.author) == ("chat", "#general", "alice")
    assert passage.channel == f"discord:{general.id}" and passage.score > 0
    assert passage.created_at is not None and passage.created_at.tzinfo is not None
    assert passage.key.startswith("debates:post:")

    await fake.edit_user_message(motion["id"], "Correction: the grants budget is 80k per year.")

    async def edited() -> bool:
        return texts(await search(source, "grants budget per year")) == [
            "Correction: the grants budget is 80k per year."
        ]

    assert await eventually(edited), "found by its new words"
    assert await search(source, "quarter") == [], "and no longer by its old ones"
    assert [p.key for p in await source.fetch(1, [passage.key], frozenset())] == [passage.key]

    await fake.delete_user_message(motion["id"])

    async def deleted() -> bool:
        return await search(source, "grants budget") == []

    assert await eventually(deleted), "a deleted message disappears from search"
    assert await source.fetch(1, [passage.key], frozenset()) == [], "and from fetch"
    listed = await source.listing(1, None, 100)
    assert texts(listed.passages) == ["Lunch anyone?"], "deleted and file-only messages left out"


async def test_hidden_channels_and_their_threads_are_never_returned(world: World) -> None:
    fake = world.discord
    general, alerts = fake.channel("#general"), fake.channel("#alerts")
    for channel in (general, alerts):
        await world.on_discord("ingest channel", {"channel": channel.id}, user="carol")
    thread = await fake.create_thread(alerts, "payroll", user="bob")
    await fake.post_user_message(general, "alice", "Treasury payroll runs on Fridays.")
    await fake.post_user_message(alerts, "bob", "Private: treasury payroll key rotation.")
    await fake.post_user_message(thread, "bob", "Private thread: treasury payroll signers.")
    await wait_stored(world.app, "discord", 3)
    source = debates_source(world)

    everything = await search(source, "treasury payroll")
    assert len(everything) == 3
    titles = {p.text: p.title for p in everything}
    assert titles["Private thread: treasury payroll signers."] == "#alerts › #payroll"
    assert {p.channel for p in everything} == {
        f"discord:{general.id}",
        f"discord:{alerts.id}",
        f"discord:{thread.id}",
    }

    hidden = frozenset({f"discord:{alerts.id}"})
    visible = await search(source, "treasury payroll", hidden=hidden, limit=1)
    assert texts(visible) == ["Treasury payroll runs on Fridays."], "limits count visible ones"
    keys = [p.key for p in everything]
    assert texts(await source.fetch(1, keys, hidden)) == ["Treasury payroll runs on Fridays."]
    only_thread = frozenset({f"discord:{thread.id}"})
    assert "Private thread: treasury payroll signers." not in texts(
        await search(source, "treasury payroll", hidden=only_thread)
    )
    assert await search(source, "treasury payroll", community_id=2) == []
    assert await source.fetch(2, keys, frozenset()) == [], "keys of another community"


# Telegram --------------------------------------------------------------------------------------


async def test_telegram_topics_are_found_with_their_links_and_hidden_with_their_group(
    world: World,
) -> None:
    fake = world.telegram
    forum = fake.forum
    budget = fake.create_topic(forum, "alice", "Budget 2027")
    motion = fake.send_text(
        forum, "alice", "I propose a 5% cut to the events budget.", topic=budget
    )
    fake.send_text(forum, "bob", "¿Qué decidimos sobre el presupuesto de eventos?", topic=budget)
    posts = await wait_stored(world.app, "telegram", 2)
    source = debates_source(world)
    async with world.app.db.read() as session:
        thread = await session.get(Thread, posts[0].thread_id)
        chat = await session.get(Source, thread.source_id if thread else 0)
    assert chat is not None
    dao = chat.community_id  # the forum supergroup's own community

    found = await search(source, "events budget cut", community_id=dao)
    assert texts(found)[0] == "I propose a 5% cut to the events budget."
    passage = found[0]
    assert passage.title == "DAO Forum › Budget 2027"
    # A private supergroup's message link, as Telegram (and PTB's Message.link) give it.
    assert passage.url == f"https://t.me/c/1000000002/{motion.message_id}?thread={budget}"
    assert passage.channel == f"telegram:{forum.id}/{budget}"
    assert texts(await search(source, "¿qué decidimos?", community_id=dao)) == [
        "¿Qué decidimos sobre el presupuesto de eventos?"
    ]

    fake.edit_text(forum, motion.message_id, "alice", "I propose a 10% cut to the travel costs.")

    async def edited() -> bool:
        return texts(await search(source, "travel costs", community_id=dao)) == [
            "I propose a 10% cut to the travel costs."
        ]

    assert await eventually(edited)
    assert "I propose a 5% cut to the events budget." not in texts(
        await search(source, "cut", community_id=dao)
    )
    assert (
        await search(
            source, "travel costs", community_id=dao, hidden=frozenset({f"telegram:{forum.id}"})
        )
        == []
    )


# Forum -----------------------------------------------------------------------------------------


@pytest.fixture
async def forum(db_url: str) -> AsyncIterator[Setup]:
    async with forum_setup(db_url, generate_forum(seed=0, debate_posts=150)) as ready:
        await ready.sync()
        yield ready


async def live_post_ids(db: Database) -> list[int]:
    async with db.read() as session:
        query = select(Post.id).where(store.is_text_post()).order_by(col(Post.id))
        return [int(i or 0) for i in (await session.exec(query)).all()]


async def test_forum_posts_are_found_and_follow_edits_and_deletes(forum: Setup) -> None:
    source = DebateRecords(forum.db)
    debate = forum.forum.topics[forum.forum.debate_topic_id or 0]

    found = await search(source, "diversified stablecoin basket", limit=5)
    assert len(found) == 5 and all(p.kind == "forum" and p.channel == "" for p in found)
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    opening = found[0]
    assert opening.title == debate.title
    assert opening.url.startswith(f"{forum.fake.base_url}/t/{debate.slug}/{debate.id}/")
    assert opening.author and opening.created_at is not None

    target = [p for p in debate.posts if p.visible][-5]
    forum.forum.edit_post(target.id, "Zanzibar quokkas should audit the multisig signers.")
    doomed = [p for p in debate.posts if p.visible][-2]
    forum.forum.delete_post(doomed.id, by="staff")
    forum.advance(timedelta(minutes=5))
    forum.advance(EDIT_RECHECK)
    await forum.sync()

    edited = await search(source, "zanzibar quokkas")
    assert [p.url.rsplit("/", 1)[-1] for p in edited] == [str(target.post_number)]
    async with forum.db.read() as session:
        doomed_row = (
            await session.exec(select(Post).where(Post.external_id == str(doomed.id)))
        ).one()
    assert doomed_row.deleted
    doomed_key = f"debates:post:{doomed_row.id}"
    assert doomed_key not in {p.key for p in await search(source, doomed.raw[:200], limit=50)}
    fetched = await source.fetch(1, [doomed_key, edited[0].key], frozenset())
    assert [p.key for p in fetched] == [edited[0].key], "the deleted post is not fetched"


async def test_listing_pages_through_every_live_post(forum: Setup) -> None:
    source = DebateRecords(forum.db)
    keys: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = await source.listing(1, after, 97)
        keys += [p.key for p in page.passages]
        pages += 1
        if page.after is None:
            break
        assert page.after != after, "every page moves on"
        after = page.after
    expected = [f"debates:post:{i}" for i in await live_post_ids(forum.db)]
    assert keys == expected and len(keys) > 200
    assert pages == len(expected) // 97 + 1
    assert (await source.listing(2, None, 10)).passages == [], "another community has none"


async def test_another_communitys_posts_are_never_returned(forum: Setup) -> None:
    async with forum.db.transaction() as session:
        other = Community(slug="other", name="Other DAO")
        session.add(other)
        await session.flush()
        source_row = await store.ensure_source(session, other.id or 0, "telegram", "-5", "x")
        thread = await store.ensure_thread(session, source_row.id or 0, "-5", "Other chat")
        now = datetime.now(UTC)
        incoming = store.IncomingPost("1", "9", "zed", now, now, "Stablecoin basket elsewhere.")
        await store.upsert_posts(session, source_row.id or 0, {thread.id or 0: [incoming]})
        other_id = other.id or 0
    source = DebateRecords(forum.db)
    mine = await search(source, "stablecoin basket elsewhere", limit=50)
    assert mine and "Stablecoin basket elsewhere." not in texts(mine)
    theirs = await search(source, "stablecoin basket elsewhere", community_id=other_id)
    assert texts(theirs) == ["Stablecoin basket elsewhere."]
    assert theirs[0].title == "Other chat" and theirs[0].url == ""


QUESTIONS = [
    "¿qué decidimos?",
    "AND OR NOT *",
    '"quoted" stablecoin',
    "stablecoin 🚀🚀 basket?!",
    "NEAR(stablecoin basket) col:umn ^start",
    "'; DROP TABLE post; --",
    "日本語の質問はありますか",
    "Überweisung des Schatzamts",
    "stable-coin & (basket | treasury) !runway",
    "foo_bar __init__ x:y",
    "a",
    "",
    "   ",
    "stablecoin " * 200,
    "\x00\u200b\ufeff",
]


async def test_odd_questions_never_raise(forum: Setup) -> None:
    source = DebateRecords(forum.db)
    for question in QUESTIONS:
        found = await search(source, question, limit=3)
        assert len(found) <= 3
        if "stablecoin" in question:
            assert found, f"the words it does hold still match: {question!r}"
    async with forum.db.read() as session:
        count = (await session.exec(select(func.count(col(Post.id))))).one()
    assert count > 200, "nothing was dropped"
