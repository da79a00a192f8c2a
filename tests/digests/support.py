"""The digests tests' world: the real app with Discord, Telegram and the console on their fakes,
a clock the test sets, and a tiny digest source (a real object) that gives content."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Section
from bot.storage.models import OutboxMessage
from cogs.digests.models import DigestDelivery, DigestSubscription
from cogs.digests.runtime import Digests
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock
from tests.support.frontends import dao_on_both, discord_frontend, telegram_frontend
from tests.support.world import World

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@dataclass
class Notes:
    """A digest source with notes the test adds: each shows in the periods it falls in."""

    name: str = "notes"
    notes: list[tuple[datetime, str]] = field(default_factory=list)
    requests: list[DigestRequest] = field(default_factory=list)

    def add(self, at: datetime, text: str) -> None:
        self.notes.append((at, text))

    async def digest_part(self, request: DigestRequest) -> DigestPart:
        self.requests.append(request)
        items = tuple(
            DigestItem(Section.DEBATES, text, url=f"https://forum.test/{i}", at=at, key=f"n{i}")
            for i, (at, text) in enumerate(self.notes)
            if request.start <= at < request.end
        )
        return DigestPart(self.name, items=items)


@dataclass
class DigestWorld(World):
    clock: ManualClock = field(default_factory=ManualClock)
    notes: Notes = field(default_factory=Notes)
    community_id: int = 0

    @property
    def digests(self) -> Digests:
        runtime = self.app.runtimes["digests"]
        assert isinstance(runtime, Digests)
        return runtime

    async def run_due(self) -> None:
        """The leader's job, as the scheduler runs it, then delivery of what it stored."""
        await self.app.scheduler.run_now("digests.due")
        await self.app.outbox.drain()

    async def subscriptions(self) -> list[DigestSubscription]:
        async with self.app.db.read() as session:
            query = select(DigestSubscription).order_by(col(DigestSubscription.id))
            return list((await session.exec(query)).all())

    async def deliveries(self) -> list[DigestDelivery]:
        async with self.app.db.read() as session:
            query = select(DigestDelivery).order_by(col(DigestDelivery.id))
            return list((await session.exec(query)).all())

    async def digest_rows(self) -> list[OutboxMessage]:
        async with self.app.db.read() as session:
            query = (
                select(OutboxMessage)
                .where(col(OutboxMessage.key).startswith("digest:"))
                .order_by(col(OutboxMessage.id))
            )
            return list((await session.exec(query)).all())


async def leading(app: App) -> None:
    """Scheduled jobs run only in the leading process: wait until this one leads."""
    for _ in range(500):
        if app.leadership.is_leader:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the app never became the leader")


def texts(messages: list[dict[str, Any]]) -> str:
    """Everything a Discord message shows, as text: content, embeds, attachment names."""
    parts = []
    for message in messages:
        parts.append(message.get("content") or "")
        for embed in message.get("embeds", []):
            parts += [embed.get("title", ""), embed.get("description", "")]
            parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
            parts.append((embed.get("footer") or {}).get("text", ""))
    return "\n".join(parts)


@pytest.fixture
async def dworld(tmp_path: Path, db_url: str) -> AsyncIterator[DigestWorld]:
    clock = ManualClock(START)
    async with FakeDiscord() as discord_fake:
        telegram_fake = FakeTelegram()
        community = dao_on_both(discord_fake, telegram_fake)
        settings = make_settings(tmp_path, db_url, communities=[community])
        await telegram_fake.start()
        group = telegram_fake.group
        telegram_fake.set_member_status(group, telegram_fake.alice, "member")
        telegram_fake.set_member_status(group, telegram_fake.carol, "creator")
        try:
            async with running_app(settings, clock=clock) as app:
                console_out = io.StringIO()
                app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out))
                await leading(app)
                notes = Notes()
                app.digest_parts.register(notes)
                found = await app.communities.by_slug("test-dao")
                assert found is not None
                async with (
                    discord_frontend(app, discord_fake) as discord_bot,
                    telegram_frontend(app, telegram_fake) as telegram_bot,
                ):
                    general = f"<#{discord_fake.channel('#general').id}>"
                    await app.communities.set(found.id, "steward_channel", general, "discord", "t")
                    yield DigestWorld(
                        app,
                        discord_fake,
                        telegram_fake,
                        discord_bot,
                        telegram_bot,
                        console_out,
                        clock=clock,
                        notes=notes,
                        community_id=found.id,
                    )
        finally:
            await telegram_fake.stop()
    assert discord_fake.unhandled == [] and telegram_fake.unhandled == []
