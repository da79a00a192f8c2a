"""The treasury service: which Safes are watched, and turning chain activity into alerts.

Exactly-once alerts: a block range's alerts, their outbox messages and the chain's cursor are
committed in one transaction, and each alert has a unique key (community, chain, tx hash, log
index, Safe); a range processed twice (a restart, an overlap) adds nothing. Posting is the
framework outbox's job.

Other features' log interests (`bot.chain_logs`, e.g. the proposals feature's Governors) ride
in the same poll: their filters join the batch, and their handlers run in the transaction that
stores the alerts and advances the cursor, so they too see each range exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chain_logs import ChainLogs, LogInterest, RawLog, matching
from bot.clock import Clock
from bot.directory import Directory
from bot.errors import InvalidOption, StartupError
from bot.http import HttpClient
from bot.outbox import Outbox, ToChannelSetting
from bot.payouts import PayoutReviews
from bot.storage.database import Database
from chain.deployments import multisend_addresses
from chain.errors import ChainError, NotASafe
from chain.node import ChainNode
from chain.safe_info import SafeState, safe_version
from chain.tokens import TokenBook
from chain.tx_service import TransactionService
from chain.watch import SafeActivity, poll_chain
from cogs.treasury.alerts import Watcher, alert_for, render_alert
from cogs.treasury.chains import ChainRuntime
from cogs.treasury.config import TreasuryConfig
from cogs.treasury.flows import add_new_flows, flows_of
from cogs.treasury.models import ChainCursor, TreasuryAlert, TreasuryFlow, WatchedSafe
from cogs.treasury.queue import QueuePoller
from cogs.treasury.queue_watch import QueueWatch, queue_lines
from cogs.treasury.store import add_new_alerts, watched_one

log = logging.getLogger(__name__)

ALERT_CHANNEL = "alert_channel"
# A round catches up at most this many ranges; the next round goes on (a node far behind must
# not hold the schedule).
MAX_POLLS_PER_ROUND = 50


class TreasuryService:
    def __init__(
        self,
        db: Database,
        config: TreasuryConfig,
        http: HttpClient,
        outbox: Outbox,
        clock: Clock,
        directory: Directory | None = None,
        payouts: PayoutReviews | None = None,
        chain_logs: ChainLogs | None = None,
    ) -> None:
        self.db = db
        # What other features follow on our chains, read in the same polls.
        self.chain_logs = chain_logs or ChainLogs()
        self._outbox = outbox
        self.clock = clock
        # Members behind owner addresses, to name them (empty without onboarding).
        self.directory = directory or Directory()
        # Checks of queued payouts against what was approved (none without proposals).
        self.payouts = payouts or PayoutReviews()
        self.chains: dict[str, ChainRuntime] = {}
        self.queue_watch = QueueWatch(self)
        for name, chain in config.chains.items():
            node = ChainNode(chain.rpc, http)
            multisends = multisend_addresses(chain.chain_id, chain.multisend)
            runtime = ChainRuntime(name, chain, node, TokenBook(node), multisends)
            if chain.tx_service_url:
                key = chain.tx_service_api_key
                client = TransactionService(
                    chain.tx_service_url,
                    http,
                    api_key=key.get_secret_value() if key else None,
                )
                runtime.queue = QueuePoller(
                    client,
                    self._queue_poll_for(name),
                    per_month=chain.tx_service_requests_per_month,
                    burst=chain.tx_service_requests_per_second,
                )
            self.chains[name] = runtime

    def _queue_poll_for(self, chain: str) -> Callable[[str], Awaitable[bool]]:
        async def poll(address: str) -> bool:
            return await self.queue_watch.poll(chain, address)

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
        version = await safe_version(runtime.node, address)
        if version is None:
            raise NotASafe(address, runtime.name)
        async with self.db.transaction() as session:
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
        async with self.db.transaction() as session:
            safe = await watched_one(session, community_id, runtime.name, address)
            if safe is None:
                return False
            await session.delete(safe)
        return True

    async def watched(
        self, community_id: int | None = None, chain: str | None = None
    ) -> list[WatchedSafe]:
        async with self.db.read() as session:
            query = select(WatchedSafe).order_by(col(WatchedSafe.id))
            if community_id is not None:
                query = query.where(WatchedSafe.community_id == community_id)
            if chain is not None:
                query = query.where(WatchedSafe.chain == chain)
            return list((await session.exec(query)).all())

    async def require_safe(self, runtime: ChainRuntime, address: str) -> None:
        """Refuse, in words, an address that is not a Safe on this chain."""
        if await safe_version(runtime.node, address) is None:
            raise NotASafe(address, runtime.name)

    async def check_chain_ids(self) -> None:
        """A node answering for another chain would decode and alert nonsense: refuse it at start,
        in one line. A node that cannot be reached now is tried again on the schedule."""
        for runtime in self.chains.values():
            try:
                actual = await runtime.node.chain_id()
            except ChainError as exc:
                runtime.last_error = str(exc)
                log.warning("chain not reachable at start", extra={"chain": runtime.name})
                continue
            if actual != runtime.config.chain_id:
                raise StartupError(
                    f"the RPC of chain {runtime.name} serves chain id {actual}, not the "
                    f"configured {runtime.config.chain_id}; check treasury.chains."
                    f"{runtime.name}.rpc_url or chain_id"
                )

    # Watching ----------------------------------------------------------------------------

    async def cursor(self, chain_name: str) -> int | None:
        async with self.db.read() as session:
            row = await session.get(ChainCursor, chain_name)
            return row.block if row else None

    async def lag(self, chain_name: str) -> int | None:
        runtime = self.chains[chain_name]
        cursor = await self.cursor(chain_name)
        if runtime.head is None or cursor is None:
            return None
        return runtime.head - cursor

    async def poll(self, chain_name: str) -> int:
        """One poll of one chain (one HTTP request while nothing needs splitting): the head, and
        the confirmed range the previous head made safe; returns alerts created.

        Only blocks `confirmations` deep are read, so a reorg cannot produce a false alert.
        """
        runtime = self.chains[chain_name]
        config = runtime.config
        cursor = await self.cursor(chain_name)
        if cursor is None:
            # A chain watched for the first time starts now, not at genesis.
            runtime.head = await runtime.node.block_number()
            await self._save(chain_name, runtime.head - config.confirmations, [])
            return 0
        safes = await self.watched(chain=chain_name)
        interests = self.chain_logs.on(chain_name)
        by_address: dict[str, list[WatchedSafe]] = {}
        for safe in safes:
            by_address.setdefault(safe.address, []).append(safe)
        result = await poll_chain(
            runtime.node,
            list(by_address),
            cursor=cursor,
            known_head=runtime.head,
            confirmations=config.confirmations,
            max_range=config.max_block_range,
            multisends=runtime.multisends,
            max_filter_bytes=config.max_filter_bytes,
            extra_filters=[interest.log_filter() for interest in interests],
        )
        runtime.head = result.head
        if result.to_block is None:
            return 0
        await runtime.tokens.prefetch(_tokens_of(result.activities))
        alerts = []
        flows: list[TreasuryFlow] = []
        now = self.clock.now()
        for activity in result.activities:
            flows += await flows_of(activity, chain_name, runtime.tokens, config.native_symbol, now)
            if runtime.queue is not None:
                runtime.queue.mark_active(activity.safe)
            for safe in by_address.get(activity.safe, []):
                watcher = Watcher(safe.community_id, safe.name)
                alerts.append(
                    await alert_for(activity, chain_name, config, runtime.tokens, watcher)
                )
        interested = list(zip(interests, result.extra_logs, strict=True))
        return await self._save(chain_name, result.to_block, alerts, interested, flows)

    async def _save(
        self,
        chain_name: str,
        block: int,
        alerts: list[TreasuryAlert],
        interested: list[tuple[LogInterest, list[RawLog]]] | None = None,
        flows: list[TreasuryFlow] | None = None,
    ) -> int:
        """Alerts, money in and out, the interests' handlers and the cursor, in one
        transaction. Handlers run for every range read, with no logs too: a vote's deadline
        passes without an event."""
        async with self.db.transaction() as session:
            fresh = await self.store_alerts(session, alerts)
            await add_new_flows(session, flows or [])
            node = self.chains[chain_name].node
            for interest, logs in interested or []:
                try:
                    await interest.handler(
                        session, chain_name, node, matching(interest, logs), block
                    )
                except ChainError:
                    raise
                except Exception as exc:
                    # Rolls the range back: the cursor stays, the range is read again.
                    log.exception("chain log handler failed", extra={"interest": interest.name})
                    raise ChainError(interest.name, f"{type(exc).__name__}: {exc}") from exc
            cursor = await session.get(ChainCursor, chain_name)
            if cursor is None:
                session.add(ChainCursor(chain=chain_name, block=block))
            else:
                cursor.block, cursor.updated_at = block, self.clock.now()
        return fresh

    async def store_alerts(self, session: AsyncSession, alerts: list[TreasuryAlert]) -> int:
        """Store the alerts not seen before, each with its post in the outbox, in the caller's
        transaction: the alert and its message exist together or not at all."""
        fresh = await add_new_alerts(session, alerts)
        for alert in fresh:
            alert.created_at = self.clock.now()  # the bot's clock, which digests read by
            await self._outbox.enqueue(
                session,
                key=f"treasury:{alert.key}",
                community_id=alert.community_id,
                reply=render_alert(alert),
                to=ToChannelSetting(ALERT_CHANNEL),
            )
        return len(fresh)

    # The Transaction Service queue ----------------------------------------------------

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

    async def run_chain(self, chain_name: str) -> None:
        """One scheduled round: process every confirmed range there is."""
        runtime = self.chains[chain_name]
        try:
            for _ in range(MAX_POLLS_PER_ROUND):
                await self.poll(chain_name)
                cursor = await self.cursor(chain_name)
                if (
                    runtime.head is None
                    or cursor is None
                    or (cursor >= runtime.head - runtime.config.confirmations)
                ):
                    break
            runtime.last_error = None
        except ChainError as exc:
            runtime.last_error = str(exc)
            log.warning(
                "chain poll failed; will retry", extra={"chain": chain_name, "error": str(exc)}
            )


def _tokens_of(activities: list[SafeActivity]) -> list[str]:
    """Every token an alert of these activities will name, to read them in one batch."""
    found = [log.address for a in activities for log in a.logs if log.is_transfer]
    pending = [action for a in activities for action in a.actions]
    while pending:
        action = pending.pop()
        pending.extend(action.items)
        if action.kind not in ("native", "safe_setting", "contract_call", "delegatecall", "batch"):
            found.append(action.target)
    return found
