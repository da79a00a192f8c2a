"""A Transaction Service poller on a simulated clock, for tests and the benchmark: hours of
polling 20 Safes run in a second against the fake service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from eth_account import Account
from eth_account.signers.local import LocalAccount

from bot.http import HttpClient
from chain.tx_service import TransactionService
from cogs.treasury.queue import QueuePoller
from tests.fakes.safe_service import FakeSafeTransactionService, Quota


class SimulatedClock:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class Simulation:
    clock: SimulatedClock
    fake: FakeSafeTransactionService
    client: TransactionService
    poller: QueuePoller
    safes: list[str]
    owners: list[LocalAccount]
    polls: dict[str, list[float]] = field(default_factory=dict)
    seen: dict[str, float] = field(default_factory=dict)  # safeTxHash -> first seen

    async def run(self, seconds: float, step: float = 5.0) -> None:
        end = self.clock.now + seconds
        while self.clock.now < end:
            await self.poller.tick()
            self.clock.now += step


@asynccontextmanager
async def simulation(safes: int = 20, per_month: int = 50_000) -> AsyncIterator[Simulation]:
    clock = SimulatedClock()
    owners = [Account.create() for _ in range(3)]
    limits = Quota(rps=5, monthly=per_month)
    async with FakeSafeTransactionService(31337, api_key="k", limits=limits, clock=clock) as fake:
        addresses = [Account.create().address for _ in range(safes)]
        for address in addresses:
            fake.add_safe(address, [o.address for o in owners], 2)
        async with HttpClient() as http:
            client = TransactionService(fake.base_url, http, api_key="k", clock=clock)
            sim: Simulation

            async def poll(address: str) -> bool:
                sim.polls.setdefault(address, []).append(clock.now)
                queued = await client.queued(address, 0)
                for tx in queued:
                    sim.seen.setdefault(tx.safe_tx_hash, clock.now)
                return bool(queued)

            poller = QueuePoller(client, poll, per_month=per_month, burst=5, clock=clock)
            poller.track(addresses)
            sim = Simulation(clock, fake, client, poller, addresses, owners)
            yield sim
