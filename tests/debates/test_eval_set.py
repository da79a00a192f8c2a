"""The hand-labelled evaluation set (bench/eval/forum/) is consistent with its own data: every
sentence of every post is labelled, every label is a sentence the harness really cuts from that
post, asks are the opening post's words, and the set is as large and as varied as promised.

The summarizer's quality is not asserted here: `bench/summary_quality.py` reports it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime

import pytest

from bench.summary_quality import (
    DEBATES,
    EVAL_DIR,
    KINDS,
    SIDES,
    STANCES,
    Thread,
    evaluate,
    load_threads,
    own_sentences,
    quoted_sentences,
)

THREADS = load_threads()
OUTCOMES = ("passed", "rejected", "withdrawn")
RELABEL = "relabel with: .venv/bin/python -m bench.summary_quality --label "


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def test_the_set_is_as_large_and_varied_as_promised() -> None:
    assert len(THREADS) >= 14
    kinds = Counter(t.kind for t in THREADS)
    for kind in ("introductions", "announcement", "question"):
        assert kinds[kind] >= 1, f"no {kind} thread"
    assert {t.outcome for t in THREADS} >= set(OUTCOMES)
    sided = sum(label.stance in SIDES for t in THREADS for label in t.labels)
    assert sided >= 150
    assert sum(label.stance == "none" for t in THREADS for label in t.labels) >= sided // 2
    assert sum(len(t.asks) for t in THREADS) >= 20


@pytest.mark.parametrize("thread", THREADS, ids=lambda t: t.path.stem)
def test_a_thread_file_has_the_agreed_shape(thread: Thread) -> None:
    data = json.loads(thread.path.read_text(encoding="utf-8"))
    assert set(data) == {"title", "provenance", "kind", "proposer", "outcome", "posts", "labels"}
    assert set(data["labels"]) == {"asks", "sentences"}
    assert thread.provenance.strip(), "every thread says where it comes from"
    assert thread.kind in KINDS
    assert thread.outcome in (None, *OUTCOMES)
    assert 6 <= len(thread.posts) <= 25
    assert [p.number for p in thread.posts] == list(range(1, len(thread.posts) + 1))
    times = [datetime.fromisoformat(p.created_at.replace("Z", "+00:00")) for p in thread.posts]
    assert times == sorted(times)
    for post in thread.posts:
        assert post.username and post.like_count >= 0
        assert post.cooked.lstrip().startswith("<"), f"#{post.number} is not cooked HTML"
    assert {label.stance for label in thread.labels} <= set(STANCES)


@pytest.mark.parametrize("thread", THREADS, ids=lambda t: t.path.stem)
def test_every_sentence_is_labelled_once_and_every_label_is_a_sentence(thread: Thread) -> None:
    numbers = {p.number for p in thread.posts}
    assert {label.post for label in thread.labels} <= numbers
    for post in thread.posts:
        own = Counter(own_sentences(post.text))
        quoted = set(quoted_sentences(post.text))
        labels = [label for label in thread.labels if label.post == post.number]
        labelled = Counter(label.text for label in labels)
        unlabelled = own - labelled
        assert not unlabelled, (
            f"#{post.number} unlabelled {list(unlabelled)}; {RELABEL}{thread.path}"
        )
        for label in labels:
            # Quoted words are someone else's: labelled "none" if the converter ever took them
            # for the poster's own, and still right once it knows them for a quote.
            stale = label.text not in own and not (label.stance == "none" and label.text in quoted)
            assert not stale, f"#{post.number} {label.text!r} is no sentence of the post"
        twice = labelled - own
        assert not twice or all(text in quoted for text in twice), f"#{post.number} {twice}"


@pytest.mark.parametrize("thread", THREADS, ids=lambda t: t.path.stem)
def test_asks_are_written_in_the_opening_post(thread: Thread) -> None:
    opening = _normal(thread.posts[0].text)
    for ask in thread.asks:
        assert ask.strip() and _normal(ask) in opening, ask


@pytest.mark.parametrize("thread", THREADS, ids=lambda t: t.path.stem)
def test_sides_only_in_debates_and_never_the_proposer_against(thread: Thread) -> None:
    sided = [label for label in thread.labels if label.stance in SIDES]
    if thread.kind not in DEBATES:
        assert not sided, "introductions, announcements and questions take no sides"
        assert thread.proposer is None and not thread.asks
        return
    assert sided, "a debate with no side is no debate"
    if thread.kind == "proposal":
        assert thread.proposer == thread.posts[0].username
    authors = {p.number: p.username for p in thread.posts}
    against = [label for label in sided if label.stance == "against"]
    assert all(authors[label.post] != thread.proposer for label in against)


def test_the_benchmark_scores_every_thread() -> None:
    report = evaluate(EVAL_DIR)
    assert report.overall.threads == len(THREADS)
    assert report.overall.asks == sum(len(t.asks) for t in THREADS)
    assert report.overall.labelled_sides == sum(
        label.stance in SIDES for t in THREADS for label in t.labels
    )
