"""The labelled prompt set: the blocked-terms check keeps its precision and recall, and what it
gets wrong is only what a list of terms cannot know (paraphrases, safety messages)."""

from __future__ import annotations

from tests.generation.gatekeeper_eval import cases, evaluate, naive, scores


def test_the_set_is_labelled_both_ways_in_several_languages() -> None:
    labelled = cases()
    assert len(labelled) == 40
    assert 10 <= sum(case.blocked for case in labelled) <= 30
    assert len({case.lang for case in labelled}) >= 6


async def test_precision_and_recall_hold() -> None:
    outcomes = await evaluate()
    result = scores(outcomes)
    assert result["precision"] >= 0.85
    assert result["recall"] >= 0.85
    wrong = {o.case.note for o in outcomes if o.refused != o.case.blocked}
    assert all(note.startswith(("paraphrase", "safety message")) for note in wrong), wrong


async def test_it_beats_a_substring_test_on_the_same_set() -> None:
    ours = scores(await evaluate())
    baseline = scores([naive(case) for case in cases()])
    assert ours["recall"] > baseline["recall"]
    assert ours["precision"] > baseline["precision"]
