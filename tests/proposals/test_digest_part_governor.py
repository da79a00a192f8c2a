"""The proposals part of a digest for a real OpenZeppelin Governor on anvil, followed by the
watcher through the treasury's polls: a vote ending soon needs a member until their wallet's
VoteCast is read; once closed it is told with its result and quorum; queued, it is coming up
with its ETA and the governor's link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Reader, Section
from cogs.treasury.service import TreasuryService
from tests.proposals.votes_support import community_id
from tests.support.anvil import Anvil
from tests.support.governor import ABSTAIN, AGAINST, FOR, WHOLE, Governance, deploy_governance
from tests.support.safes import SafeContracts
from tests.support.world import World

DESCRIPTION = "# Pay the auditors @here\n\nFive thousand tokens to the audit firm."
LINK = "https://gov.example/proposal/{id}"


@pytest.fixture
def governance(chain: Anvil, safe_contracts: SafeContracts) -> Governance:
    return deploy_governance(chain)


@pytest.fixture
def world_settings(chain: Anvil, governance: Governance) -> dict[str, Any]:
    anvil = {"chain_id": 31337, "rpc_url": chain.url, "confirmations": 0, "poll_seconds": 3600}
    governor = {
        "community": "test-dao",
        "chain": "anvil",
        "address": governance.address,
        "name": "Test DAO Governor",
        "link": LINK,
    }
    return {"treasury": {"chains": {"anvil": anvil}}, "proposals": {"governors": [governor]}}


async def poll(world: World) -> None:
    treasury: TreasuryService = world.app.runtimes["treasury"]
    await treasury.run_chain("anvil")
    assert treasury.chains["anvil"].last_error is None


async def part(world: World, reader: Reader) -> DigestPart:
    end = datetime.now(UTC) + timedelta(seconds=1)
    request = DigestRequest(await community_id(world), end - timedelta(days=7), end, reader)
    (found,) = [p for p in await world.app.digest_parts.gather(request) if p.source == "proposals"]
    assert found.problems == ()
    return found


def section(found: DigestPart, which: Section) -> list[DigestItem]:
    return [item for item in found.items if item.section is which]


async def test_a_governor_vote_from_needs_you_to_queued(
    world: World, governance: Governance
) -> None:
    await poll(world)  # the treasury's cursor starts at the head
    alice, bob, carol = governance.voters
    proposal = governance.propose_transfer(alice, alice.address, 5_000 * WHOLE, DESCRIPTION)
    governance.open_voting(proposal)
    governance.vote(alice, proposal, FOR)
    await poll(world)
    key = f"governor:anvil:{governance.address}:{proposal.id}"
    link = LINK.replace("{id}", str(proposal.id))

    voter, not_yet = (
        Reader("discord", "1", (alice.address,)),
        Reader("discord", "2", (bob.address,)),
    )
    assert section(await part(world, voter), Section.NEEDS_YOU) == []
    (needed,) = section(await part(world, not_yet), Section.NEEDS_YOU)
    assert needed.key == f"proposals:vote:{key}" and needed.url == link
    assert "on the Governor" in needed.text and "@\u200bhere" in needed.text
    assert section(await part(world, Reader("discord")), Section.NEEDS_YOU) == []

    governance.vote(bob, proposal, AGAINST)
    governance.vote(carol, proposal, ABSTAIN)
    await poll(world)
    assert section(await part(world, not_yet), Section.NEEDS_YOU) == []

    governance.close_voting(proposal)
    await poll(world)
    governance.queue(proposal)
    await poll(world)
    found = await part(world, Reader("discord"))
    (closed,) = [i for i in section(found, Section.VOTES) if i.key.startswith("proposals:closed")]
    assert closed.url == link and "Passed, and queued" in closed.text
    # Against does not count toward the quorum: 400,000 For + 100,000 Abstain do.
    assert "Quorum reached (500,000 of 70,000)" in closed.text, closed.text
    assert "(For 53%, Against 33%, Abstain 13%)" in closed.text, closed.text
    (queued,) = section(found, Section.COMING_UP)
    assert queued.key == f"proposals:queued:{key}" and queued.url == link
    assert "on the Governor is queued" in queued.text and queued.at is not None
