"""Following Snapshot: the fake hub changes between polls, and each event is announced exactly
once on Discord and Telegram; a passed vote reaches the payout book; members who opted in and
whose wallet has not voted get a reminder, and voters do not."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from bot.errors import UpstreamError
from bot.frontend import Health
from bot.storage.models import OutboxMessage
from cogs.onboarding.wallet_models import WalletLink
from cogs.proposals.payout_models import PassedProposalRow
from cogs.proposals.snapshot_follow import SnapshotFollower
from cogs.proposals.snapshot_hub import SnapshotHub
from cogs.proposals.vote_models import VoteReminderOptIn
from tests.fakes.snapshot import FakeSnapshot
from tests.proposals.votes_support import community_id
from tests.support.world import World, discord_text

DAY = 86400
VOTER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
NON_VOTER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
BODY = """## Budget

| Amount | Token | Recipient | Purpose |
|---|---|---|---|
| 5000 | USDC | 0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB | docs sprint |
"""


@pytest.fixture
async def hub() -> AsyncIterator[FakeSnapshot]:
    async with FakeSnapshot(now=time.time()) as fake:
        fake.add_space("dao.eth")
        yield fake


@pytest.fixture
def world_settings(hub: FakeSnapshot) -> dict[str, Any]:
    return {
        "proposals": {
            "snapshot": {"hub_url": hub.url, "spaces": {"test-dao": ["dao.eth"]}},
            # Polled by the test, not by the scheduler.
            "votes": {"poll_seconds": 3600},
        }
    }


async def poll(world: World, hub: FakeSnapshot) -> int:
    hub.now = time.time()
    added: int = await world.app.runtimes["proposals"].votes.snapshot.poll("test-dao")
    await world.app.outbox.drain()
    return added


def discord_titles(world: World, channel: str) -> list[str]:
    bot = world.discord.bot_user.id
    return [
        e.get("title", "")
        for m in world.discord.channel_messages(world.discord.channel(channel))
        if m["author"]["id"] == bot
        for e in m.get("embeds", [])
        if "Fund the docs sprint" in e.get("title", "")
    ]


def telegram_posts(world: World) -> list[str]:
    return [
        m.plain or ""
        for m in world.telegram.messages(world.telegram.group.id, from_bot=True)
        if "Fund the docs sprint" in (m.plain or "")
    ]


async def subscribe(world: World) -> None:
    alerts = world.discord.channel("#alerts")
    await world.on_discord("proposals announce", {"channel": alerts.id}, user="carol")
    await world.on_telegram(f"/proposals announce {world.telegram.group.id}", user="bob")


async def test_a_vote_is_announced_from_creation_to_result_once_each(
    world: World, hub: FakeSnapshot
) -> None:
    await subscribe(world)
    now = time.time()
    proposal = hub.add_proposal(
        "dao.eth",
        title="Fund the docs sprint",
        body=BODY,
        start=int(now + 3600),
        end=int(now + 3 * DAY),
        quorum=100.0,
    )
    assert await poll(world, hub) == 2  # created, on Discord and Telegram
    assert await poll(world, hub) == 0

    proposal["start"] = int(now - 60)  # voting opened
    hub.add_vote(proposal["id"], VOTER, choice=1, vp=80.0)
    assert await poll(world, hub) == 2
    proposal["end"] = int(now + 20 * 3600)  # within the last day
    assert await poll(world, hub) == 2
    assert await poll(world, hub) == 0

    hub.add_vote(proposal["id"], NON_VOTER, choice=2, vp=30.0)
    proposal["end"] = int(now - 60)
    hub.set_scores(proposal["id"], [80.0, 30.0, 0.0], final=True)
    assert await poll(world, hub) == 2
    assert await poll(world, hub) == 0

    titles = discord_titles(world, "#alerts")
    assert [t.split(":")[0] for t in titles] == [
        "New proposal",
        "Voting is open",
        "Voting ends soon",
        "Vote closed",
    ]
    assert len(telegram_posts(world)) == 4
    assert "Passed: For 73%" in telegram_posts(world)[-1]

    async with world.app.db.read() as session:
        passed = (await session.exec(select(PassedProposalRow))).all()
    assert [(p.key, p.title) for p in passed] == [
        (f"snapshot:{proposal['id']}", "Fund the docs sprint")
    ]

    listing = discord_text(await world.on_discord("proposals list", {"which": "closed"}))
    assert "Fund the docs sprint" in listing and "Passed: For 73%" in listing
    assert "No active proposal" in discord_text(await world.on_discord("proposals list"))


async def test_a_rejected_vote_is_not_a_passed_proposal(world: World, hub: FakeSnapshot) -> None:
    await subscribe(world)
    now = time.time()
    proposal = hub.add_proposal(
        "dao.eth", title="Fund the docs sprint", start=int(now - DAY), end=int(now - 60)
    )
    hub.add_vote(proposal["id"], VOTER, choice=2, vp=50.0)
    hub.set_scores(proposal["id"], [10.0, 50.0, 0.0], final=True)
    # Seen for the first time already closed: it was open at the previous poll's time...
    assert await poll(world, hub) == 0  # ...but a closed proposal never seen is not followed
    hub.set_state(proposal["id"], "active")
    proposal["end"] = int(now + DAY * 3)
    assert await poll(world, hub) == 4  # created and opened
    hub.set_state(proposal["id"], None)
    proposal["end"] = int(now - 60)
    assert await poll(world, hub) == 2
    assert "Not passed: Against 83%" in telegram_posts(world)[-1]
    async with world.app.db.read() as session:
        assert (await session.exec(select(PassedProposalRow))).all() == []


async def test_reminders_go_to_opted_in_members_whose_wallet_has_not_voted(
    world: World, hub: FakeSnapshot
) -> None:
    community = await community_id(world)
    alice, bob = world.discord.user("alice"), world.discord.user("bob")
    async with world.app.db.transaction() as session:
        session.add(
            WalletLink(
                community_id=community, platform="discord", user_id=alice.id, address=NON_VOTER
            )
        )
        session.add(
            WalletLink(community_id=community, platform="discord", user_id=bob.id, address=VOTER)
        )
    for user in ("alice", "bob"):
        done = await world.on_discord("proposals remind", {"switch": "on"}, user=user)
        assert "direct message before a vote ends" in str(done.messages())
    now = time.time()
    proposal = hub.add_proposal(
        "dao.eth", title="Fund the docs sprint", start=int(now - DAY), end=int(now + 3 * DAY)
    )
    hub.add_vote(proposal["id"], VOTER, choice=1, vp=10.0)
    await poll(world, hub)
    assert world.discord.dm_messages("alice") == []

    proposal["end"] = int(now + 6 * 3600)
    await poll(world, hub)
    await poll(world, hub)
    reminders = [
        e["title"] for m in world.discord.dm_messages("alice") for e in m.get("embeds", [])
    ]
    assert reminders == ["Vote reminder: Fund the docs sprint"]
    assert world.discord.dm_messages("bob") == []

    # /forget takes alice's opt-in and the reminders kept for her with the rest.
    await world.on_discord("forget", {"confirm": "confirm"}, user="alice")
    async with world.app.db.read() as session:
        opted = (await session.exec(select(VoteReminderOptIn.user_id))).all()
        kept = (await session.exec(select(OutboxMessage.destination))).all()
    assert opted == [bob.id]
    assert f"dm:{alice.id}" not in kept


async def test_two_replicas_polling_at_once_announce_each_event_once(
    world: World, hub: FakeSnapshot
) -> None:
    await subscribe(world)
    now = time.time()
    hub.add_proposal(
        "dao.eth", title="Fund the docs sprint", start=int(now - 60), end=int(now + 3 * DAY)
    )
    proposals = world.app.runtimes["proposals"]
    # Two followers over the same database, as two processes (or one restarted) would run.
    replicas = [SnapshotFollower(proposals, SnapshotHub(world.app.http)) for _ in range(2)]
    for _ in range(3):
        await asyncio.gather(*(r.poll("test-dao") for r in replicas), return_exceptions=True)
    await world.app.outbox.drain()
    titles = discord_titles(world, "#alerts")
    assert [t.split(":")[0] for t in titles] == ["New proposal", "Voting is open"]
    assert len(telegram_posts(world)) == 2
    keyboard = world.telegram.messages(world.telegram.group.id, from_bot=True)[-1].reply_markup
    labels = [b["text"] for row in (keyboard or {})["inline_keyboard"] for b in row]
    assert labels == ["Open the proposal", "Vote For", "Vote Against", "Vote Abstain"]


async def test_the_health_report_says_when_the_hub_cannot_be_polled(
    world: World, hub: FakeSnapshot
) -> None:
    def snapshot_health(checks: list[Health]) -> Health:
        return next(c for c in checks if c.name == "snapshot test-dao")

    assert snapshot_health(await world.app.health.collect()).detail == "dao.eth: not polled yet"
    await poll(world, hub)
    assert snapshot_health(await world.app.health.collect()).ok
    await hub.stop()
    with pytest.raises(UpstreamError):
        await poll(world, hub)
    failing = snapshot_health(await world.app.health.collect())
    assert not failing.ok and "last poll failed" in failing.detail
