"""A real OpenZeppelin Governor on anvil followed end to end: a proposal created, voted, queued
and executed, each step announced exactly once on the fake Discord and Telegram, its logs read in
the treasury's polls."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlmodel import select

from bot.frontend import Health
from cogs.onboarding.wallet_models import WalletLink
from cogs.proposals.config import GovernorConfig
from cogs.proposals.governor_models import GovernorProposal
from cogs.proposals.payout_models import PassedProposalRow, PayoutAskRow
from cogs.treasury.models import ChainCursor
from cogs.treasury.service import TreasuryService
from tests.proposals.votes_support import community_id
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.governor import ABSTAIN, AGAINST, FOR, WHOLE, Governance, deploy_governance
from tests.support.safes import SafeContracts
from tests.support.world import World

DESCRIPTION = "# Pay the auditors\n\nFive thousand tokens to the audit firm for the Q1 review."
STEPS = [
    "New proposal",
    "Voting is open",
    "Voting ends soon",
    "Vote closed",
    "Queued for execution",
    "Executed",
]


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
        "link": "https://gov.example/proposal/{id}",
    }
    return {"treasury": {"chains": {"anvil": anvil}}, "proposals": {"governors": [governor]}}


async def poll(world: World) -> None:
    treasury: TreasuryService = world.app.runtimes["treasury"]
    await treasury.run_chain("anvil")
    assert treasury.chains["anvil"].last_error is None
    await world.app.outbox.drain()


def discord_titles(world: World, channel: Any) -> list[str]:
    bot = world.discord.bot_user.id
    return [
        e.get("title", "")
        for m in world.discord.channel_messages(channel)
        if m["author"]["id"] == bot
        for e in m.get("embeds", [])
        if "Pay the auditors" in str(e)
    ]


def telegram_posts(world: World) -> list[str]:
    posted = [
        m.plain or "" for m in world.telegram.messages(world.telegram.group.id, from_bot=True)
    ]
    return [p for p in posted if "Pay the auditors" in p]


async def test_a_governor_proposal_is_announced_step_by_step_once(
    world: World, chain: Anvil, governance: Governance
) -> None:
    general = world.discord.channel("#general")
    await world.on_discord("proposals announce", {"channel": general.id}, user="carol")
    await world.on_telegram(f"/proposals announce {world.telegram.group.id} all", user="bob")
    await poll(world)  # the treasury's cursor starts at the head
    alice, bob, carol = governance.voters
    auditor = chain.accounts[7].address

    proposal = governance.propose_transfer(alice, auditor, 5_000 * WHOLE, DESCRIPTION)
    await poll(world)
    assert discord_titles(world, general) == [STEPS[0] + ": Pay the auditors"]
    governance.open_voting(proposal)
    governance.vote(alice, proposal, FOR, "audits matter")
    governance.vote(bob, proposal, AGAINST)
    governance.vote(carol, proposal, ABSTAIN)
    await poll(world)
    governance.close_voting(proposal)
    await poll(world)
    governance.queue(proposal)
    await poll(world)
    governance.execute(proposal)
    await poll(world)
    # A second replica, or a restart that lost its cursor, reads the same range again.
    async with world.app.db.transaction() as session:
        cursor = await session.get(ChainCursor, "anvil")
        assert cursor is not None
        cursor.block = proposal.block - 1
    await poll(world)
    assert governance.balance(auditor) == 5_000 * WHOLE

    health = [h for h in await world.app.health.collect() if h.name == "governors"]
    assert health == [Health("governors", True, "1 on anvil")]
    titles = discord_titles(world, general)
    assert [t.split(":")[0] for t in titles] == STEPS, titles
    posts = telegram_posts(world)
    assert len(posts) == len(STEPS), posts
    for step, post in zip(STEPS, posts, strict=True):
        assert step in post
    closed = next(p for p in posts if "Vote closed" in p)
    assert "Passed: For 62 %" in closed  # 400,000 for, 250,000 against
    # Against does not count toward an OpenZeppelin quorum: 400,000 for + 100,000 abstain do.
    assert "500,000 of 70,000 (For and Abstain count): reached" in closed, closed
    async with world.app.db.read() as session:
        [row] = (await session.exec(select(GovernorProposal))).all()
    assert row.stage == "executed" and row.voters == 3 and row.title == "Pay the auditors"
    assert row.targets == [governance.token.address]
    assert row.calldatas == ["0x" + governance.transfer_call(auditor, 5_000 * WHOLE).hex()]
    async with world.app.db.read() as session:
        [passed] = (await session.exec(select(PassedProposalRow))).all()
        [ask] = (await session.exec(select(PayoutAskRow))).all()
    assert passed.key == row.key and passed.link == f"https://gov.example/proposal/{proposal.id}"
    assert passed.for_share is not None and round(passed.for_share, 3) == round(400 / 650, 3)
    assert (ask.recipient, ask.token, ask.amount, ask.raw) == (
        auditor,
        governance.token.address,
        "5000",
        str(5_000 * WHOLE),
    )


async def test_a_defeated_and_a_canceled_proposal_are_closed_and_never_recorded_as_passed(
    world: World, chain: Anvil, governance: Governance
) -> None:
    await world.on_telegram(f"/proposals announce {world.telegram.group.id} closed", user="bob")
    general = world.discord.channel("#general")
    await world.on_discord("proposals announce", {"channel": general.id}, user="carol")
    await poll(world)
    alice, bob, _ = governance.voters
    beaten = governance.propose_transfer(bob, bob.address, WHOLE, "# Pay the auditors twice")
    dropped = governance.propose_transfer(bob, bob.address, 2 * WHOLE, "# Pay the auditors thrice")
    governance.cancel(dropped)  # a proposer cancels while the vote is pending
    chain.mine(3)  # the range read next ends past its snapshot: still, it never opened
    governance.open_voting(beaten)
    governance.vote(alice, beaten, AGAINST, "no")
    await poll(world)
    governance.close_voting(beaten)
    await poll(world)
    posts = telegram_posts(world)
    assert len(posts) == 2, posts
    assert "Canceled" in posts[0] and "thrice" in posts[0]
    assert "Vote closed" in posts[1] and "Defeated: quorum not reached (For 0 %)" in posts[1]
    thrice = [t for t in discord_titles(world, general) if "thrice" in t]
    assert [t.split(":")[0] for t in thrice] == ["New proposal", "Canceled"], thrice
    assert "Voting is open: Pay the auditors twice" in discord_titles(world, general)
    async with world.app.db.read() as session:
        assert (await session.exec(select(PassedProposalRow))).all() == []
        stages = {r.title: r.stage for r in (await session.exec(select(GovernorProposal))).all()}
    assert stages == {"Pay the auditors twice": "closed", "Pay the auditors thrice": "canceled"}


async def test_members_whose_wallet_has_not_voted_are_reminded_once(
    world: World, governance: Governance
) -> None:
    alice, _, carol = governance.voters
    community = await community_id(world)
    members = {"alice": carol.address, "bob": alice.address}  # bob's wallet votes, alice's not
    async with world.app.db.transaction() as session:
        for user, address in members.items():
            member = world.discord.user(user).id
            session.add(
                WalletLink(
                    community_id=community, platform="discord", user_id=member, address=address
                )
            )
    for user in members:
        await world.on_discord("proposals remind", {"switch": "on"}, user=user)
    watch = world.app.runtimes["proposals"].governors
    await poll(world)
    proposal = governance.propose_transfer(alice, alice.address, WHOLE, DESCRIPTION)
    await poll(world)
    assert await watch.remind() == 0, "not open yet"
    governance.open_voting(proposal)
    governance.vote(alice, proposal, FOR)
    await poll(world)
    assert await watch.remind() == 1
    assert await watch.remind() == 0, "once per proposal"
    await world.app.outbox.drain()
    reminders = [
        e["title"] for m in world.discord.dm_messages("alice") for e in m.get("embeds", [])
    ]
    assert reminders == ["Vote reminder: Pay the auditors"]
    assert world.discord.dm_messages("bob") == []


async def test_a_governor_on_a_chain_the_treasury_does_not_poll_is_unhealthy(
    tmp_path: Path, db_url: str, chain: Anvil, governance: Governance
) -> None:
    anvil = {"chain_id": 31337, "rpc_url": chain.url, "poll_seconds": 3600}
    elsewhere = {"community": "local", "chain": "mainnet", "address": governance.address}
    settings = make_settings(
        tmp_path,
        db_url,
        treasury={"chains": {"anvil": anvil}},
        proposals={"governors": [elsewhere]},
    )
    async with running_app(settings) as app:
        health = [h for h in await app.health.collect() if h.name == "governors"]
        assert app.chain_logs.on("mainnet") and not app.chain_logs.on("anvil")
    assert health == [Health("governors", False, "not read: no [treasury.chains.mainnet]")]


def test_a_governor_address_with_a_wrong_checksum_is_refused() -> None:
    good = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
    assert GovernorConfig(community="c", chain="x", address=good.lower()).address == good
    with pytest.raises(ValidationError, match="EIP-55"):
        GovernorConfig(community="c", chain="x", address=good.replace("f", "F", 1))
