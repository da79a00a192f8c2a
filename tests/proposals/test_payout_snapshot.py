"""From the vote to the payout: a Snapshot proposal with a budget closes passed on the fake hub,
Steward's follower records it, and the Safe transaction then queued to pay it is matched on the
queue alert; a second transaction paying ten times as much is flagged."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.safe_service import FakeSafeTransactionService
from tests.fakes.snapshot import FakeSnapshot
from tests.proposals.payout_support import (
    API_KEY,
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

DAY = 86400
TUSD = 10**6


@pytest.fixture
def safe(chain: Anvil, safe_contracts: SafeContracts) -> SafeDriver:
    owners = chain.accounts[1:4]
    return SafeDriver(chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2), owners)


@pytest.fixture
async def service(chain: Anvil) -> AsyncIterator[FakeSafeTransactionService]:
    async with FakeSafeTransactionService(31337, api_key=API_KEY, rpc_url=chain.url) as fake:
        yield fake


@pytest.fixture
async def hub() -> AsyncIterator[FakeSnapshot]:
    async with FakeSnapshot(now=time.time()) as fake:
        fake.add_space("dao.eth")
        yield fake


@pytest.fixture
def world_settings(
    chain: Anvil, service: FakeSafeTransactionService, hub: FakeSnapshot
) -> dict[str, Any]:
    return {
        "treasury": treasury_chain(chain.url, service),
        "proposals": {
            "snapshot": {"hub_url": hub.url, "spaces": {"test-dao": ["dao.eth"]}},
            "votes": {"poll_seconds": 3600},  # polled by the test
        },
        "environ": {"TEST_TX_SERVICE_KEY": API_KEY},
    }


async def follow(world: World, hub: FakeSnapshot) -> None:
    hub.now = time.time()
    await world.app.runtimes["proposals"].votes.snapshot.poll("test-dao")
    await world.app.outbox.drain()


async def test_a_payout_matches_the_snapshot_vote_that_passed(
    world: World,
    hub: FakeSnapshot,
    service: FakeSafeTransactionService,
    safe: SafeDriver,
    chain: Anvil,
) -> None:
    treasury = await watch(world, safe)
    payee, token = chain.accounts[6].address, safe.contracts.token
    body = (
        "## Budget\n\n| Amount | Token | Recipient | Purpose |\n|---|---|---|---|\n"
        f"| 5,000 | {token} | {payee} | docs sprint |\n\nTotal: 5,000 TUSD\n"
    )
    now = time.time()
    proposal = hub.add_proposal(
        "dao.eth", title="Fund the docs sprint", body=body, start=int(now - 60), end=int(now + DAY)
    )
    await follow(world, hub)  # followed while voting is open
    hub.add_vote(proposal["id"], chain.accounts[8].address, choice=1, vp=80.0)
    hub.add_vote(proposal["id"], chain.accounts[9].address, choice=2, vp=30.0)
    proposal["end"] = int(now - 30)
    hub.set_scores(proposal["id"], [80.0, 30.0, 0.0], final=True)
    await follow(world, hub)  # closed, passed: recorded with its budget

    await queue(service, safe, chain.accounts[1], token, data=transfer_data(payee, 5_000 * TUSD))
    embed = await poll_alert(world, treasury, safe)
    assert (
        f"Payout check, 5,000 TUSD to {payee}: matches proposal “Fund the docs sprint” "
        "(passed, 73 % for)" in embed["description"]
    )
    assert severity(embed) == "Severity INFO"

    await queue(
        service, safe, chain.accounts[1], token, data=transfer_data(payee, 50_000 * TUSD), nonce=1
    )
    embed = await poll_alert(world, treasury, safe)
    assert "asks 5,000 TUSD, this pays 50,000" in embed["description"]
    assert severity(embed) == "Severity HIGH"
