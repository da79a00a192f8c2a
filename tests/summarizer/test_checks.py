"""The checks every summary gets: the proposer is not against, the asks are in the TL;DR."""

from __future__ import annotations

import pytest

from summarizer.asks import extract_asks
from summarizer.checks import (
    asks_in_tldr,
    check,
    names_an_amount,
    proposer_not_against,
    same_person,
)
from summarizer.schema import Citation, DebateSummary, Position, PostInput

POSTS = {
    "P1": PostInput(id="P1", author="alice", text="We request 45M ARB for the Grants Council."),
    "P2": PostInput(id="P2", author="bob", text="Too big; I oppose it."),
    "P3": PostInput(id="P3", author="alice", text="To be clear, I oppose doing nothing."),
}


def position(stance: str, holders: list[str], cited: list[str]) -> Position:
    return Position(
        stance=stance,  # type: ignore[arg-type]
        summary="…",
        holders=holders,
        citations=[Citation(post_id=p, quote=POSTS[p].text[:8]) for p in cited],
    )


def summary(tldr: str, *positions: Position) -> DebateSummary:
    return DebateSummary(
        tldr=tldr,
        positions=list(positions),
        arguments=[],
        open_questions=[],
        agreements=[],
        next_steps=[],
    )


def test_the_proposer_leaves_the_against_side_and_a_side_only_theirs_goes() -> None:
    checked = proposer_not_against(
        summary(
            "",
            position("against", ["Alice"], ["P3"]),
            position("against", ["bob", "@alice"], ["P2", "P3"]),
            position("for", ["alice"], ["P1"]),
        ),
        "alice",
        POSTS,
    )
    assert [(p.stance, p.holders, [c.post_id for c in p.citations]) for p in checked.positions] == [
        ("against", ["bob"], ["P2"]),
        ("for", ["alice"], ["P1"]),
    ]


def test_a_side_left_with_only_the_proposers_posts_goes() -> None:
    checked = proposer_not_against(
        summary("", position("against", ["bob", "alice"], ["P3"])), "alice", POSTS
    )
    assert checked.positions == []


def test_names_match_as_a_model_writes_them() -> None:
    assert same_person("@Alice", "alice") and same_person("tokenomics_tara", "Tokenomics Tara")
    assert not same_person("alice", "alicia") and not same_person("", "")


@pytest.mark.parametrize(
    "tldr",
    [
        "The Council asks for 45M ARB.",
        "A 45 million ARB request.",
        "It wants 45,000,000 ARB.",
    ],
)
def test_asks_already_named_leave_the_tldr_alone(tldr: str) -> None:
    assert asks_in_tldr(summary(tldr), POSTS["P1"].text).tldr == tldr


def test_missing_asks_are_appended() -> None:
    checked = asks_in_tldr(summary("Most are for it"), POSTS["P1"].text)
    assert checked.tldr == "Most are for it. It asks for 45M ARB to Grants Council."
    assert asks_in_tldr(summary("Fine."), "No numbers here.").tldr == "Fine."


def test_amounts_compare_by_value_and_unit() -> None:
    asks = extract_asks("We ask for $200,000 and 2.5 ETH.")
    assert names_an_amount("a $200k grant", asks)
    assert names_an_amount("2.5 ETH only", asks)
    assert not names_an_amount("$2,000 and 25 ETH", asks)
    assert not names_an_amount("200,000 ARB", asks)


def test_check_verifies_quotes_first() -> None:
    made_up = Position(
        stance="for",
        summary="…",
        holders=["bob"],
        citations=[Citation(post_id="P2", quote="words bob never wrote")],
    )
    checked = check(summary("x 45M ARB", made_up), list(POSTS.values()), POSTS["P1"])
    assert checked.positions == []
