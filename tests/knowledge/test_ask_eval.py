"""The /ask evaluation set (bench/eval/ask/) is consistent with its own history, and that history
loads into a real Steward through the real paths: the fake Discourse and the forum sync, chat
events on the bus and ChatIngest. The quality figures are not asserted: bench/ask_quality.py
reports them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import select

from bench.ask_history import (
    ASK_DIR,
    HELDOUT,
    QUESTIONS,
    build_forum,
    doc_urls,
    every_url,
    expand,
    load_history,
)
from bench.ask_history import ask_settings as settings_for
from bench.ask_history import load as load_history_into
from bench.ask_quality import load_questions, score_mode
from cogs.debates.models import Post
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.support.apps import running_app

# The tuning set and the held-out set, written blind after it: both held to the same rules.
SETS = pytest.mark.parametrize("path", [QUESTIONS, HELDOUT], ids=["questions", "heldout"])


def questions(path: Path = QUESTIONS) -> list[dict[str, object]]:
    return list(json.loads(path.read_text())["questions"])


def urls(question: dict[str, object], field: str) -> list[str]:
    found = question[field]
    assert isinstance(found, list)
    return [str(url) for url in found]


@SETS
def test_the_set_holds_the_promised_questions(path: Path) -> None:
    kinds = Counter(kind for q in questions(path) for kind in q["kinds"])  # type: ignore[attr-defined]
    assert len(questions(path)) >= 40
    assert kinds["unanswerable"] >= 10
    assert kinds["changed"] >= 5 and kinds["steward-only"] >= 3
    assert len({q["question"] for q in questions(path)}) == len(questions(path))


def test_the_held_out_set_asks_nothing_the_tuning_set_asks() -> None:
    tuned = {str(q["question"]).casefold() for q in questions(QUESTIONS)}
    held_out = {str(q["question"]).casefold() for q in questions(HELDOUT)}
    assert not tuned & held_out
    assert "held-out" in json.loads(HELDOUT.read_text())["provenance"]


@SETS
def test_every_labelled_url_is_a_passage_of_the_history(path: Path) -> None:
    history = load_history()
    known = every_url(history, sorted(doc_urls()))
    private = history.private_urls()
    for question in questions(path):
        answers, superseded = urls(question, "answers"), urls(question, "superseded")
        assert set(answers + superseded) <= known, question["id"]
        kinds = question["kinds"]
        assert isinstance(kinds, list)
        if "unanswerable" in kinds:
            assert not answers and not superseded, question["id"]
        else:
            assert answers, question["id"]
        if "changed" in kinds:
            assert superseded and not set(answers) & set(superseded), question["id"]
        # A steward-only question is answered only in the stewards' channel; every other one
        # has a public answer, so no member needs a private message for it.
        if answers:
            assert (set(answers) <= private) == ("steward-only" in kinds), question["id"]


def test_the_history_is_marked_as_written() -> None:
    assert "none of it is real" in (ASK_DIR / "README.md").read_text()
    for path in [*ASK_DIR.glob("forum/*.json"), *ASK_DIR.glob("chat/*.json")]:
        assert "not a real" in json.loads(path.read_text())["provenance"], path.name


async def test_the_history_loads_through_the_real_paths(tmp_path: Path, db_url: str) -> None:
    history = load_history()
    fake = FakeDiscourse(build_forum(history), limits=RateLimits.off())
    await fake.start()
    try:
        settings = settings_for(tmp_path, db_url, fake.base_url, history)
        async with running_app(settings, extra=()) as app:
            said = await load_history_into(app, history)
            async with app.db.read() as session:
                stored = set((await session.exec(select(Post.url))).all())
    finally:
        await fake.stop()
    assert "40 new posts" in said["forum"]
    expected = {expand(url, fake.base_url) for url in every_url(history)}
    assert expected <= stored, sorted(expected - stored)[:5]


async def test_the_bench_asks_its_questions_through_ask(tmp_path: Path, db_url: str) -> None:
    """A few questions of each kind, as bench/ask_quality.py asks them, offline: every reply
    refuses or shows passages, every link shown is a stored passage, and a member never sees the
    stewards' channel. Recall and refusal rates are the bench's to report, not asserted here."""
    picked = {"answerable": 2, "unanswerable": 2, "steward-only": 2}
    chosen = []
    for question in load_questions():
        kind = question.kinds[0]
        if picked.get(kind, 0) > 0:
            picked[kind] -= 1
            chosen.append(question)
    score = await score_mode("offline", load_history(), chosen, db_url, tmp_path)
    assert len(score.recall) == 4 and len(score.refusals) == 2
    assert score.empty == 0, [m.what for m in score.misses]
    assert score.citations_valid == score.citations, [m.what for m in score.misses]
    assert score.violations == 0, [m.shown for m in score.misses]
