"""Only candidates are ranked when a question's words are common (rows with a rare word, or with
two common ones): on SQLite the answer must be the one ranking every match gives, and the work
stays bounded when a word is common."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.storage.database import Database
from retrieval import fulltext
from retrieval.fulltext import FullTextIndex, candidates, create_statements, match, term_rows
from retrieval.query import parse

INDEX = FullTextIndex("note", "body")
FILLER = [f"filler{n}" for n in range(300)]


@pytest.fixture
async def notes(db_url: str) -> AsyncIterator[Database]:
    """8,000 notes: "budget" and "treasury" common (in about 3,300 rows each), "grants" in 1,200,
    "quorum" in 40 and "hackathon" in 5; lengths 5 to 40 words."""
    db = Database(db_url)
    rng = random.Random(7)
    rows = []
    for n in range(1, 8_001):
        words = rng.choices(FILLER, k=rng.randint(5, 40))
        for word, share in (("budget", 0.42), ("treasury", 0.41), ("grants", 0.15)):
            if rng.random() < share:
                words.insert(rng.randrange(len(words)), word)
        if n % 200 == 0:
            words.append("quorum")
        if n % 1_600 == 0:
            words.append("hackathon")
        rows.append({"id": n, "body": " ".join(words)})
    async with db.transaction() as session:
        connection = await session.connection()
        await connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
        await connection.execute(text("INSERT INTO note (id, body) VALUES (:id, :body)"), rows)
        for statement in create_statements(INDEX, db.dialect):
            await connection.execute(text(statement))
    if db.dialect == "postgresql":
        async with db.transaction() as session:
            await (await session.connection()).execute(text("ANALYZE note"))
    yield db
    await db.close()


async def ranked(db: Database, question: str, prune: bool = True) -> list[int]:
    async with db.read() as session:
        connection = await session.connection()
        found = await match(connection, INDEX, parse(question))
        assert found is not None
        where = found.where if prune else "note_fts MATCH :fts_query"
        sql = (
            f"SELECT note.id, {found.rank} AS score FROM note {found.join} WHERE {where}"
            " ORDER BY score DESC, note.id LIMIT 20"
        )
        return [row[0] for row in await connection.execute(text(sql), found.params)]


async def holding(db: Database, word: str) -> list[int]:
    async with db.read() as session:
        rows = await (await session.connection()).execute(
            text("SELECT id, body FROM note ORDER BY id DESC")
        )
        return [row[0] for row in rows if word in row[1].split()]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "question",
    [
        "what did we decide about the treasury budget?",  # two common words: pairs
        "what is the quorum for the budget?",  # a rare word and a common one
        "quorum hackathon",  # rare words only
    ],
)
async def test_candidates_give_the_answer_ranking_every_match_gives(
    notes: Database, question: str
) -> None:
    every = await ranked(notes, question, prune=False)
    assert len(every) == 20 or "hackathon" in question
    assert await ranked(notes, question) == every


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_beyond_the_cap_the_newest_candidates_are_ranked(notes: Database) -> None:
    # "grants" (1,200 rows) or both "budget" and "treasury" (about 1,400): more candidates than
    # MAX_CANDIDATES, so the newest are ranked; among them, the order ranking every match gives.
    grants = set(await holding(notes, "grants"))
    both = set(await holding(notes, "budget")) & set(await holding(notes, "treasury"))
    every_candidate = sorted(grants | both, reverse=True)
    assert len(every_candidate) > fulltext.MAX_CANDIDATES
    newest = set(every_candidate[: fulltext.MAX_CANDIDATES])
    found = await ranked(notes, "the grants budget and the treasury")
    every = await ranked(notes, "the grants budget and the treasury", prune=False)
    assert len(found) == 20 and set(found) <= newest
    assert [n for n in every if n in newest] == found[: len([n for n in every if n in newest])]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_too_few_candidates_add_the_newest_rows_of_the_rarest_common_word(
    notes: Database,
) -> None:
    # "hackathon" is in 5 rows: the rest of the answer comes from the newest rows holding
    # "treasury", not from ranking all 3,300 of them.
    found = await ranked(notes, "who won the hackathon on treasury day?")
    hackathon = await holding(notes, "hackathon")
    assert set(found[:5]) == set(hackathon)
    newest = set((await holding(notes, "treasury"))[: fulltext.FALLBACK_ROWS])
    assert len(found) == 20 and set(found[5:]) <= newest
    # A common word alone: the best of its newest rows.
    alone = await ranked(notes, "treasury")
    assert len(alone) == 20 and set(alone) <= newest


async def test_term_rows_tell_common_words_from_rare_ones(notes: Database) -> None:
    assert fulltext.COMMON_ROWS < 3_300  # "budget" and "treasury" are common here
    async with notes.read() as session:
        rows = await term_rows(
            await session.connection(), INDEX, ["treasury", "budget", "quorum", "absent"]
        )
    assert rows["treasury"] > fulltext.COMMON_ROWS and rows["budget"] > fulltext.COMMON_ROWS
    assert 0 < rows["quorum"] <= fulltext.COMMON_ROWS
    if notes.dialect == "sqlite":
        assert rows["quorum"] == 40 and rows["absent"] == 0  # counted
    else:
        assert rows["absent"] == 1  # not among the common words: rare
    chosen = candidates(["treasury", "budget", "quorum"], rows)
    assert chosen.rare == ("quorum",) and set(chosen.common) == {"treasury", "budget"}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_postgres_without_statistics_ranks_every_match(db_url: str) -> None:
    """Before ANALYZE has run, PostgreSQL knows no word is common: every match is ranked."""
    db = Database(db_url)
    try:
        async with db.transaction() as session:
            connection = await session.connection()
            await connection.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
            await connection.execute(
                text("INSERT INTO note (id, body) VALUES (:id, :body)"),
                [{"id": n, "body": f"treasury budget {n}"} for n in range(1, 5_001)],
            )
            for statement in create_statements(INDEX, db.dialect):
                await connection.execute(text(statement))
        async with db.read() as session:
            connection = await session.connection()
            assert await term_rows(connection, INDEX, ["treasury"]) == {"treasury": 1}
            found = await match(connection, INDEX, parse("treasury budget"))
            assert found is not None and "fts_candidates" not in found.params
    finally:
        await db.close()


def test_candidates_pair_the_common_words_rarest_first() -> None:
    rows = {"vote": 9_000, "budget": 5_000, "treasury": 7_000, "quorum": 10, "nowhere": 0}
    chosen = candidates(["vote", "budget", "treasury", "quorum", "nowhere"], rows)
    assert chosen.rare == ("quorum",)
    assert chosen.common == ("budget", "treasury", "vote")
    assert chosen.pairs == (("budget", "treasury"), ("budget", "vote"), ("treasury", "vote"))
    assert chosen.tsquery() == "quorum | (budget & treasury) | (budget & vote) | (treasury & vote)"
    assert candidates(["quorum"], rows).everything


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_postgres_reads_the_newest_rows_of_a_common_word(notes: Database) -> None:
    # "treasury" is in about 3,300 of 8,000 rows; the fallback wants 1,000 of them: by the
    # statistics' estimate, those above id 8,000 - 8,000 × 1,000 / 3,300. Rows below are
    # never read.
    found = await ranked(notes, "who won the hackathon on treasury day?")
    hackathon = await holding(notes, "hackathon")
    rest = [n for n in found if n not in hackathon]
    assert len(found) == 20 and min(rest) > 8_000 - 3 * fulltext.FALLBACK_ROWS
    # Older rows hold the word too (and would score as well): only the newest were read.
    assert (
        sum(n <= 8_000 - 3 * fulltext.FALLBACK_ROWS for n in await holding(notes, "treasury")) > 100
    )
