"""Alerts are delivered exactly once across restarts, and never for transactions a reorg
removed before they were deep enough."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from bot.app import App
from bot.storage.models import OutboxMessage
from cogs.treasury.config import TreasuryConfig
from cogs.treasury.models import TreasuryAlert
from cogs.treasury.service import TreasuryService
from tests.support.anvil import Anvil
from tests.support.safes import SafeContracts, SafeDriver
from tests.support.treasury import Watching, new_safe, watching


@dataclass
class Local:
    world: Watching
    safe: SafeDriver

    @property
    def app(self) -> App:
        return self.world.app

    async def posted(self) -> list[str]:
        return await self.world.posted()


@asynccontextmanager
async def local(
    tmp_path: Path, db_url: str, chain: Anvil, contracts: SafeContracts, confirmations: int
) -> AsyncIterator[Local]:
    safe = new_safe(chain, contracts)
    async with watching(
        tmp_path, db_url, chain.url, safe, confirmations=confirmations, max_block_range=3
    ) as world:
        yield Local(world, safe)


@pytest.fixture
async def watched(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> AsyncIterator[Local]:
    async with local(tmp_path, db_url, chain, safe_contracts, confirmations=1) as world:
        yield world


@pytest.fixture
async def deep(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> AsyncIterator[Local]:
    async with local(tmp_path, db_url, chain, safe_contracts, confirmations=3) as world:
        yield world


async def test_stopping_the_watcher_anywhere_never_loses_or_repeats_an_alert(
    watched: Local, chain: Anvil
) -> None:
    rng = random.Random(7)
    payee = chain.accounts[6].address
    hashes = [watched.safe.fund_eth(10**18).tx_hash]
    for round_number in range(8):
        if round_number % 2:
            executed = watched.safe.send_eth(payee, (round_number + 1) * 10**15)
        else:
            executed = watched.safe.fund_eth((round_number + 1) * 10**15)
        hashes.append(executed.tx_hash)
        # A watcher started afresh (as after a restart) is stopped at a random point.
        app = watched.app
        config = app.settings.feature_config("treasury", TreasuryConfig)
        service = TreasuryService(app.db, config, app.http, app.outbox, app.clock)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(service.run_chain("anvil"), timeout=rng.uniform(0, 0.08))
    chain.mine(2)
    service = watched.app.runtimes["treasury"]
    for _ in range(10):
        await service.run_chain("anvil")

    posted = await watched.posted()
    for tx_hash in hashes:
        assert sum(tx_hash in block for block in posted) == 1, tx_hash
    async with watched.app.db.read() as session:
        alerts = (await session.exec(select(TreasuryAlert))).all()
    assert len(alerts) == len(hashes) == len(posted)
    async with watched.app.db.read() as session:
        states = (await session.exec(select(OutboxMessage.state))).all()
    assert states == ["delivered"] * len(hashes)


async def test_a_transaction_reorged_away_before_it_was_deep_enough_is_never_alerted(
    deep: Local, chain: Anvil
) -> None:
    service = deep.app.runtimes["treasury"]
    before_fork = chain.snapshot()
    ghost = deep.safe.fund_eth(10**17)
    await service.run_chain("anvil")  # one block deep: not yet reported
    assert await deep.posted() == []
    chain.revert(before_fork)  # the reorg: that block never happened
    chain.mine(5)
    await service.run_chain("anvil")
    assert await deep.posted() == []

    real = deep.safe.fund_eth(2 * 10**17)
    chain.mine(3)
    await service.run_chain("anvil")
    posted = await deep.posted()
    assert len(posted) == 1 and real.tx_hash in posted[0] and ghost.tx_hash not in posted[0]
