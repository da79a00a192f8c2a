"""The full-text index on both engines: found by its words, kept current by the database on
insert, update and delete, ranked, and safe with whatever a member types."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.storage.database import Database
from retrieval.fulltext import FullTextIndex, create_statements, drop_statements, match
from retrieval.query import parse

INDEX = FullTextIndex("note", "body")


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
        await connection.execute(
            text("INSERT INTO note (id, body) VALUES (1, 'The grants budget was raised to 80k')")
        )
        for statement in create_statements(INDEX, database.dialect):
            await connection.execute(text(statement))
    yield database
    await database.close()


async def search(db: Database, question: str) -> list[int]:
    async with db.read() as session:
        connection = await session.connection()
        found = await match(connection, INDEX, parse(question))
        if found is None:
            return []
        sql = (
            f"SELECT note.id, {found.rank} AS score FROM note {found.join} "
            f"WHERE {found.where} ORDER BY score DESC, note.id LIMIT 10"
        )
        rows = await connection.execute(text(sql), found.params)
        return [row[0] for row in rows]


async def write(db: Database, sql: str, **params: object) -> None:
    async with db.transaction() as session:
        await (await session.connection()).execute(text(sql), params)


async def test_rows_stored_before_the_index_are_found(db: Database) -> None:
    assert await search(db, "What did we decide about the grants budget?") == [1]


async def test_stems_match_other_forms_of_a_word(db: Database) -> None:
    # "raising" and "budgets" stem as "raised" and "budget" do.
    assert await search(db, "raising budgets") == [1]


async def test_insert_update_and_delete_keep_the_index_current(db: Database) -> None:
    await write(db, "INSERT INTO note (id, body) VALUES (2, 'Alice runs the treasury committee')")
    assert await search(db, "who runs the treasury committee") == [2]

    await write(db, "UPDATE note SET body = 'Bob chairs the security council' WHERE id = 2")
    assert await search(db, "treasury committee") == []
    assert await search(db, "security council") == [2]

    await write(db, "DELETE FROM note WHERE id = 2")
    assert await search(db, "security council") == []
    assert await search(db, "grants") == [1]


async def test_more_matching_words_rank_higher(db: Database) -> None:
    await write(db, "INSERT INTO note (id, body) VALUES (2, 'The marketing budget is 5k')")
    assert await search(db, "grants budget") == [1, 2]


@pytest.mark.parametrize(
    "question",
    [
        'AND OR NOT * ( ) " NEAR body:x',
        "¿Qué decidimos sobre el presupuesto? 🚀",
        "'; DROP TABLE note; --",
        "what is it?",  # only stop words: nothing to look for
        "",
    ],
)
async def test_anything_typed_is_data_not_syntax(db: Database, question: str) -> None:
    assert await search(db, question) == []
    assert await search(db, "grants") == [1]


async def test_drop_removes_the_index(db: Database) -> None:
    async with db.transaction() as session:
        connection = await session.connection()
        for statement in drop_statements(INDEX, db.dialect):
            await connection.execute(text(statement))
        # Writes still work without the index.
        await connection.execute(text("INSERT INTO note (id, body) VALUES (3, 'after')"))


async def test_common_words_alone_do_not_make_a_candidate_when_enough_rows_hold_more(
    db: Database,
) -> None:
    """On both engines: with "budget" in 4,000 rows and "treasury" in 4,000, a row holding only
    one of them (even eight times) is not ranked when enough rows hold a rare word or both."""
    rows = []
    for n in range(10, 8_010):
        words = ["budget" if n % 2 else "treasury", f"filler{n % 97}"]
        if n % 40 == 0:
            words.append("quorum")  # rare: 200 rows
        if n % 15 == 0:
            words += ["budget", "treasury"]
        if n % 50 == 1:
            words = ["budget"] * 8  # ranked first by the count of one common word alone
        rows.append({"id": n, "body": " ".join(words)})
    await write_many(db, rows)
    if db.dialect == "postgresql":
        # PostgreSQL learns which words are common from its statistics, which autovacuum's
        # ANALYZE keeps on a live table; a test cannot wait for it.
        async with db.transaction() as session:
            await (await session.connection()).execute(text("ANALYZE note"))
    found = await search(db, "treasury budget quorum")
    assert len(found) == 10
    async with db.read() as session:
        connection = await session.connection()
        for note_id in found:
            body = (
                await connection.execute(
                    text("SELECT body FROM note WHERE id = :i"), {"i": note_id}
                )
            ).scalar_one()
            assert "quorum" in body or ("budget" in body and "treasury" in body), body


async def write_many(db: Database, rows: list[dict[str, object]]) -> None:
    async with db.transaction() as session:
        await (await session.connection()).execute(
            text("INSERT INTO note (id, body) VALUES (:id, :body)"), rows
        )
