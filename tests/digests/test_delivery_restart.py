"""Exactly once when the bot stops mid-delivery or two processes check at the same moment:
the same app started again (or twice) on one database, with a clock the test sets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import col, select

from bot.app import App
from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Section
from bot.storage.models import OutboxMessage
from cogs.digests.runtime import Digests
from cogs.digests.schedule import Cadence, make_schedule
from cogs.digests.subscriptions import Target
from tests.digests.support import leading
from tests.fakes.discord_server import FakeDiscord
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock
from tests.support.frontends import discord_frontend

SUBSCRIBED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DUE = datetime(2026, 12, 2, 9, 0, 5, tzinfo=UTC)


@dataclass
class Gate:
    """A digest source that holds every build until `expected` builds are waiting (or until
    `release` is set): builds that overlap for sure."""

    expected: int = 2
    name: str = "gate"
    arrived: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)
    first: asyncio.Event = field(default_factory=asyncio.Event)

    async def digest_part(self, request: DigestRequest) -> DigestPart:
        self.arrived += 1
        self.first.set()
        if self.arrived >= self.expected:
            self.release.set()
        await self.release.wait()
        item = DigestItem(Section.VOTES, "The budget vote closed: passed.", key="vote")
        return DigestPart(self.name, items=(item,))


@asynccontextmanager
async def bot(
    tmp_path: Path,
    db_url: str,
    fake: FakeDiscord,
    clock: ManualClock,
    *,
    discord: bool = True,
    lead: bool = True,
) -> AsyncIterator[App]:
    community = {"slug": "test-dao", "name": "Test DAO", "discord_guild_ids": [fake.guild.id]}
    settings = make_settings(tmp_path, db_url, communities=[community])
    async with running_app(settings, clock=clock) as app:
        if lead:
            await leading(app)
        if not discord:
            yield app
            return
        async with discord_frontend(app, fake):
            yield app


def digests(app: App) -> Digests:
    runtime = app.runtimes["digests"]
    assert isinstance(runtime, Digests)
    return runtime


async def subscribe_alice(app: App, fake: FakeDiscord) -> None:
    found = await app.communities.by_slug("test-dao")
    assert found is not None
    target = Target(found.id, "discord", "member", fake.user("alice").id)
    schedule = make_schedule(Cadence.DAILY, "09:00", None, "UTC")
    await digests(app).subscriptions.subscribe(target, schedule, "test")


async def outbox_rows(app: App) -> list[OutboxMessage]:
    async with app.db.read() as session:
        query = select(OutboxMessage).order_by(col(OutboxMessage.id))
        return list((await session.exec(query)).all())


async def test_a_bot_stopped_while_building_sends_the_digest_once_after_the_restart(
    tmp_path: Path, db_url: str
) -> None:
    clock = ManualClock(SUBSCRIBED)
    async with FakeDiscord() as fake:
        async with bot(tmp_path, db_url, fake, clock, discord=False) as app:
            await subscribe_alice(app, fake)
            stuck = Gate(expected=99)
            app.digest_parts.register(stuck)
            clock.current = DUE
            # The process dies while the digest is being built: the job is cancelled mid-way.
            job = asyncio.create_task(app.scheduler.run_now("digests.due"))
            await asyncio.wait_for(stuck.first.wait(), 10)
            job.cancel()
            await asyncio.gather(job, return_exceptions=True)
            assert await outbox_rows(app) == []

        # Started again, before the digest was stored: built and stored once, delivered once.
        async with bot(tmp_path, db_url, fake, clock, discord=False) as app:
            app.digest_parts.register(Gate(expected=1))
            await app.scheduler.run_now("digests.due")
            await app.scheduler.run_now("digests.due")
            [row] = await outbox_rows(app)
            assert row.state == "pending"  # stored; Discord is not connected in this run

        # Stopped after storing, before posting: the next start posts it, once.
        async with bot(tmp_path, db_url, fake, clock) as app:
            app.digest_parts.register(Gate(expected=1))
            await app.scheduler.run_now("digests.due")
            await app.outbox.drain()
            [row] = await outbox_rows(app)
            assert row.state == "delivered"
            assert row.key.startswith("digest:1:2026-12-02T09:00:00Z|discord:dm:")
        [message] = fake.dm_messages("alice")
        assert "The budget vote closed: passed." in str(message.get("embeds"))


async def test_two_processes_checking_at_the_same_moment_store_one_digest(
    tmp_path: Path, db_url: str
) -> None:
    clock = ManualClock(SUBSCRIBED)
    gate = Gate(expected=2)
    async with FakeDiscord() as fake:
        async with (
            bot(tmp_path / "one", db_url, fake, clock) as one,
            bot(tmp_path / "two", db_url, fake, clock, discord=False, lead=False) as two,
        ):
            await subscribe_alice(one, fake)
            one.digest_parts.register(gate)
            two.digest_parts.register(gate)
            clock.current = DUE
            # Both build the same period side by side (the gate opens once both wait in it);
            # then both try to store it. (Called directly: only one of them leads.)
            rounds = await asyncio.gather(
                digests(one).due.deliver_due(), digests(two).due.deliver_due()
            )
            assert sorted(len(r.sent) for r in rounds) == [0, 1]
            assert sorted(r.lost for r in rounds) == [0, 1]
            await one.outbox.drain()
            [row] = await outbox_rows(one)
            assert row.state == "delivered"
        assert len(fake.dm_messages("alice")) == 1
