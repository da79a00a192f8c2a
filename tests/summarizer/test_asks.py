"""What a proposal asks for, as people write it: the forms that real forums use and that the
first reading of the held-out threads showed the extraction missing."""

from __future__ import annotations

import pytest

from summarizer.asks import amount_value, asks_phrase, extract_asks, proposal_asks


def texts(text: str, kind: str) -> list[str]:
    return [a.text for a in extract_asks(text) if a.kind == kind]


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("Devcademy requests 250,000 $OP from the treasury.", "250,000 $OP"),
        ("We ask for USD 85,000 to run it.", "USD 85,000"),
        ("Le budget est de 85\u202f000 USDC.", "85 000 USDC"),  # spaces made plain
        ("We request 1.2M $ARB for incentives.", "1.2M $ARB"),
        ("A retainer of US$ 100,000 per month.", "US$ 100,000 per month"),
        ("pedimos 75.000 USDC para el hackatón", "75.000 USDC"),
    ],
)
def test_amounts_as_written(text: str, amount: str) -> None:
    assert texts(text, "amount") == [amount]


@pytest.mark.parametrize(
    ("amount", "value"),
    [
        ("$200k", (200_000.0, "$")),
        ("200,000 USD", (200_000.0, "$")),
        ("75.000 USDC", (75_000.0, "usdc")),
        ("1.250.000 ARB", (1_250_000.0, "arb")),
        ("0.500 ETH", (0.5, "eth")),
        ("85 000 USDC", (85_000.0, "usdc")),
        ("US$ 100,000 per month", (100_000.0, "$")),
        ("EUR 40,000", (40_000.0, "€")),
    ],
)
def test_values_compare_across_ways_of_writing(amount: str, value: tuple[float, str]) -> None:
    assert amount_value(amount) == value


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("two more cohorts (July–December 2025).", "July–December 2025"),
        ("from April to September 2025", "from April to September 2025"),
        ("a pilot in Q1–Q2 2027", "Q1–Q2 2027"),
        ("€85.000 for the 2025 season (April to December)", "for the 2025 season"),
        ("topped up, for an initial term of 12 months.", "for an initial term of 12 months"),
        ("shipped by 30 November 2025", "by 30 November 2025"),
        ("un hackatón antes del 30 de noviembre de 2025, con", "antes del 30 de noviembre de 2025"),
    ],
)
def test_durations_and_deadlines(text: str, duration: str) -> None:
    assert duration in texts(text, "duration")


@pytest.mark.parametrize(
    ("text", "recipient"),
    [
        ("The DAI goes to the Fernwood Legal Multisig in payments.", "Fernwood Legal Multisig"),
        ("We are asking for €85.000 to Associação Casa Norte for 2025.", "Associação Casa Norte"),
        ("A transfer of 150,000 USDC to a new Bounty Escrow Safe (0xabc).", "Bounty Escrow Safe"),
        ("Los fondos se enviarían a la multisig de Ceiba Argentina (3 de 5).",
         "multisig de Ceiba Argentina"),
    ],
)  # fmt: skip
def test_recipients(text: str, recipient: str) -> None:
    assert recipient in texts(text, "recipient")


def test_thresholds_and_past_figures_are_not_asks() -> None:
    body = (
        "We request 150,000 USDC for the bounty escrow, topped up whenever it falls below "
        "75,000 USDC. Payouts are capped at $500k per report.\n"
        "Cost per graduate fell from 9,100 OP to 6,300 OP."
    )
    amounts = [a.text for a in proposal_asks("Bug bounty", body) if a.kind == "amount"]
    assert amounts == ["150,000 USDC"]


def test_shares_named_in_the_title_say_who_gets_what() -> None:
    title = "Client diversity round: 120 ETH to Basalt, Quartzite and Opal Labs"
    body = (
        "We propose a round of 120 ETH.\n"
        "- Basalt: 50 ETH, for a setup guide.\n"
        "- Quartzite: 40 ETH, for the remote signer.\n"
        "- Opal Labs: 30 ETH, for their light client.\n"
        "- Travel: 5 ETH for the summit."
    )
    assert asks_phrase(proposal_asks(title, body)) == (
        "120 ETH to Basalt (50 ETH), Quartzite (40 ETH) and Opal Labs (30 ETH)"
    )


def test_a_tranche_is_not_shown_beside_its_total_but_a_rate_and_another_unit_are() -> None:
    tranche = proposal_asks("", "We request $200,000, paid as $60,000 on signing.")
    assert asks_phrase(tranche) == "$200,000"
    rate = proposal_asks("", "We request $1.2M for 12 months (US$ 100,000 per month).")
    assert asks_phrase(rate).startswith("$1.2M and US$ 100,000 per month")
    units = proposal_asks("", "We propose to sell 1,800 ETH for about US$ 4.5M.")
    assert asks_phrase(units).startswith("1,800 ETH and US$ 4.5M")


def test_dates_and_counts_are_no_amounts() -> None:
    assert (
        texts("Vote 2022-10-26 ended 12/12-17 with 45 votes and 3 PRs at 10 AM UTC.", "amount")
        == []
    )


def test_a_schedule_follows_the_amount_it_adds_up_to() -> None:
    asks = proposal_asks(
        "Nimbus Research: liquidation study (USD 75,000)",
        "We request USD 75,000, paid as 3 x 25,000 USDC at the end of each phase.",
    )
    assert asks_phrase(asks) == "USD 75,000 (3 x 25,000 USDC)"


def test_a_total_in_another_unit_is_shown_and_a_line_of_the_budget_is_not() -> None:
    body = (
        "We request 85 000 USDC and 40k DAI, $125,000 in total, from 2027-01-01 to 2027-06-30.\n"
        "- Stipends: 5 × 8k DAI, paid monthly\n- Tooling: 10k DAI, paid once"
    )
    phrase = asks_phrase(proposal_asks("Season 3 (85 000 USDC + 40k DAI)", body))
    assert phrase.startswith("85 000 USDC, 40k DAI (5 × 8k DAI) and $125,000")
    assert "10k DAI" not in phrase
    assert phrase.endswith("from 2027-01-01 to 2027-06-30")


def test_a_motion_without_money_is_summed_up_by_its_period() -> None:
    asks = proposal_asks(
        "Cut the swap fee to 0.01%", "We propose a 6-month pilot of the lower fee."
    )
    assert asks_phrase(asks) == "a 6-month pilot"


def test_a_single_heading_line_is_no_breakdown() -> None:
    title = "OIP-19: Swap 1.2M $ARB for USDC"
    body = (
        "OIP-19: Swap 1.2M $ARB for USDC over 4 weeks.\nWe propose to swap it to the Ops Multisig."
    )
    assert [a.kind for a in proposal_asks(title, body)].count("share") == 0
