"""Stance per sentence, on the phrasings that fooled keyword matching on real threads."""

from __future__ import annotations

import pytest

from summarizer.stance import read_stance


@pytest.mark.parametrize(
    ("sentence", "side"),
    [
        ("I support this proposal.", "for"),
        ("+1, this is overdue.", "for"),
        ("I lean towards supporting this, but the timeline worries me.", "for"),
        ("I'm in favour.", "for"),
        ("I support moving 20% of the treasury into stablecoins.", "for"),
        ("I am against it, the depeg risk is real.", "against"),
        ("-1 from me.", "against"),
        ("I don't support this in its current form.", "against"),
        ("We cannot support a grant of this size.", "against"),
        ("I would support this only if the amount were halved.", "alternative"),
        ("What if we start with a smaller pilot instead of the full amount", "alternative"),
        ("Rather than selling ETH, we could stake it.", "alternative"),
        # False friends: no side.
        ("The hackathon runs 12/12-17 in Lisbon.", None),
        ("It was posted on 2022-10-26, as proposed above.", None),
        ("Frisky raised this point last week.", None),
        ("The only concern is timing.", None),
        ("I am not against a slot time reduction.", None),
        ("Not opposed, just curious about the numbers.", "for"),  # the labelling rule: weak for
        ("Do you support the smaller amount?", None),
        ("I'm still on the fence, I support the goal though.", None),
        ("Our risk-adjusted return was 4%.", None),
        # Curly apostrophes, as real forums write them.
        ("I don\u2019t support this in its current form.", "against"),
        ("Strongly against.", "against"),
        ("I am not against lowering it, but 250k MRD is too low.", "against"),
        ("What about moving on-chain voting to our L2 deployment instead?", "alternative"),
        ("For 2025 a change of provider during the v3 launch is the bigger risk.", None),
        ("Ich bin dagegen.", "against"),
        ("Apoio a proposta.", "for"),
    ],
)
def test_the_side_a_sentence_takes(sentence: str, side: str | None) -> None:
    assert read_stance(sentence).side == side


@pytest.mark.parametrize(
    "sentence",
    [
        "Happy to support half the amount, with the rest after the first report.",
        "Agree with @gus_anders: half now, half after a report.",
        "Pay it in two tranches instead.",
    ],
)
def test_support_for_another_amount_or_schedule_is_an_alternative(sentence: str) -> None:
    assert read_stance(sentence).side == "alternative"


def test_a_share_of_the_budget_stated_is_no_counter_proposal() -> None:
    assert read_stance("Stipends are a third of the budget.").side is None


@pytest.mark.parametrize(
    ("sentence", "side"),
    [
        ("Against all my expectations, it shows 12,400 KST now.", None),
        ("The proceeds go to the Ops Multisig instead of the Treasury Safe.", None),
        ("We should pay on delivery instead of upfront.", "alternative"),
        ("+1 to paying on delivery instead of at the start of each phase.", "alternative"),
        ("Keeper uptime during the pilot, from the public status page:", None),
        ("Not convinced we need to sell anything.", "against"),
    ],
)
def test_descriptions_are_not_taken_for_sides(sentence: str, side: str | None) -> None:
    assert read_stance(sentence).side == side
