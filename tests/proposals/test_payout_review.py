"""The payout rules on their own: windows, recipients named in words, several asks, symbols."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from bot.payouts import Payment
from cogs.proposals.payout_book import Ask, PassedProposal
from cogs.proposals.payout_review import review_payments

ALICE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
BOB = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
FAKE_USDC = "0x0000000000000000000000000000000000000bad"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def proposal(title: str, *asks: Ask, share: float | None = 0.6) -> PassedProposal:
    return PassedProposal(1, f"snapshot:{title}", title, "", share, NOW, asks)


def usdc(recipient: str, units: int, token: str = USDC) -> Payment:
    return Payment(recipient, token, "USDC", units * 10**6, 6)


def test_outside_the_stated_window_is_a_mismatch() -> None:
    later = Ask(ALICE, USDC, Decimal(100), not_before=datetime(2027, 1, 1, tzinfo=UTC))
    verdict = review_payments([proposal("Q1 grant", later)], [usdc(ALICE, 100)], NOW)
    assert verdict.mismatch
    assert (
        "proposal “Q1 grant” (passed, 60 % for) asks for this payment, but not before 2027-01-01"
        in verdict.lines[0]
    )


def test_a_recipient_named_in_words_matches_by_amount_and_says_so() -> None:
    named = Ask(None, "USDC", Decimal(100), recipient_name="Ceiba team")
    verdict = review_payments([proposal("Ceiba", named, share=None)], [usdc(BOB, 100)], NOW)
    assert not verdict.mismatch
    assert "matches proposal “Ceiba” (passed) by amount and token only" in verdict.lines[0]
    assert "“Ceiba team”" in verdict.lines[0] and "not checked" in verdict.lines[0]
    assert review_payments([proposal("Ceiba", named)], [usdc(BOB, 101)], NOW).mismatch


def test_one_payment_can_settle_two_proposals_asks() -> None:
    first = proposal("Audit", Ask(ALICE, USDC, Decimal(30)))
    second = proposal("Retainer", Ask(ALICE, USDC, Decimal(20)))
    verdict = review_payments([first, second], [usdc(ALICE, 50)], NOW)
    assert not verdict.mismatch
    assert (
        "matches proposal “Audit” (passed, 60 % for) and proposal “Retainer”" in (verdict.lines[0])
    )
    over = review_payments([first, second], [usdc(ALICE, 51)], NOW)
    assert over.mismatch and "asks 50 USDC, this pays 51" in over.lines[0]


def test_tokens_by_address_by_symbol_and_in_dollars() -> None:
    by_address = proposal("Audit", Ask(ALICE, USDC, Decimal(100)))
    # Another token with the same symbol is not the one the proposal names by address.
    assert review_payments([by_address], [usdc(ALICE, 100, FAKE_USDC)], NOW).mismatch
    by_symbol = proposal("Audit", Ask(ALICE, "usdc", Decimal(100)))
    verdict = review_payments([by_symbol], [usdc(ALICE, 100, FAKE_USDC)], NOW)
    assert not verdict.mismatch and "by symbol only" in verdict.lines[0]
    in_dollars = proposal("Audit", Ask(ALICE, "USD", Decimal(100)))
    assert not review_payments([in_dollars], [usdc(ALICE, 100)], NOW).mismatch
    native = proposal("Gas", Ask(ALICE, None, Decimal("0.5")))
    ether = Payment(ALICE, None, "ETH", 5 * 10**17, 18)
    assert "matches proposal “Gas”" in review_payments([native], [ether], NOW).lines[0]
    assert review_payments([native], [usdc(ALICE, 0)], NOW).mismatch


def test_asks_from_calls_compare_base_units() -> None:
    exact = proposal("Grant", Ask(ALICE, USDC, Decimal(7), raw=7))
    assert not review_payments([exact], [Payment(ALICE, USDC, "USDC", 7, 6)], NOW).mismatch
    assert review_payments([exact], [Payment(ALICE, USDC, "USDC", 8, 6)], NOW).mismatch
