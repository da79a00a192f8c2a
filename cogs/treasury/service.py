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
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.app import App
from bot.errors import InvalidOption, UpstreamError
from bot.settings import ChainConfig
from chain.calldata import SafeCall, describe_call
from chain.rpc import JsonRpc
from chain.safe_info import SafeState, is_safe, read_state
from chain.tokens import TokenBook
from chain.tx_service import QueuedTransaction, TransactionService
from chain.watch import read_range
from chain.words import describe
from cogs.treasury.alerts import INFO, MEDIUM, Watcher, alert_for, render_alert
from cogs.treasury.models import ChainCursor, QueuedTx, TreasuryAlert, WatchedSafe
from cogs.treasury.queue import QueuePoller

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
            existing = await _watched_one(session, community_id, runtime.name, address)
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
            safe = await _watched_one(session, community_id, runtime.name, address)
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
            fresh = await _add_new(session, alerts)
            cursor = await session.get(ChainCursor, chain_name)
            if cursor is None:
                session.add(ChainCursor(chain=chain_name, block=block))
            else:
                cursor.block, cursor.updated_at = block, datetime.now(UTC)
        return fresh

    # The Transaction Service queue ----------------------------------------------------

    async def poll_queue(self, chain_name: str, address: str) -> bool:
        """Compare a Safe's queue with what was last seen and store the alerts; True when
        something is pending."""
        runtime = self.chains[chain_name]
        if runtime.queue is None:
            return False
        state = await read_state(runtime.rpc, address)
        queued = await runtime.queue.client.queued(address, state.nonce)
        watchers = [s for s in await self.watched(chain=chain_name) if s.address == address]
        now = self.now()
        nudge_after = timedelta(minutes=runtime.config.nudge_after_minutes)
        async with self._app.db.read() as session:
            query = select(QueuedTx).where(
                QueuedTx.chain == chain_name, QueuedTx.safe == address, QueuedTx.state != "done"
            )
            stored = {row.safe_tx_hash: row for row in (await session.exec(query)).all()}
        events: list[tuple[str, str, str, list[str]]] = []  # (key part, kind, title, lines)
        rows: list[QueuedTx] = []
        for tx in queued:
            row = stored.pop(tx.safe_tx_hash, None)
            described = await self._describe_queued(runtime, tx)
            signed = f"{len(tx.confirmations)} of {state.threshold} confirmations"
            missing = [
                o for o in state.owners if o.lower() not in {c.lower() for c in tx.confirmations}
            ]
            status = [f"{signed}; not yet signed by: {', '.join(missing) or 'nobody'}"]
            is_new = row is None
            if row is None:
                row = QueuedTx(
                    safe_tx_hash=tx.safe_tx_hash,
                    chain=chain_name,
                    safe=address,
                    nonce=tx.nonce,
                    confirmations=list(tx.confirmations),
                    required=state.threshold,
                    first_seen_at=now,
                )
                events.append(
                    (
                        f"proposal:{tx.safe_tx_hash}",
                        "queue_proposal",
                        f"new transaction proposed (nonce {tx.nonce})",
                        described + status,
                    )
                )
            for owner in tx.confirmations:
                # The proposal alert already names the first signatures.
                if not is_new and owner.lower() not in {c.lower() for c in row.confirmations}:
                    events.append(
                        (
                            f"confirmation:{tx.safe_tx_hash}:{owner.lower()}",
                            "queue_confirmation",
                            f"{owner} confirmed the transaction at nonce {tx.nonce}",
                            [*described, *status],
                        )
                    )
            row.confirmations = list(tx.confirmations)
            if len(tx.confirmations) >= state.threshold and row.state != "ready":
                row.state = "ready"
                events.append(
                    (
                        f"ready:{tx.safe_tx_hash}",
                        "queue_ready",
                        f"ready to execute (nonce {tx.nonce})",
                        described + status,
                    )
                )
            elif len(tx.confirmations) < state.threshold:
                first_seen = _aware(row.first_seen_at) or now
                last = _aware(row.nudged_at) or first_seen
                if now - first_seen >= nudge_after and now - last >= nudge_after:
                    period = int((now - first_seen) / nudge_after)
                    row.nudged_at = now
                    events.append(
                        (
                            f"nudge:{tx.safe_tx_hash}:{period}",
                            "queue_nudge",
                            f"still waiting for signatures (nonce {tx.nonce})",
                            [*described, f"Please sign: {', '.join(missing)}", *status],
                        )
                    )
            rows.append(row)
        for row in stored.values():  # no longer queued: executed, or replaced at its nonce
            if row.nonce >= state.nonce:
                continue
            info = await runtime.queue.client.transaction(row.safe_tx_hash)
            row.state = "done"
            rows.append(row)
            if not info.get("isExecuted"):
                events.append(
                    (
                        f"replaced:{row.safe_tx_hash}",
                        "queue_replaced",
                        f"transaction at nonce {row.nonce} was replaced",
                        [
                            f"{row.safe_tx_hash} will not execute: another transaction "
                            f"used nonce {row.nonce}."
                        ],
                    )
                )
        alerts = [
            TreasuryAlert(
                key=f"{w.community_id}:{chain_name}:{address.lower()}:{key}",
                community_id=w.community_id,
                chain=chain_name,
                safe=address,
                kind=kind,
                severity=MEDIUM if kind in ("queue_ready", "queue_nudge") else INFO,
                title=f"{w.name or address} on {chain_name}: {title}",
                lines=lines,
                links={"Safe app queue": _queue_link(runtime.config, address)},
            )
            for w in watchers
            for key, kind, title, lines in events
        ]
        async with self._app.db.transaction() as session:
            for row in rows:
                await session.merge(row)
            await _add_new(session, alerts)
        return bool(queued)

    async def _describe_queued(self, runtime: ChainRuntime, tx: QueuedTransaction) -> list[str]:
        call = SafeCall(tx.to, tx.value, tx.data, tx.operation)
        lines: list[str] = []
        for action in describe_call(call, tx.safe, runtime.config.multisend):
            lines += await describe(action, runtime.tokens, runtime.config.native_symbol)
        return lines

    async def queue_lines(
        self, chain_name: str, address: str, state: SafeState
    ) -> list[str] | None:
        runtime = self.chains[chain_name]
        if runtime.queue is None:
            return None
        queued = await runtime.queue.client.queued(address, state.nonce)
        lines = []
        for tx in queued:
            described = await self._describe_queued(runtime, tx)
            missing = [
                o for o in state.owners if o.lower() not in {c.lower() for c in tx.confirmations}
            ]
            lines.append(
                f"nonce {tx.nonce}: {'; '.join(described)} — "
                f"{len(tx.confirmations)} of {state.threshold}, "
                f"missing {', '.join(missing) or 'none'}"
            )
        return lines

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


async def _add_new(session: AsyncSession, alerts: list[TreasuryAlert]) -> int:
    """Add the alerts whose key is not stored yet; the key makes each alert happen once."""
    if not alerts:
        return 0
    query = select(TreasuryAlert.key).where(col(TreasuryAlert.key).in_([a.key for a in alerts]))
    known = set((await session.exec(query)).all())
    fresh = {a.key: a for a in alerts if a.key not in known}
    session.add_all(fresh.values())
    return len(fresh)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _queue_link(chain: ChainConfig, safe: str) -> str:
    prefix = f"{chain.short_name}:" if chain.short_name else ""
    return f"{chain.safe_app_url.rstrip('/')}/transactions/queue?safe={prefix}{safe}"


async def _watched_one(
    session: AsyncSession, community_id: int, chain: str, address: str
) -> WatchedSafe | None:
    query = select(WatchedSafe).where(
        WatchedSafe.community_id == community_id,
        WatchedSafe.chain == chain,
        WatchedSafe.address == address,
    )
    return (await session.exec(query)).first()
