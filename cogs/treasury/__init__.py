"""Treasury: watch Safe multisigs, decode their transactions, alert and nudge signers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp

from bot.app import App
from bot.features import Feature
from bot.frontend import Health
from cogs.treasury.commands import safe_list, safe_status, safe_unwatch, safe_watch
from cogs.treasury.service import TreasuryService

QUEUE_TICK = timedelta(seconds=5)


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as http:
        service = TreasuryService(app, http)
        app.provide(service)
        for name, runtime in service.chains.items():
            interval = timedelta(seconds=runtime.config.poll_seconds)
            app.scheduler.every(f"treasury.chain.{name}", interval, _job(service.run_chain, name))
            if runtime.queue is not None:
                app.scheduler.every(
                    f"treasury.queue.{name}", QUEUE_TICK, _job(service.run_queue, name)
                )

        async def health() -> list[Health]:
            checks = []
            for name in service.chains:
                lag = await service.lag(name)
                detail = f"{lag} blocks behind the head" if lag is not None else "not polled yet"
                checks.append(Health(f"chain {name}", lag is not None, detail))
            return checks

        app.health_checks.append(health)
        try:
            yield
        finally:
            await service.close()


def _job(run: Callable[[str], Awaitable[None]], name: str) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        await run(name)

    return job


feature = Feature(
    name="treasury",
    description="Safe multisig alerts, decoded transactions and signer nudges",
    commands=(safe_watch, safe_unwatch, safe_list, safe_status),
    lifespan=lifespan,
)
