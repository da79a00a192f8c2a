"""The bulk upserts of the debates store keep their rules when another writer got there first,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.models import Author, Post
from tests.support.apps import feature_migrations

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def post(text: str, seconds: int, *, deleted: bool = False, likes: int = 0) -> store.IncomingPost:
    return store.IncomingPost(
        external_id="1",
        author_id="7",
        author_name="alice",
        created_at=T0,
        updated_at=T0 + timedelta(seconds=seconds),
        text=text,
        likes=likes,
        deleted=deleted,
    )


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.migrate(feature_migrations())
    await CommunityService(database, [], CORE_SETTINGS).sync_configured("local")
    try:
        yield database
    finally:
        await database.close()


async def upsert(db: Database, item: store.IncomingPost, *, fresh: bool) -> store.UpsertResult:
    async with db.transaction() as session:
        source = await store.ensure_source(session, 1, "discourse", "https://f.example", "f")
        thread = await store.ensure_thread(session, source.id or 0, "22", "A topic")
        return await store.upsert_posts(
            session,
            source.id or 0,
            {thread.id or 0: [item]},
            fresh={thread.id or 0} if fresh else (),
        )


async def stored(db: Database) -> Post:
    async with db.read() as session:
        return (await session.exec(select(Post))).one()


async def test_what_was_read_is_compared_and_counted(db: Database) -> None:
    assert (await upsert(db, post("first", 10), fresh=True)).new == 1
    assert (await upsert(db, post("first", 10), fresh=False)).new == 0
    edited = await upsert(db, post("second", 20, likes=3), fresh=False)
    assert (edited.new, edited.updated) == (0, 1)
    stale = await upsert(db, post("an older text", 15), fresh=False)
    assert stale.updated == 0
    row = await stored(db)
    assert (row.text, row.likes) == ("second", 0), "likes follow the latest read"
    assert (await upsert(db, post("second", 20, deleted=True), fresh=False)).deleted == 1
    assert (await stored(db)).deleted


async def test_a_row_another_writer_added_first_is_merged_by_the_same_rules(
    db: Database,
) -> None:
    await upsert(db, post("newest", 100), fresh=True)
    # Writers that read before that row existed: their insert meets it in the conflict clause.
    await upsert(db, post("older", 50), fresh=True)
    assert (await stored(db)).text == "newest", "an older text never wins"
    await upsert(db, post("newest", 100, deleted=True), fresh=True)
    await upsert(db, post("revived?", 200), fresh=True)
    row = await stored(db)
    assert row.deleted, "a deleted post stays deleted"
    assert row.text == "revived?", "its text still follows the newest version"
    async with db.read() as session:
        assert len((await session.exec(select(Post))).all()) == 1
        assert len((await session.exec(select(Author))).all()) == 1


async def test_authors_follow_renames_and_deletes_report_what_they_marked(db: Database) -> None:
    await upsert(db, post("hello", 1), fresh=True)
    renamed = store.IncomingPost(
        external_id="2", author_id="7", author_name="Alice B.", created_at=T0, updated_at=T0,
        text="hi",
    )  # fmt: skip
    async with db.transaction() as session:
        source = await store.ensure_source(session, 1, "discourse", "https://f.example", "f")
        thread = await store.ensure_thread(session, source.id or 0, "22", "")
        await store.upsert_posts(session, source.id or 0, {thread.id or 0: [renamed]})
        marked = await store.mark_deleted(session, thread.id or 0, ["1", "2", "3"])
        again = await store.mark_deleted(session, thread.id or 0, ["1"])
    assert (marked, again) == ({"1", "2"}, set())
    async with db.read() as session:
        author = (await session.exec(select(Author))).one()
    assert author.name == "Alice B."
