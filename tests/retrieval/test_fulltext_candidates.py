"""SQLite ranks only candidates when a question's words are common (rows with a rare word, or
with two common ones): the answer must be the one ranking every match gives."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from retrieval import fulltext
from retrieval.fulltext import FullTextIndex, create_statements, match
from retrieval.query import parse

INDEX = FullTextIndex("note", "body")
FILLER = [f"filler{n}" for n in range(300)]


@pytest.fixture
def notes(tmp_path: Path) -> sqlite3.Connection:
    """8,000 notes: "budget" and "treasury" common (in about 3,300 rows each), "grants" in 1,200,
    "quorum" in 40 and "hackathon" in 5; lengths 5 to 40 words."""
    connection = sqlite3.connect(tmp_path / "notes.db")
    connection.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
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
        rows.append((n, " ".join(words)))
    connection.executemany("INSERT INTO note VALUES (?, ?)", rows)
    for statement in create_statements(INDEX, "sqlite"):
        connection.execute(statement)
    connection.commit()
    return connection


def ranked(connection: sqlite3.Connection, question: str, prune: bool) -> list[int]:
    found = match(INDEX, "sqlite", parse(question))
    assert found is not None
    where = found.where if prune else "note_fts MATCH :fts_query"
    sql = (
        f"SELECT note.id, {found.rank} AS score FROM note {found.join} WHERE {where}"
        " ORDER BY score DESC, note.id LIMIT 20"
    )
    return [row[0] for row in connection.execute(sql, found.params)]


@pytest.mark.parametrize(
    "question",
    [
        "what did we decide about the treasury budget?",  # two common words: pairs
        "the grants budget and the treasury",  # three common words
        "what is the quorum for the budget?",  # a rare word and a common one
        "who won the hackathon on treasury day?",  # few candidates: every match is ranked
        "treasury",  # one common word alone
        "quorum hackathon",  # rare words only
    ],
)
def test_candidates_give_the_answer_ranking_every_match_gives(
    notes: sqlite3.Connection, question: str
) -> None:
    every = ranked(notes, question, prune=False)
    assert len(every) == 20 or "hackathon" in question or "quorum" in question
    assert ranked(notes, question, prune=True) == every


def test_the_probe_tells_common_words_from_rare_ones(notes: sqlite3.Connection) -> None:
    assert fulltext.COMMON_ROWS < 3_300  # "budget" and "treasury" are common here
    found = match(INDEX, "sqlite", parse("treasury budget quorum"))
    assert found is not None
    candidates = found.where.split(" IN ", 1)[1][1:-1]  # the candidates' subquery
    query_text = notes.execute(
        "SELECT " + candidates.split("MATCH ", 1)[1], found.params
    ).fetchone()[0]
    assert query_text == '"quorum" OR ("treasury" AND "budget")'
