"""Treasury: watch Safe multisigs, decode their transactions, alert and nudge signers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.commands.community import SettingSpec, channel_value
from bot.context import FeatureContext
from bot.errors import StewardError, UpstreamError, UserError
from bot.features import Feature
from bot.frontend import Health
from chain.errors import ChainError, NotASafe
from cogs.treasury.commands import safe_list, safe_status, safe_unwatch, safe_watch
from cogs.treasury.config import TreasuryConfig
from cogs.treasury.digest_part import TreasuryDigest
from cogs.treasury.service import ALERT_CHANNEL, TreasuryService

QUEUE_TICK = timedelta(seconds=5)


@asynccontextmanager
async def lifespan(ctx: FeatureContext[TreasuryConfig]) -> AsyncIterator[TreasuryService]:
    service = TreasuryService(
        ctx.db,
        ctx.config,
        ctx.http,
        ctx.outbox,
        ctx.clock,
        ctx.directory,
        ctx.payouts,
        ctx.chain_logs,
    )
    await service.check_chain_ids()
    ctx.chain_logs.serve(service.chains)
    for name, runtime in service.chains.items():
        interval = timedelta(seconds=runtime.config.poll_seconds)
        ctx.scheduler.every(f"treasury.chain.{name}", interval, _job(service.run_chain, name))
        if runtime.queue is not None:
            ctx.scheduler.every(f"treasury.queue.{name}", QUEUE_TICK, _job(service.run_queue, name))

    async def health() -> list[Health]:
        checks = []
        for name, runtime in service.chains.items():
            lag = await service.lag(name)
            detail = f"{lag} blocks behind the head" if lag is not None else "not polled yet"
            if runtime.head is not None:
                detail = f"head {runtime.head}, {detail}"
            if runtime.node.batches is False:
                detail = f"{detail}; the RPC refuses batches, so a poll costs several requests"
            if runtime.last_error:
                detail = f"{detail}; last error: {runtime.last_error}"
            checks.append(
                Health(f"chain {name}", lag is not None and not runtime.last_error, detail)
            )
        return checks

    ctx.health.add(health)
    ctx.digest_parts.register(TreasuryDigest(ctx.db, ctx.config, ctx.directory))
    yield service


def _job(run: Callable[[str], Awaitable[None]], name: str) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        await run(name)

    return job


def _chain_error(exc: Exception) -> StewardError:
    if isinstance(exc, NotASafe):
        return UserError(exc.message)
    if isinstance(exc, ChainError):
        return UpstreamError(exc.service, exc.message, retryable=exc.retryable)
    return UpstreamError("chain", str(exc))


feature = Feature(
    name="treasury",
    description="Safe multisig alerts, decoded transactions and signer nudges",
    commands=(safe_watch, safe_unwatch, safe_list, safe_status),
    settings=(
        SettingSpec(
            ALERT_CHANNEL,
            "Channel for treasury and security alerts",
            channel_value,
            None,
            True,
            channel=True,
        ),
    ),
    config=TreasuryConfig,
    lifespan=lifespan,
    errors=((ChainError, _chain_error),),
    migrations=Path(__file__).parent / "migrations",
)
