"""Ranking: fusion, the recency and decision boost, and relevance as a share of the question."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from retrieval.query import parse
from retrieval.ranking import (
    Candidate,
    RankingPolicy,
    Relevance,
    best_sentences,
    boost,
    fuse,
    rank,
    relevance,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_fusion_rewards_agreement_between_rankings() -> None:
    fused = fuse([["a", "b", "c"], ["b", "d"]])
    assert max(fused, key=fused.__getitem__) == "b"
    assert fused["a"] > fused["c"] > 0
    assert set(fused) == {"a", "b", "c", "d"}


def test_fusion_counts_a_repeated_key_once_per_ranking() -> None:
    assert fuse([["a", "a", "b"]])["a"] == fuse([["a", "b"]])["a"]


def test_recent_decisions_are_boosted_and_old_chatter_is_not() -> None:
    policy = RankingPolicy()
    today = boost(NOW, NOW, decision=False, policy=policy)
    old = boost(NOW - timedelta(days=3650), NOW, decision=False, policy=policy)
    half = boost(NOW - timedelta(days=policy.half_life_days), NOW, False, policy)
    decision = boost(NOW, NOW, decision=True, policy=policy)
    assert old < half < today < decision
    assert abs(today - 1.5) < 1e-9 and abs(half - 1.25) < 1e-9 and old < 1.001
    assert boost(None, NOW, False, policy) == half


def test_relevance_is_the_share_of_question_words_rare_ones_weighing_more() -> None:
    query = parse("What is the grants budget for the llama program?")
    candidates = [
        "The grants budget is 2M for this year.",
        "Grants are reviewed monthly.",
        "Our budget overview.",
        "The llama program grants budget was set at 50k.",
    ]
    scorer = Relevance(query, candidates)
    full = scorer.of(candidates[3])
    partial = scorer.of(candidates[0])
    assert full == 1.0
    assert 0 < partial < 0.6  # "llama" and "program", rare, weigh more than the common words
    assert scorer.of("Nothing about it here.") == 0.0
    # The title counts too, and words compare as stems.
    assert scorer.of("Set at 50k.", title="Llama programs: grant budgets") == 1.0


def test_relevance_of_a_question_about_nothing_in_the_record_is_low() -> None:
    query = parse("Who runs the underwater basket weaving guild?")
    text = "The treasury guild runs the weekly call."
    assert relevance(query, text, candidates=[text, "The guild meets on Fridays."]) < 0.4
    assert relevance(parse("the of and"), text) == 0.0


def test_follow_up_context_words_weigh_less_than_the_question_own() -> None:
    query = parse("who runs it?", context="the treasury committee")
    scorer = Relevance(query, ["x"])
    assert scorer.weights["run"] > scorer.weights["treasuri"] > 0
    # Context words only help: a passage holding the question's own words is not pulled
    # down by a previous question about something else.
    assert scorer.of("He runs the weekly call.") == 1.0
    assert scorer.of("The treasury committee meets on Friday.") < 1.0


def test_rank_puts_a_recent_decision_above_old_chatter_that_matches_as_well() -> None:
    query = parse("grants budget")
    chatter = Candidate(
        "debates:post:1",
        "I think the grants budget is too big.",
        created_at=NOW - timedelta(days=900),
    )
    decision = Candidate(
        "proposals:draft:7",
        "Decided: the grants budget is 1.5M.",
        created_at=NOW - timedelta(days=20),
        decision=True,
    )
    # Chatter ranks first in its source; the decision is first in its own.
    ranked = rank(query, [[chatter], [decision]], NOW)
    assert [r.candidate.key for r in ranked] == ["proposals:draft:7", "debates:post:1"]
    assert all(r.relevance == 1.0 for r in ranked)


def test_rank_does_not_lift_a_recent_decision_that_does_not_match() -> None:
    query = parse("grants budget committee")
    matching = Candidate(
        "a:1", "The grants budget committee meets monthly.", created_at=NOW - timedelta(days=1000)
    )
    other = Candidate("b:1", "Decided: the logo is blue.", created_at=NOW, decision=True)
    ranked = rank(query, [[matching], [other]], NOW)
    assert ranked[0].candidate.key == "a:1"
    assert ranked[1].relevance == 0.0


def test_rank_merges_the_same_passage_from_two_rankings() -> None:
    query = parse("treasury")
    one = Candidate("a:1", "treasury")
    ranked = rank(query, [[one, Candidate("a:2", "treasury too")], [one]], NOW)
    assert [r.candidate.key for r in ranked] == ["a:1", "a:2"]
    assert ranked[0].fused > ranked[1].fused


def test_best_sentences_keep_the_text_order_of_the_weightiest() -> None:
    weights = {"grant": 1.0, "budget": 2.0}
    text = "Hello all. The budget is set. Unrelated line. Grants and budget were approved! Bye."
    picked = best_sentences(text, weights, limit=2)
    assert [s for _, s, _ in picked] == ["The budget is set.", "Grants and budget were approved!"]
    assert best_sentences("Nothing here.", weights) == []


def test_a_passage_without_the_question_number_or_name_is_about_something_else() -> None:
    query = parse("What is the grants budget for Season 3?")
    pool = ["The grants budget for Season 2 was 50k", "Season 3 grants budget: 80k"]
    other, same = (relevance(query, text, candidates=pool) for text in pool)
    assert same > 2 * other
