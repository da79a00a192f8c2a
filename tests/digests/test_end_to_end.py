"""Digests end to end: every feature's data ingested through its protocol fakes (a Discourse
forum, a Safe on anvil with the Safe Transaction Service, a Snapshot hub, members onboarded and
a wallet proved on Discord, chat in Discord and Telegram), a steward subscribed by DM on Discord
and a channel on Telegram; the clock passes the scheduled time, the due job runs, and each
digest arrives exactly once with its sections in order, their links, the full digest.md and a
PNG chart whose series are the data's.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from PIL import Image
from sqlmodel import col, func, select

from bot.adapters.console import ConsoleFrontEnd
from bot.commands.reply import reply_from_data
from bot.storage.models import OutboxMessage
from cogs.debates.models import ModelUsage, Post, Source, Thread
from cogs.digests.schedule import Period
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.safe_service import FakeSafeTransactionService
from tests.fakes.snapshot import FakeSnapshot
from tests.fakes.telegram_server import FakeTelegram
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock
from tests.support.frontends import discord_frontend, telegram_frontend
from tests.support.safes import SafeContracts, SafeDriver
from tests.support.signing import personal_sign, sign_in_message
from tests.support.treasury import new_safe
from tests.support.world import World, discord_text

TX_KEY = "test-jwt"
SPACE = "dao.eth"
BERLIN = ZoneInfo("Europe/Berlin")
HOT_TOPIC = "Fund the docs sprint from the treasury"


@dataclass
class Fakes:
    forum: Forum
    discourse: FakeDiscourse
    safe_service: FakeSafeTransactionService
    hub: FakeSnapshot
    model: FakeOpenAI


@dataclass
class Digesting(World):
    clock: ManualClock
    fakes: Fakes
    safe: SafeDriver
    chain: Anvil
    community_id: int

    async def run_due(self) -> None:
        """The leader's job, as the scheduler runs it, then delivery of what it stored."""
        await self.app.scheduler.run_now("digests.due")
        await self.app.outbox.drain()

    async def digest_rows(self) -> list[OutboxMessage]:
        async with self.app.db.read() as session:
            query = (
                select(OutboxMessage)
                .where(col(OutboxMessage.key).startswith("digest:"))
                .order_by(col(OutboxMessage.id))
            )
            return list((await session.exec(query)).all())


@pytest.fixture
async def fakes(chain: Anvil) -> AsyncIterator[Fakes]:
    now = datetime.now(UTC)  # anvil stamps blocks with the real time: everything else follows
    forum = generate_forum(0, topics=3, debate_posts=0, now=now - timedelta(days=3))
    discourse = FakeDiscourse(forum, limits=RateLimits.off())
    await discourse.start()
    try:
        async with (
            FakeSafeTransactionService(31337, api_key=TX_KEY, rpc_url=chain.url) as safe_service,
            FakeSnapshot(now=time.time()) as hub,
            FakeOpenAI(api_key="test") as model,
        ):
            hub.add_space(SPACE)
            yield Fakes(forum, discourse, safe_service, hub, model)
    finally:
        await discourse.stop()


def settings_of(
    tmp_path: Path, db_url: str, fakes: Fakes, chain: Anvil, guild: str, group: str, alice: str
) -> Any:
    return make_settings(
        tmp_path,
        db_url,
        environ={"TEST_TX_SERVICE_KEY": TX_KEY},
        communities=[
            {
                "slug": "test-dao",
                "name": "Test DAO",
                "discord_guild_ids": [guild],
                "telegram_chat_ids": [group],
                "stewards": [f"discord:{alice}"],
            }
        ],
        llm={"api_key": "test", "base_url": fakes.model.base_url},
        debates={
            "forums": [
                {"url": fakes.discourse.base_url, "community": "test-dao", "sync_minutes": 600}
            ]
        },
        treasury={
            "chains": {
                "anvil": {
                    "chain_id": 31337,
                    "rpc_url": chain.url,
                    "confirmations": 0,
                    "poll_seconds": 3600,
                    "tx_service_url": fakes.safe_service.base_url,
                    "tx_service_api_key_env": "TEST_TX_SERVICE_KEY",
                }
            }
        },
        proposals={
            "snapshot": {"hub_url": fakes.hub.url, "spaces": {"test-dao": [SPACE]}},
            "votes": {"poll_seconds": 3600},
        },
        onboarding={"chain": {"chain_id": 31337, "rpc_url": chain.url}},
        digests={"check_seconds": 3600},
    )


@pytest.fixture
async def digesting(
    tmp_path: Path, db_url: str, fakes: Fakes, chain: Anvil, safe_contracts: SafeContracts
) -> AsyncIterator[Digesting]:
    clock = ManualClock(datetime.now(UTC))
    safe = new_safe(chain, safe_contracts)
    async with FakeDiscord() as discord_fake:
        telegram_fake = FakeTelegram()
        await telegram_fake.start()
        telegram_fake.set_member_status(telegram_fake.group, telegram_fake.carol, "creator")
        alice = discord_fake.user("alice").id
        settings = settings_of(
            tmp_path,
            db_url,
            fakes,
            chain,
            discord_fake.guild.id,
            str(telegram_fake.group.id),
            alice,
        )
        try:
            async with running_app(settings, clock=clock) as app:
                console_out = io.StringIO()
                app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out))
                community = await app.communities.by_slug("test-dao")
                assert community is not None
                async with (
                    discord_frontend(app, discord_fake) as discord_bot,
                    telegram_frontend(app, telegram_fake) as telegram_bot,
                ):
                    yield Digesting(
                        app,
                        discord_fake,
                        telegram_fake,
                        discord_bot,
                        telegram_bot,
                        console_out,
                        clock=clock,
                        fakes=fakes,
                        safe=safe,
                        chain=chain,
                        community_id=community.id,
                    )
        finally:
            await telegram_fake.stop()
    assert discord_fake.unhandled == [] and telegram_fake.unhandled == []


# Ingesting, each feature through its fakes ------------------------------------------------------


async def onboard(world: Digesting) -> str:
    """alice proves the wallet of the Safe's first owner on Discord; bob onboards there with his
    skills. Returns alice's address."""
    owner = world.chain.accounts[1]
    issued = await world.on_discord("verify wallet", {"address": owner.address}, user="alice")
    message = sign_in_message(discord_text(issued))
    signature = personal_sign(owner, message)
    verified = await world.on_discord("verify signature", {"signature": signature}, user="alice")
    assert "Wallet verified" in discord_text(verified)
    first = await world.on_discord("onboard", {}, user="bob")
    assert "step 1 of 7" in discord_text(first)
    for value in ["Bob Builder", "solidity, design", "UTC", "10", "bob-b", "audits", "yes"]:
        await world.on_discord("onboard", {"action": "answer", "value": value}, user="bob")
    return str(owner.address)


async def discuss(world: Digesting) -> int:
    """A hot topic on the forum written in the last hour, synced as the scheduled job does; a
    few messages in the Telegram group. Returns the topic's id."""
    forum = world.fakes.forum
    forum.now = world.clock.now() - timedelta(hours=1)
    topic = forum.add_topic(HOT_TOPIC, replies=24)
    forum.now = world.clock.now()
    await world.app.scheduler.run_now("debates.forum-sync")
    for n, user in enumerate(["alice", "bob", "carol", "alice"]):
        world.telegram.send_text(world.telegram.group.id, user, f"Docs sprint budget, point {n}")
    debates = world.app.runtimes["debates"]
    for _ in range(200):
        await debates.ingest.flush()
        if await chat_posts(world) == 4:
            break
        await asyncio.sleep(0.02)
    assert await chat_posts(world) == 4
    return topic.id


async def chat_posts(world: Digesting) -> int:
    async with world.app.db.read() as session:
        query = (
            select(func.count(col(Post.id)))
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .join(Source, col(Source.id) == col(Thread.source_id))
            .where(Source.kind == "telegram")
        )
        return int((await session.exec(query)).one())


async def move_money(world: Digesting, alice: str) -> str:
    """The Safe is watched; 1 ETH comes in and 0.1 ETH goes out on anvil; a payout waits for
    alice's signature in the Transaction Service (bob signed). Returns its safeTxHash."""
    alerts = world.discord.channel("#alerts")
    await world.on_discord(
        "config set", {"key": "alert_channel", "value": f"<#{alerts.id}>"}, user="carol"
    )
    await world.on_discord(
        "safe watch",
        {"address": world.safe.address, "chain": "anvil", "name": "Treasury"},
        user="carol",
    )
    treasury = world.app.runtimes["treasury"]
    await treasury.run_chain("anvil")  # the cursor starts at the head
    world.safe.fund_eth(10**18)
    world.safe.send_eth(world.chain.accounts[6].address, 10**17)
    await treasury.run_chain("anvil")
    service = world.fakes.safe_service
    await service.sync(world.safe.address)
    bob = world.chain.accounts[2]
    safe_tx = world.safe.build(world.chain.accounts[7].address, 2 * 10**16)
    safe_tx_hash = "0x" + safe_tx.safe_tx_hash.hex()
    await post_json(
        f"{service.base_url}/api/v1/safes/{world.safe.address}/multisig-transactions/",
        {
            "to": world.chain.accounts[7].address,
            "value": str(2 * 10**16),
            "data": None,
            "operation": 0,
            "safeTxGas": "0",
            "baseGas": "0",
            "gasPrice": "0",
            "gasToken": "0x0000000000000000000000000000000000000000",
            "refundReceiver": "0x0000000000000000000000000000000000000000",
            "nonce": safe_tx.safe_nonce,
            "contractTransactionHash": safe_tx_hash,
            "sender": bob.address,
            "signature": "0x" + world.safe.sign(safe_tx, bob).hex(),
        },
    )
    assert alice in world.safe.owners() and alice != bob.address
    await treasury.queue_watch.poll("anvil", world.safe.address)
    return safe_tx_hash


async def post_json(url: str, body: dict[str, Any]) -> None:
    headers = {"Authorization": f"Bearer {TX_KEY}"}
    async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as got:
        assert got.status == 201, await got.text()


async def vote(world: Digesting, alice: str) -> tuple[dict[str, Any], ...]:
    """On Snapshot: a vote opened two hours ago and ending in 30 hours that alice's wallet has
    not cast (someone else did), one ending in five days that she cast, and one that closed
    three hours ago, followed while it was open; polled and its votes recorded as the jobs
    do."""
    hub = world.fakes.hub
    now = time.time()
    closed = hub.add_proposal(
        SPACE, title="Adopt the grants charter", start=int(now - 4 * 86400), end=int(now - 3 * 3600)
    )
    open_vote = hub.add_proposal(
        SPACE, title="Renew the audit budget", start=int(now - 2 * 3600), end=int(now + 30 * 3600)
    )
    later = hub.add_proposal(
        SPACE, title="Elect the security council", start=int(now - 3600), end=int(now + 5 * 86400)
    )
    voter = world.chain.accounts[8].address
    hub.add_vote(later["id"], alice, choice=2, vp=50.0)
    hub.add_vote(closed["id"], voter, choice=1, vp=700.0)
    hub.add_vote(open_vote["id"], voter, choice=1, vp=300.0)
    proposals = world.app.runtimes["proposals"]
    hub.now = now - 4 * 3600  # the charter's vote still open
    await proposals.votes.snapshot.poll("test-dao")
    hub.now = now
    hub.set_scores(closed["id"], [700.0, 200.0, 0.0], final=True)
    await proposals.votes.snapshot.poll("test-dao")
    await proposals.digest_votes.record("test-dao")
    return open_vote, later, closed


async def model_calls(world: Digesting, command: str) -> int:
    async with world.app.db.read() as session:
        query = select(func.sum(col(ModelUsage.calls))).where(ModelUsage.command == command)
        return int((await session.exec(query)).one() or 0)


def alice_id(world: Digesting) -> str:
    return str(world.discord.user("alice").id)


# The test -----------------------------------------------------------------------------------


def slot_after(moment: datetime) -> datetime:
    """A whole hour between 30 and 90 minutes ahead: everything made in the last 22 hours is
    inside the period that ends there."""
    return (moment + timedelta(minutes=90)).replace(minute=0, second=0, microsecond=0)


async def test_each_digest_is_delivered_once_with_every_section_and_its_chart(
    digesting: Digesting,
) -> None:
    world = digesting
    alice = await onboard(world)
    topic_id = await discuss(world)
    safe_tx_hash = await move_money(world, alice)
    open_vote, later, closed = await vote(world, alice)

    slot = slot_after(world.clock.now())
    local = slot.astimezone(BERLIN)
    subscribed = await world.on_discord(
        "digest schedule",
        {"cadence": "daily", "time": f"{local:%H:%M}", "timezone": "Europe/Berlin"},
        user="alice",
    )
    assert "Digests" in discord_text(subscribed)
    group = world.telegram.group.id
    await world.on_telegram(f"/digest channel {group}", user="carol")
    await world.on_telegram(
        f"/digest schedule daily {slot:%H:%M} timezone=UTC channel={group}",
        user="carol",
        private=True,  # schedule replies are private: Telegram's are in a DM
    )

    world.clock.current = slot - timedelta(minutes=1)
    await world.run_due()
    assert world.discord.dm_messages("alice") == []

    world.clock.current = slot + timedelta(minutes=1)
    await world.run_due()
    await world.run_due()  # nothing is due twice
    [dm] = world.discord.dm_messages("alice")
    rows = await world.digest_rows()
    assert len(rows) == 2 and all(r.state == "delivered" for r in rows)

    # Sections in priority order, each item linking to its source.
    [embed] = dm["embeds"]
    sections = {f["name"].split(" (")[0]: f["value"] for f in embed["fields"]}
    order = ["Needs you now", "Debates", "Votes", "Treasury", "People", "Coming up"]
    assert list(sections) == order
    needs = sections["Needs you now"]
    assert "Renew the audit budget" in needs and f"proposal/{open_vote['id']})" in needs
    assert f"multisig_{world.safe.address}_{safe_tx_hash})" in needs
    forum = world.fakes.discourse.base_url
    assert f"({forum}/t/fund-the-docs-sprint-from-the-treasury/{topic_id})" in sections["Debates"]
    assert "Adopt the grants charter" in sections["Votes"] and closed["id"] in sections["Votes"]
    assert f"history?safe={world.safe.address})" in sections["Treasury"]
    assert "+1 in, −0.1 out" in sections["Treasury"]
    bob = world.discord.user("bob").id
    assert f"[Bob Builder](https://discord.com/users/{bob})" in sections["People"]
    assert f"proposal/{later['id']})" in sections["Coming up"]

    # One model call per debate shown, paid once: the channel's digest reused the summaries,
    # and /usage counts them under "digest".
    debates_shown = sections["Debates"].count("\n") + 1
    assert debates_shown == 2
    assert len([r for r in world.fakes.model.requests if r.status == 200]) == debates_shown
    assert await model_calls(world, "digest") == debates_shown

    # The chart draws the digest's series: they are the data's.
    digests = world.app.runtimes["digests"]
    reader = await digests.builder.reader(world.community_id, "discord", alice_id(world))
    assert reader.addresses == (alice,)
    built = await digests.builder.build(
        world.community_id, reader, "Europe/Berlin", Period(slot - timedelta(days=1), slot)
    )
    activity = {s.label: sum(v for _, v in s.points) for s in built.digest.series("activity")}
    forum_host = world.fakes.discourse.base_url.split("://", 1)[1]
    assert activity == {forum_host: 25.0, "Telegram Test DAO": 4.0}
    [flows] = built.digest.series("flows")
    assert flows.unit == "ETH"
    assert sorted(v for _, v in flows.points) == [-0.1, 1.0]

    # The full version and the chart: the files the DM carries are the stored digest's.
    [dm_row] = [r for r in rows if r.destination.startswith("dm:")]
    reply = reply_from_data(dm_row.reply)
    files = {a.filename: a.data for a in reply.files}
    assert set(files) == {"digest.md", "activity.png"}
    markdown = files["digest.md"].decode()
    headings = [line[3:].split(" (")[0] for line in markdown.splitlines() if line[:3] == "## "]
    assert headings == order
    assert HOT_TOPIC in markdown and safe_tx_hash in markdown
    with Image.open(io.BytesIO(files["activity.png"])) as image:
        assert image.format == "PNG" and image.width > 200
    uploaded = {a["filename"]: a for a in dm.get("attachments", [])}
    assert {name: uploaded[name]["size"] for name in files} == {
        name: len(data) for name, data in files.items()
    }

    # The channel on Telegram, once: no "Needs you now" (a channel has no wallet); its files.
    posts = world.telegram.messages(group, from_bot=True)
    [message] = [m for m in posts if "Digest for Test DAO" in (m.plain or "")]
    assert "Needs you now" not in (message.plain or "") and HOT_TOPIC in (message.plain or "")
    uploads = {m.file.filename: m.file.data for m in posts if m.file is not None}
    [md] = [m for m in posts if m.file is not None and m.file.filename == "digest.md"]
    assert md.file is not None and b"Needs you now" not in md.file.data
    assert HOT_TOPIC.encode() in md.file.data
    with Image.open(io.BytesIO(uploads["activity.png"])) as image:
        assert image.format == "PNG"
