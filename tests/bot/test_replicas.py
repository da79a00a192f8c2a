"""Replicas on one PostgreSQL database: one leader runs scheduled work, a standby takes over when
it dies, and whatever either of them stores is posted once."""

from __future__ import annotations

import asyncio
import io
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.adapters.console import ConsoleFrontEnd
from bot.commands.options import ChannelRef
from bot.commands.reply import Reply
from bot.leader import LEADER_LOCK, Leadership
from bot.locks import advisory_key
from bot.outbox import ToChannel
from bot.scheduling import Scheduler
from bot.storage.database import Database
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.databases import database_url, postgres_admin_url
from tests.support.processes import Steward, Stewards
from tests.support.safes import SafeContracts
from tests.support.treasury import new_safe, watching

LEADS = "this process now leads scheduled work"
CHECK_SECONDS = 1.0
POLL_SECONDS = 0.5


@asynccontextmanager
async def postgres_schema(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """A fresh schema on the test PostgreSQL: (database URL, schema name)."""
    async with database_url("postgresql", tmp_path) as url:
        match = re.search(r"search_path%3D(\w+)", url)
        assert match is not None
        yield url, match.group(1)


@pytest.fixture
async def pg_url(tmp_path: Path) -> AsyncIterator[str]:
    async with postgres_schema(tmp_path) as (url, _schema):
        yield url


async def sql(query: str, *params: Any, url: str | None = None) -> list[tuple[Any, ...]]:
    """One statement through psycopg; `url` with a search_path reaches a test's schema."""
    async with await psycopg.AsyncConnection.connect(
        url or postgres_admin_url(), autocommit=True
    ) as db:
        cursor = await db.execute(query, params)
        return await cursor.fetchall() if cursor.description else []


async def lock_holders(key: int) -> list[tuple[int, str]]:
    """(backend pid, state) of the sessions holding an advisory lock of this database."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return [
        (int(pid), str(state))
        for pid, state in await sql(
            "SELECT l.pid, a.state FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
            " AND l.classid = %s AND l.objid = %s"
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            unsigned >> 32,
            unsigned & 0xFFFF_FFFF,
        )
    ]


async def until(check: Callable[[], bool], what: str, within: float = 5.0) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"no {what} after {within} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


# Two real processes --------------------------------------------------------------------------


async def test_two_processes_post_each_alert_once_and_the_standby_takes_over(
    tmp_path: Path, pg_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    # The local community watches the Safe, from the chain's current head on.
    async with watching(tmp_path, pg_url, chain.url, safe):
        pass
    anvil = {"chain_id": 31337, "rpc_url": chain.url, "confirmations": 0}
    config = {
        "data_dir": str(tmp_path / "data"),
        "log": {"format": "json"},
        "database": {"url": pg_url},
        "console": {"enabled": "on"},
        "leader": {"check_seconds": CHECK_SECONDS},
        "http": {"allow_private": ["127.0.0.1"]},
        "treasury": {"chains": {"anvil": {**anvil, "poll_seconds": POLL_SECONDS}}},
    }

    async def all_delivered() -> bool:
        rows = await sql("SELECT state FROM outbox_message", url=pg_url)
        return bool(rows) and all(state == "delivered" for (state,) in rows)

    with Stewards(tmp_path / "run") as group:
        replicas = [group.new("one", config), group.new("two", config)]
        for replica in replicas:
            replica.start()
        for replica in replicas:
            await replica.wait_for(lambda r=replica: r.logged("starting"), "start", 30)  # type: ignore[misc]
        await until(lambda: any(r.logged(LEADS) for r in replicas), "leader", 10)
        [leader] = [r for r in replicas if r.logged(LEADS)]
        [standby] = [r for r in replicas if r is not leader]

        first = safe.fund_eth(10**17).tx_hash
        await until(lambda: posts_of(first, replicas) > 0, "first alert", 15)
        deadline = time.monotonic() + 10
        while not await all_delivered():
            assert time.monotonic() < deadline, "the first alert was not marked delivered"
            await asyncio.sleep(0.05)

        leader.kill()
        killed_at = time.monotonic()
        second = safe.fund_eth(2 * 10**17).tx_hash
        await until(lambda: posts_of(second, [standby]) > 0, "alert from the standby", 20)
        took_over_in = time.monotonic() - killed_at
        assert standby.logged(LEADS)
        assert await standby.stop() == 0

    assert posts_of(first, replicas) == 1
    assert posts_of(second, replicas) == 1
    assert await all_delivered()
    assert took_over_in < CHECK_SECONDS + POLL_SECONDS + 4.0, took_over_in


def posts_of(tx_hash: str, replicas: list[Steward]) -> int:
    return sum(tx_hash in block for replica in replicas for block in replica.posts())


# Leadership ----------------------------------------------------------------------------------


async def test_a_standby_leads_once_the_leaders_session_ends(tmp_path: Path) -> None:
    async with postgres_schema(tmp_path) as (url, schema):
        first, second = Database(url), Database(url)
        one = Leadership(first, check_seconds=0.2)
        two = Leadership(second, check_seconds=0.2)
        tasks = [asyncio.create_task(one.run())]
        try:
            await until(lambda: one.is_leader, "leader")
            tasks.append(asyncio.create_task(two.run()))
            await asyncio.sleep(0.5)
            assert (one.is_leader, two.is_leader) == (True, False)
            assert one.mode == "leader of replicas"
            assert two.mode == "standby (another process leads)"
            # Between checks the leader's session is idle, not idle in a transaction (which a
            # server's idle_in_transaction_session_timeout would end).
            [(pid, state)] = await lock_holders(advisory_key(LEADER_LOCK, schema))
            assert state == "idle"

            # The server ends the leader's session (a restart, a timeout, an operator).
            await sql("SELECT pg_terminate_backend(%s)", pid)
            await until(lambda: two.is_leader and not one.is_leader, "new leader", 3)
            await asyncio.sleep(0.6)  # the old leader is a standby now, not a second leader
            assert (one.is_leader, two.is_leader) == (False, True)
            [(new_pid, _)] = await lock_holders(advisory_key(LEADER_LOCK, schema))
            assert new_pid != pid

            await two.close()
            await until(lambda: one.is_leader, "leader after a clean hand-over", 2)
        finally:
            await one.close()
            await two.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await first.close()
            await second.close()
        assert await lock_holders(advisory_key(LEADER_LOCK, schema)) == []


async def test_deployments_in_different_schemas_each_have_their_leader(tmp_path: Path) -> None:
    """Advisory locks belong to the whole database; the schema is part of the key."""
    async with (
        postgres_schema(tmp_path / "a") as (url_a, _),
        postgres_schema(tmp_path / "b") as (url_b, _),
    ):
        databases = [Database(url_a), Database(url_b)]
        leaders = [Leadership(db, check_seconds=0.2) for db in databases]
        tasks = [asyncio.create_task(leader.run()) for leader in leaders]
        try:
            await until(lambda: all(leader.is_leader for leader in leaders), "two leaders")
        finally:
            for leader in leaders:
                await leader.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for db in databases:
                await db.close()


async def test_jobs_every_half_second_run_on_the_leader_only() -> None:
    runs: dict[str, int] = {"leader": 0, "standby": 0}
    schedulers = []
    for name, leads in (("leader", True), ("standby", False)):

        async def job(name: str = name) -> None:
            runs[name] += 1

        scheduler = Scheduler(is_leader=lambda leads=leads: leads)  # type: ignore[misc]
        scheduler.every("poll", timedelta(seconds=0.2), job)
        scheduler.start()
        schedulers.append(scheduler)
    try:
        await until(lambda: runs["leader"] >= 3, "three runs", 3)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown()
    assert runs["standby"] == 0


# The outbox across replicas ------------------------------------------------------------------


async def test_replicas_delivering_at_the_same_time_post_each_message_once(
    tmp_path: Path, pg_url: str
) -> None:
    settings = make_settings(tmp_path, pg_url)
    async with running_app(settings) as one, running_app(settings) as two:
        outputs = []
        for app in (one, two):
            out = io.StringIO()
            app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out))
            outputs.append(out)
        local = await one.communities.by_slug("local")
        assert local is not None
        total = 36
        for number in range(total):
            storing = (one, two)[number % 2]
            async with storing.db.transaction() as session:
                await storing.outbox.enqueue(
                    session,
                    key=f"note:{number}",
                    community_id=local.id,
                    reply=Reply(title=f"note {number}"),
                    to=ToChannel(ChannelRef("console", f"room-{number % 3}")),
                )
            if number % 6 == 5:  # every replica delivers while more keeps arriving
                await asyncio.gather(*(app.outbox.drain() for app in (one, two, one, two)))
        deadline = time.monotonic() + 10
        while (await one.outbox.backlog()).waiting:
            assert time.monotonic() < deadline, "messages left undelivered"
            await asyncio.gather(one.outbox.drain(), two.outbox.drain())
            await asyncio.sleep(0.05)
    printed = "".join(out.getvalue() for out in outputs)
    titles = re.findall(r"^note (\d+)$", printed, flags=re.MULTILINE)
    assert sorted(int(t) for t in titles) == list(range(total))
