"""The payout check end to end: a passed proposal recorded, a real Safe on anvil, transactions
proposed to the fake Safe Transaction Service with the owners' keys, the treasury's queue poll,
and the alert as the fake Discord receives it (text, and severity in its footer and colour)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.safe_service import FakeSafeTransactionService
from tests.proposals.payout_support import (
    API_KEY,
    RED,
    multisend_data,
    pass_proposal,
    poll_alert,
    queue,
    severity,
    transfer_data,
    treasury_chain,
    watch,
)
from tests.support.anvil import Anvil
from tests.support.safes import SafeContracts, SafeDriver, create_safe
from tests.support.world import World

DELEGATECALL = 1
TUSD = 10**6  # the test token has 6 decimals


@pytest.fixture
def safe(chain: Anvil, safe_contracts: SafeContracts) -> SafeDriver:
    owners = chain.accounts[1:4]
    return SafeDriver(chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2), owners)


@pytest.fixture
async def service(chain: Anvil) -> AsyncIterator[FakeSafeTransactionService]:
    async with FakeSafeTransactionService(31337, api_key=API_KEY, rpc_url=chain.url) as fake:
        yield fake


@pytest.fixture
def world_settings(
    chain: Anvil, service: FakeSafeTransactionService, safe_contracts: SafeContracts
) -> dict[str, Any]:
    return {
        "treasury": treasury_chain(chain.url, service, multisend=[safe_contracts.multi_send_v141]),
        "environ": {"TEST_TX_SERVICE_KEY": API_KEY},
    }


def budget(token: str, rows: list[tuple[str, str, str]]) -> str:
    """A proposal body with the drafts' budget table: (amount, recipient, purpose) rows."""
    lines = [
        "## Budget",
        "",
        "| Amount | Token | Recipient | Purpose |",
        "|---|---|---|---|",
        *(f"| {amount} | {token} | {who} | {why} |" for amount, who, why in rows),
        "| **Total** | | | |",
    ]
    return "\n".join(lines)


async def test_a_payout_that_matches_a_passed_proposal_says_so(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    payee = chain.accounts[6].address
    token = safe.contracts.token
    body = budget(token, [("50,000", f"{payee} (Basalt)", "security audit")])
    await pass_proposal(world, "snapshot:0xaudit", "Fund the Basalt audit", body)

    await queue(service, safe, chain.accounts[1], token, data=transfer_data(payee, 50_000 * TUSD))
    embed = await poll_alert(world, treasury, safe)

    assert "new transaction proposed (nonce 0)" in embed["title"]
    assert f"Transfer 50,000 TUSD (50000000000 raw) to {payee}" in embed["description"]
    assert (
        f"Payout check, 50,000 TUSD to {payee}: matches proposal “Fund the Basalt audit” "
        "(passed, 71 % for)" in embed["description"]
    )
    assert severity(embed) == "Severity INFO"
    assert embed.get("color") != RED


async def test_ten_times_the_ask_is_a_high_severity_mismatch(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    payee = chain.accounts[6].address
    token = safe.contracts.token
    # The token by symbol, as a draft's author writes it.
    body = budget("TUSD", [("50,000", payee, "security audit")])
    await pass_proposal(world, "snapshot:0xaudit", "Fund the Basalt audit", body)

    await queue(service, safe, chain.accounts[1], token, data=transfer_data(payee, 500_000 * TUSD))
    embed = await poll_alert(world, treasury, safe)

    assert (
        "proposal “Fund the Basalt audit” (passed, 71 % for) asks 50,000 TUSD, this pays 500,000"
        in embed["description"]
    )
    assert severity(embed) == "Severity HIGH"
    assert embed["color"] == RED


async def test_a_payout_no_proposal_asks_for_is_high_severity(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    payee, stranger = chain.accounts[6].address, chain.accounts[7].address
    body = budget("ETH", [("1.5", payee, "gas for the relayer")])
    await pass_proposal(world, "snapshot:0xgas", "Relayer gas", body, for_share=None)

    await queue(service, safe, chain.accounts[1], stranger, value=15 * 10**17)
    embed = await poll_alert(world, treasury, safe)

    assert (
        f"Payout check, 1.5 ETH to {stranger}: no passed proposal asks for this payment"
        in embed["description"]
    )
    assert severity(embed) == "Severity HIGH"


async def test_a_multisend_is_checked_item_by_item(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    alice, bob, mallory = (a.address for a in chain.accounts[6:9])
    token = safe.contracts.token
    body = budget(token, [("30,000", alice, "frontend"), ("20,000", bob, "backend")])
    await pass_proposal(world, "snapshot:0xbuild", "Build the dashboard", body, for_share=0.8)

    # alice's ask paid in two items of one batch; bob gets half of his (a milestone).
    calls = [
        (token, 0, transfer_data(alice, 10_000 * TUSD)),
        (token, 0, transfer_data(alice, 20_000 * TUSD)),
        (token, 0, transfer_data(bob, 10_000 * TUSD)),
    ]
    library = safe.contracts.multi_send_v141
    await queue(service, safe, chain.accounts[1], library, data=multisend_data(calls), operation=1)
    embed = await poll_alert(world, treasury, safe)
    text = embed["description"]
    assert "Batch of 3 actions (MultiSend)" in text
    assert (
        f"Payout check, 30,000 TUSD to {alice}: matches proposal “Build the dashboard” "
        "(passed, 80 % for)" in text
    )
    assert (
        f"Payout check, 10,000 TUSD to {bob}: a partial payment of proposal “Build the "
        "dashboard” (passed, 80 % for): pays 10,000 of the 20,000 TUSD asked" in text
    )
    assert severity(embed) == "Severity INFO"

    # The next batch slips a payment to mallory in among the approved ones.
    calls = [(token, 0, transfer_data(bob, 10_000 * TUSD)), (mallory, 10**17, b"")]
    await queue(
        service, safe, chain.accounts[1], library, data=multisend_data(calls), operation=1, nonce=1
    )
    embed = await poll_alert(world, treasury, safe)
    text = embed["description"]
    assert f"Payout check, 0.1 ETH to {mallory}: no passed proposal asks for this payment" in text
    assert f"Payout check, 10,000 TUSD to {bob}: a partial payment" in text
    assert severity(embed) == "Severity HIGH"


async def test_without_passed_proposals_the_alert_is_as_before(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    await queue(service, safe, chain.accounts[1], chain.accounts[6].address, value=10**16)
    embed = await poll_alert(world, treasury, safe)
    assert "Payout check" not in embed["description"]
    assert severity(embed) == "Severity INFO"
