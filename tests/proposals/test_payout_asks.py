"""Reading what a proposal asks to be paid: the drafts' budget table, free text, and a Governor
proposal's calls (encoded with web3 from the standard ERC-20 ABI, decoded by the product)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from safe_eth.eth.contracts import get_erc20_contract
from web3 import Web3

from cogs.proposals.payout_asks import asks_from_calls, asks_from_text
from tests.proposals.payout_support import multisend_data

BASALT = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
CEIBA = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"

DRAFT = f"""# Audit and gas for the relayer

## Budget and asks

| Amount | Token | Recipient | Purpose |
|---|---|---|---|
| 50,000 | USDC | {BASALT.lower()} (Basalt) | security audit |
| 2.5 | ETH | Ceiba team | relayer gas |
| 1,200.75 | {USDC} | `{CEIBA}` | hosting |
| **Total** | | | 51,200.75 USDC and 2.5 ETH |

## Timeline and milestones

Payments from 2026-12-01 to 2027-03-31, in two milestones.
"""


def test_the_budget_table_is_read_row_by_row() -> None:
    basalt, ceiba, hosting = asks_from_text(DRAFT)
    assert (basalt.recipient, basalt.token, basalt.amount) == (BASALT, "USDC", Decimal(50000))
    assert basalt.recipient_name == "Basalt" and basalt.purpose == "security audit"
    assert (ceiba.recipient, ceiba.recipient_name, ceiba.token) == (None, "Ceiba team", "ETH")
    assert ceiba.amount == Decimal("2.5")
    assert (hosting.recipient, hosting.token, hosting.amount) == (CEIBA, USDC, Decimal("1200.75"))
    assert basalt.not_before == datetime(2026, 12, 1, tzinfo=UTC)
    assert basalt.not_after is not None and basalt.not_after.date().isoformat() == "2027-03-31"


def test_free_text_pairs_an_amount_with_the_address_on_its_line() -> None:
    body = (
        "Inflation ran above 75,000 USDC last year.\n"
        f"We request 40,000 USDC, paid to {BASALT}, for the audit.\n"
        "We also ask for $20k for the Grants multisig."
    )
    audit, grants = asks_from_text(body)
    assert (audit.recipient, audit.token, audit.amount) == (BASALT, "USDC", Decimal(40000))
    assert (grants.recipient, grants.token, grants.amount) == (None, "USD", Decimal(20000))
    assert audit.not_before is None and audit.not_after is None


def test_a_bullet_budget_and_a_body_without_a_budget_section() -> None:
    bullets = (
        "## Budget\n\n- 20k USDC to grants.ens.eth for audits\n"
        f"- 0.5 ETH to {BASALT} for gas\n- TODO: a third line\n\nTotal: 20,000 USDC\n\n"
        "## Timeline\n\n- 2027-01-01: 5,000 USDC more if the audit ships\n"
    )
    ens, gas = asks_from_text(bullets)
    assert (ens.recipient, ens.recipient_name, ens.amount) == (None, "grants.ens.eth", 20000)
    assert (gas.recipient, gas.token, gas.amount) == (BASALT, "ETH", Decimal("0.5"))
    # A draft whose budget is still TODO asks for nothing.
    todo = "## Budget\n\n| Amount | Token | Recipient |\n|---|---|---|\n| TODO: | | |"
    assert asks_from_text(todo) == []
    # No budget heading: a budget table anywhere still counts.
    table = f"Intro.\n\n| Amount | Token | Recipient |\n|---|---|---|\n| 75.000 | DAI | {CEIBA} |"
    [dai] = asks_from_text(table)
    assert (dai.recipient, dai.token, dai.amount) == (CEIBA, "DAI", Decimal(75000))


def test_governor_calls_give_exact_asks() -> None:
    token = get_erc20_contract(Web3(), USDC)
    transfer = bytes.fromhex(token.encode_abi("transfer", args=[BASALT, 50_000 * 10**6])[2:])
    pulled = token.encode_abi("transferFrom", args=[CEIBA, BASALT, 7])
    batch = multisend_data([(CEIBA, 10**18, b"")])
    multisend = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
    asks = asks_from_calls(
        [USDC, CEIBA, USDC, multisend],
        [0, 3 * 10**17, 0, 0],
        [transfer, b"", pulled, batch],
        decimals={USDC.lower(): 6},
    )
    usdc, eth, pull, batched = asks
    assert (usdc.recipient, usdc.token, usdc.amount, usdc.raw) == (
        BASALT,
        USDC,
        Decimal(50000),
        50_000 * 10**6,
    )
    assert (eth.recipient, eth.token, eth.raw) == (CEIBA, None, 3 * 10**17)
    assert eth.amount == Decimal("0.3")
    assert (pull.recipient, pull.amount, pull.raw) == (BASALT, Decimal("0.000007"), 7)
    assert (batched.recipient, batched.token, batched.raw) == (CEIBA, None, 10**18)
