"""The treasury service: which Safes are watched, and turning chain activity into alerts.

Exactly-once alerts: a block range's alerts and the chain's cursor are committed in one
transaction, and each alert has a unique key (community, chain, tx hash, log index, Safe); a
range processed twice (a restart, an overlap) adds nothing. Delivery is per platform and
recorded, and a delivery in flight is finished even when the watcher is stopped.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from sqlmodel import col, select

from bot.app import App
from bot.errors import InvalidOption, UpstreamError
from bot.settings import ChainConfig
from chain.rpc import JsonRpc
from chain.safe_info import SafeState, is_safe
from chain.tokens import TokenBook
from chain.tx_service import TransactionService
from chain.watch import read_range
from cogs.treasury.alerts import Watcher, alert_for, render_alert
from cogs.treasury.models import ChainCursor, TreasuryAlert, WatchedSafe
from cogs.treasury.queue import QueuePoller
from cogs.treasury.queue_watch import poll_queue, queue_lines
from cogs.treasury.store import add_new_alerts, watched_one

log = logging.getLogger(__name__)


@dataclass
class ChainRuntime:
    name: str
    config: ChainConfig
    rpc: JsonRpc
    tokens: TokenBook
    queue: QueuePoller | None = None
    head: int | None = None


class TreasuryService:
    def __init__(self, app: App, http: aiohttp.ClientSession) -> None:
        self._app = app
        self.db = app.db
        self.chains: dict[str, ChainRuntime] = {}
        for name, config in app.settings.chains.items():
            url = os.environ.get(f"RPC_URL_{name.upper().replace('-', '_')}") or config.rpc_url
            if not url:
                continue
            rpc = JsonRpc(url, http)
            runtime = ChainRuntime(name, config, rpc, TokenBook(rpc))
            if config.tx_service_url:
                key_env = config.tx_service_api_key_env
                client = TransactionService(
                    config.tx_service_url,
                    http,
                    api_key=os.environ.get(key_env) if key_env else None,
                )
                runtime.queue = QueuePoller(
                    client,
                    self._queue_poll_for(name),
                    per_month=config.tx_service_requests_per_month,
                    burst=config.tx_service_requests_per_second,
                )
            self.chains[name] = runtime
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._inflight: set[asyncio.Future[int]] = set()

    async def close(self) -> None:
        """Let deliveries in flight finish and be recorded before the process goes."""
        if self._inflight:
            await asyncio.gather(*self._inflight, return_exceptions=True)

    def _queue_poll_for(self, chain: str) -> Callable[[str], Awaitable[bool]]:
        async def poll(address: str) -> bool:
            return await self.poll_queue(chain, address)

        return poll

    def chain(self, name: str | None) -> ChainRuntime:
        if name is None:
            if len(self.chains) == 1:
                return next(iter(self.chains.values()))
            raise InvalidOption(
                "chain", f"name one of {', '.join(self.chains) or 'none configured'}"
            )
        runtime = self.chains.get(name)
        if runtime is None:
            raise InvalidOption(
                "chain", f"unknown chain {name!r}; configured: {', '.join(self.chains) or 'none'}"
            )
        return runtime

    # Watched Safes ---------------------------------------------------------------------

    async def watch(
        self, community_id: int, chain_name: str | None, address: str, name: str, by: str
    ) -> WatchedSafe:
        runtime = self.chain(chain_name)
        version = await is_safe(runtime.rpc, address)
        if version is None:
            raise InvalidOption("address", f"{address} is not a Safe on {runtime.name}")
        async with self._app.db.transaction() as session:
            existing = await watched_one(session, community_id, runtime.name, address)
            if existing is not None:
                existing.name = name or existing.name
                return existing
            safe = WatchedSafe(
                community_id=community_id,
                chain=runtime.name,
                address=address,
                name=name,
                version=version,
                added_by=by,
            )
            session.add(safe)
        return safe

    async def unwatch(self, community_id: int, chain_name: str | None, address: str) -> bool:
        runtime = self.chain(chain_name)
        async with self._app.db.transaction() as session:
            safe = await watched_one(session, community_id, runtime.name, address)
            if safe is None:
                return False
            await session.delete(safe)
        return True

    async def watched(
        self, community_id: int | None = None, chain: str | None = None
    ) -> list[WatchedSafe]:
        async with self._app.db.read() as session:
            query = select(WatchedSafe).order_by(col(WatchedSafe.id))
            if community_id is not None:
                query = query.where(WatchedSafe.community_id == community_id)
            if chain is not None:
                query = query.where(WatchedSafe.chain == chain)
            return list((await session.exec(query)).all())

    # Watching ----------------------------------------------------------------------------

    async def cursor(self, chain_name: str) -> int | None:
        async with self._app.db.read() as session:
            row = await session.get(ChainCursor, chain_name)
            return row.block if row else None

    async def lag(self, chain_name: str) -> int | None:
        runtime = self.chains[chain_name]
        cursor = await self.cursor(chain_name)
        if runtime.head is None or cursor is None:
            return None
        return runtime.head - cursor

    async def poll(self, chain_name: str) -> int:
        """Process the next confirmed block range of one chain; returns alerts created.

        Only blocks `confirmations` deep are read, so a reorg cannot produce a false alert.
        """
        runtime = self.chains[chain_name]
        head = await runtime.rpc.block_number()
        runtime.head = head
        confirmed = head - runtime.config.confirmations
        cursor = await self.cursor(chain_name)
        if cursor is None:
            # A chain watched for the first time starts now, not at genesis.
            await self._save(chain_name, confirmed, [])
            return 0
        if confirmed <= cursor:
            return 0
        to_block = min(confirmed, cursor + runtime.config.max_block_range)
        safes = await self.watched(chain=chain_name)
        by_address: dict[str, list[WatchedSafe]] = {}
        for safe in safes:
            by_address.setdefault(safe.address, []).append(safe)
        activities = await read_range(
            runtime.rpc, list(by_address), cursor + 1, to_block, runtime.config.multisend
        )
        alerts = []
        for activity in activities:
            if runtime.queue is not None:
                runtime.queue.mark_active(activity.safe)
            for safe in by_address.get(activity.safe, []):
                watcher = Watcher(safe.community_id, safe.name)
                alerts.append(
                    await alert_for(activity, chain_name, runtime.config, runtime.tokens, watcher)
                )
        return await self._save(chain_name, to_block, alerts)

    async def _save(self, chain_name: str, block: int, alerts: list[TreasuryAlert]) -> int:
        async with self._app.db.transaction() as session:
            fresh = await add_new_alerts(session, alerts)
            cursor = await session.get(ChainCursor, chain_name)
            if cursor is None:
                session.add(ChainCursor(chain=chain_name, block=block))
            else:
                cursor.block, cursor.updated_at = block, datetime.now(UTC)
        return fresh

    # The Transaction Service queue ----------------------------------------------------

    async def poll_queue(self, chain_name: str, address: str) -> bool:
        return await poll_queue(self, chain_name, address)

    async def queue_lines(
        self, chain_name: str, address: str, state: SafeState
    ) -> list[str] | None:
        return await queue_lines(self.chains[chain_name], address, state)

    async def run_queue(self, chain_name: str) -> None:
        runtime = self.chains[chain_name]
        if runtime.queue is None:
            return
        runtime.queue.track([s.address for s in await self.watched(chain=chain_name)])
        await runtime.queue.tick()
        await self.deliver()

    async def deliver(self) -> int:
        """Post every alert not yet delivered, oldest first; returns how many completed."""
        async with self._app.db.read() as session:
            query = (
                select(TreasuryAlert)
                .where(col(TreasuryAlert.delivered_at).is_(None))
                .order_by(col(TreasuryAlert.id))
            )
            pending = list((await session.exec(query)).all())
        done = 0
        for alert in pending:
            # Shielded: stopping the watcher waits for a post in flight to be recorded, so a
            # restart neither repeats nor loses it.
            task = asyncio.ensure_future(self._deliver_one(alert))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)
            done += await asyncio.shield(task)
        return done

    async def _deliver_one(self, alert: TreasuryAlert) -> int:
        community = await self._app.communities.by_id(alert.community_id)
        if community is None:
            return 0
        results = await self._app.announce_each(
            community, "alert_channel", render_alert(alert), skip=frozenset(alert.delivered_to)
        )
        reached = [platform for platform, ok in results.items() if ok]
        failed = [platform for platform, ok in results.items() if not ok]
        async with self._app.db.transaction() as session:
            row = await session.get(TreasuryAlert, alert.id)
            if row is None:
                return 0
            row.delivered_to = sorted({*row.delivered_to, *reached})
            if not failed:
                row.delivered_at = datetime.now(UTC)
        return 0 if failed else 1

    async def run_chain(self, chain_name: str) -> None:
        """One scheduled round: process what is confirmed, then deliver."""
        try:
            while await self.poll(chain_name) >= 0:
                cursor = await self.cursor(chain_name)
                runtime = self.chains[chain_name]
                if (
                    runtime.head is None
                    or cursor is None
                    or (cursor >= runtime.head - runtime.config.confirmations)
                ):
                    break
        except UpstreamError as exc:
            log.warning(
                "chain poll failed; will retry", extra={"chain": chain_name, "error": str(exc)}
            )
        await self.deliver()
