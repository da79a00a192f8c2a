"""Votes weighted by verified holdings of an ERC-20 on anvil: each voter's linked wallets summed,
a member without a wallet weighing 0, holdings read again for every voter when a steward picks
(tokens moved after voting do not count twice), and a chain that cannot be read leaving voting
open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from bot.app import App
from cogs.generation.curation_models import GenerationVote
from cogs.generation.curation_tally import Ballot, tally, winner
from cogs.onboarding.wallet_models import WalletLink
from tests.generation.test_curation import (
    community_id,
    discord_results,
    finished_job,
    picks,
    post_results,
    press_on_discord,
)
from tests.support.anvil import Anvil
from tests.support.holdings import send_tusd
from tests.support.safes import SafeContracts
from tests.support.world import World, discord_fields, discord_text

ALICE, BOB, CAROL = "1100000000000000201", "1100000000000000202", "1100000000000000203"


def weighed_by(token: str, rpc: str) -> dict[str, Any]:
    weighed = {"chain": "anvil", "address": token, "standard": "erc20", "rpc_url": rpc}
    return {"generation": {"curation": {"token": weighed}}}


@pytest.fixture
def world_settings(chain: Anvil, safe_contracts: SafeContracts) -> dict[str, Any]:
    return weighed_by(safe_contracts.token, chain.url)


async def link(app: App, user_id: str, address: str) -> None:
    """A wallet the member proved, as onboarding's /verify stores it."""
    community = await community_id(app)
    async with app.db.transaction() as session:
        session.add(
            WalletLink(community_id=community, platform="discord", user_id=user_id, address=address)
        )


async def test_votes_weigh_verified_holdings_read_again_at_the_pick(
    world: World, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    treasury, a1, a2, b1 = (
        chain.accounts[0],
        chain.accounts[4],
        chain.accounts[5],
        chain.accounts[6],
    )
    send_tusd(chain, safe_contracts, treasury, a1.address, 60)
    send_tusd(chain, safe_contracts, treasury, a2.address, 40)
    send_tusd(chain, safe_contracts, treasury, b1.address, 30)
    await link(world.app, ALICE, a1.address)
    await link(world.app, ALICE, a2.address)
    await link(world.app, BOB, b1.address)

    job_id, outputs = await finished_job(world.app, 2)
    x, y = (o.id for o in outputs)
    await post_results(world, job_id, outputs)
    message = discord_results(world, job_id)

    said = await press_on_discord(world, message, f"👍 Vote for output {x}", "alice")
    assert "It weighs 100 TUSD, what your 2 verified wallets hold now" in said
    said = await press_on_discord(world, message, f"👍 Vote for output {y}", "bob")
    assert "It weighs 30 TUSD, what your verified wallet holds now" in said
    said = await press_on_discord(world, message, f"👍 Vote for output {y}", "carol")
    assert "It weighs 0" in said and "no verified wallet" in said

    standing = await world.on_discord("generate results", {"job": job_id}, user="bob")
    assert discord_fields(standing)["Tally"].splitlines() == [
        f"Output {x} (#1): 1 vote, 100 TUSD",
        f"Output {y} (#2): 2 votes, 30 TUSD",
    ]

    # Alice moves 60 TUSD to Bob after voting: at the pick it counts once, for Bob's vote.
    send_tusd(chain, safe_contracts, a1, b1.address, 60)
    picked = await world.on_discord("generate pick", {"job": job_id}, user="carol")
    assert f"Job {job_id}: output {y} wins" in discord_text(picked)
    assert discord_fields(picked)["Tally"].splitlines() == [
        f"Output {y} (#2): 2 votes, 90 TUSD 🏆",
        f"Output {x} (#1): 1 vote, 40 TUSD",
    ]
    [pick] = await picks(world.app)
    assert pick.weighted_by == "TUSD" and pick.winner_output_id == y
    async with world.app.db.read() as session:
        stored = {
            v.user_id: Decimal(v.weight or "nan")
            for v in (await session.exec(select(GenerationVote))).all()
        }
    assert stored == {ALICE: Decimal(40), BOB: Decimal(90), CAROL: Decimal(0)}


class TestADeadChain:
    @pytest.fixture
    def world_settings(self) -> dict[str, Any]:
        return weighed_by("0x" + "11" * 20, "http://127.0.0.1:9/")  # nothing listens on port 9

    async def test_the_vote_is_kept_and_voting_stays_open(self, world: World) -> None:
        job_id, outputs = await finished_job(world.app, 1)
        [only] = outputs
        await post_results(world, job_id, outputs)
        message = discord_results(world, job_id)
        said = await press_on_discord(world, message, f"👍 Vote for output {only.id}", "alice")
        assert f"Vote counted for output {only.id}" in said
        assert "could not be read just now" in said
        failed = await world.on_discord("generate pick", {"job": job_id}, user="carol")
        assert "could not read the voting token's holdings now" in discord_text(failed)
        assert await picks(world.app) == []
        standing = await world.on_discord("generate results", {"job": job_id}, user="bob")
        assert discord_fields(standing)["Voting"] == "open"


def test_ties_go_to_more_voters_then_the_earliest_first_vote() -> None:
    start = datetime(2026, 12, 1, tzinfo=UTC)

    def at(minutes: int) -> datetime:
        return start + timedelta(minutes=minutes)

    ballots = [
        Ballot(1, "d:a", Decimal(10), at(3)),
        Ballot(2, "d:b", Decimal(5), at(1)),
        Ballot(2, "d:c", Decimal(5), at(4)),
        Ballot(3, "d:d", Decimal(10), at(2)),
    ]
    ranked = tally([1, 2, 3, 4], ballots)
    # 2 has as much weight as 1 and 3 but more voters; 3's first vote came before 1's.
    assert [e.output_id for e in ranked] == [2, 3, 1, 4]
    assert winner(ranked) is ranked[0]
    assert winner(tally([4], [])) is None, "an output nobody voted for never wins"
