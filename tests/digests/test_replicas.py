"""Two real `steward run` processes on one PostgreSQL database: a digest that falls due is
posted once, and the standby that takes over when the leader dies does not post it again."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.storage.database import Database
from bot.storage.models import OutboxMessage
from cogs.digests.models import CHANNEL, DigestSubscription
from tests.support.apps import make_settings, running_app
from tests.support.databases import database_url
from tests.support.processes import Steward, Stewards

LEADS = "this process now leads scheduled work"


async def until(check: Callable[[], bool], what: str, within: float = 20.0) -> None:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"no {what} after {within} s")
        await asyncio.sleep(0.05)


def digest_posts(replicas: list[Steward]) -> list[str]:
    return [block for r in replicas for block in r.posts() if "[posted to #local]" in block]


async def digest_rows(url: str) -> list[OutboxMessage]:
    db = Database(url)
    try:
        async with db.read() as session:
            query = select(OutboxMessage).where(col(OutboxMessage.key).startswith("digest:"))
            return list((await session.exec(query)).all())
    finally:
        await db.close()


async def test_two_processes_post_a_due_digest_once(tmp_path: Path) -> None:
    async with database_url("postgresql", tmp_path) as url:
        # The console's channel subscribed two days ago, daily at the hour before now: one
        # period (a catch-up of two slots) is due as soon as a process leads.
        now = datetime.now(UTC)
        slot = (now - timedelta(hours=1)).replace(second=0, microsecond=0)
        async with running_app(make_settings(tmp_path, url)) as app:
            local = await app.communities.by_slug("local")
            assert local is not None
            async with app.db.transaction() as session:
                session.add(
                    DigestSubscription(
                        community_id=local.id,
                        platform="console",
                        kind=CHANNEL,
                        target_id="local",
                        cadence="daily",
                        at=f"{slot:%H:%M}",
                        timezone="UTC",
                        last_period_end=slot - timedelta(days=2),
                        schedule_from=slot - timedelta(days=2),
                        created_by="test",
                    )
                )
        config = {
            "data_dir": str(tmp_path / "data"),
            "log": {"format": "json"},
            "database": {"url": url},
            "console": {"enabled": "on"},
            "leader": {"check_seconds": 1.0},
            "http": {"allow_private": ["127.0.0.1"]},
            "digests": {"check_seconds": 0.5},
        }
        with Stewards(tmp_path / "run") as group:
            replicas = [group.new("one", config), group.new("two", config)]
            for replica in replicas:
                replica.start()
            await until(lambda: any(r.logged(LEADS) for r in replicas), "leader", 30)
            await until(lambda: bool(digest_posts(replicas)), "digest post", 30)
            # Killed only once the post is marked delivered (a console post carries no nonce
            # that would let a platform recognise it again: that is the outbox's own test).
            deadline = time.monotonic() + 10
            while [row.state for row in await digest_rows(url)] != ["delivered"]:
                assert time.monotonic() < deadline, "the digest was not marked delivered"
                await asyncio.sleep(0.05)
            [leader] = [r for r in replicas if r.logged(LEADS)]
            [standby] = [r for r in replicas if r is not leader]

            leader.kill()
            await standby.wait_for(lambda: standby.logged(LEADS), "take-over", 20)
            await asyncio.sleep(3.0)  # several checks of the new leader
            assert await standby.stop() == 0

        rows = await digest_rows(url)
    [post] = digest_posts(replicas)
    assert "Local community" in post
    [row] = rows
    assert row.state == "delivered" and row.platform == "console"
    assert row.key.startswith(f"digest:1:{slot:%Y-%m-%dT%H:%M}:00Z|console:channel:local")
