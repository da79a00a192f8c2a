"""Queued transactions of the Safe Transaction Service turned into alerts: a new proposal, each
new confirmation, ready to execute, a replacement, and nudges for signers who have not signed."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.directory import Directory
from bot.payouts import Payment, PayoutReviews
from bot.storage.database import Database
from bot.storage.models import as_utc
from chain.calldata import Action, SafeCall, describe_call
from chain.safe_info import SafeState, read_state
from chain.tx_service import QueuedTransaction
from chain.words import describe
from cogs.treasury.alerts import HIGH, INFO, MEDIUM
from cogs.treasury.chains import ChainRuntime
from cogs.treasury.config import ChainConfig
from cogs.treasury.models import QueuedTx, TreasuryAlert, WatchedSafe
from cogs.treasury.naming import OwnerNames, encode_pings
from cogs.treasury.payments import payments_of, payout_check

log = logging.getLogger(__name__)


class Treasury(Protocol):
    """What the queue watch needs of the treasury service."""

    db: Database
    clock: Clock
    chains: dict[str, ChainRuntime]
    directory: Directory
    payouts: PayoutReviews

    async def watched(
        self, community_id: int | None = None, chain: str | None = None
    ) -> list[WatchedSafe]: ...

    async def store_alerts(self, session: AsyncSession, alerts: list[TreasuryAlert]) -> int: ...


class QueueWatch:
    def __init__(self, treasury: Treasury) -> None:
        self._treasury = treasury

    async def poll(self, chain_name: str, address: str) -> bool:
        """Compare a Safe's queue with what was last seen and store the alerts; True when
        something is pending. When another poll of the same Safe (the schedule beside a
        command, another replica) stored a newly seen transaction first, this one reads again
        and finds it stored: its alert keys keep each alert stored once."""
        try:
            return await poll_queue(self._treasury, chain_name, address)
        except IntegrityError:
            log.info("queue poll raced another poll; reading again", extra={"chain": chain_name})
            return await poll_queue(self._treasury, chain_name, address)


async def poll_queue(service: Treasury, chain_name: str, address: str) -> bool:
    runtime = service.chains[chain_name]
    if runtime.queue is None:
        return False
    state = await read_state(runtime.node, address, chain_name)
    queued = await runtime.queue.client.queued(address, state.nonce)
    watchers = [s for s in await service.watched(chain=chain_name) if s.address == address]
    now = service.clock.now()
    nudge_after = timedelta(minutes=runtime.config.nudge_after_minutes)
    async with service.db.read() as session:
        query = select(QueuedTx).where(
            QueuedTx.chain == chain_name, QueuedTx.safe == address, QueuedTx.state != "done"
        )
        stored = {row.safe_tx_hash: row for row in (await session.exec(query)).all()}
    # (key part, kind, title, lines, owners to ping): addresses are named per community below.
    events: list[tuple[str, str, str, list[str], list[str]]] = []
    rows: list[QueuedTx] = []
    # The payments of each newly proposed transaction, by its event's key, for the payout check.
    payments: dict[str, list[Payment]] = {}
    for tx in queued:
        row = stored.pop(tx.safe_tx_hash, None)
        actions = queued_actions(runtime, tx)
        described = await describe_actions(runtime, actions)
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
            payments[f"proposal:{tx.safe_tx_hash}"] = await payments_of(
                actions, runtime.tokens, runtime.config.native_symbol
            )
            events.append(
                (
                    f"proposal:{tx.safe_tx_hash}",
                    "queue_proposal",
                    f"new transaction proposed (nonce {tx.nonce})",
                    described + status,
                    [],
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
                        [],
                    )
                )
        row.confirmations = list(tx.confirmations)
        row.owners, row.lines, row.required = list(state.owners), described, state.threshold
        if len(tx.confirmations) >= state.threshold and row.state != "ready":
            row.state = "ready"
            events.append(
                (
                    f"ready:{tx.safe_tx_hash}",
                    "queue_ready",
                    f"ready to execute (nonce {tx.nonce})",
                    described + status,
                    [],
                )
            )
        elif len(tx.confirmations) < state.threshold:
            first_seen = as_utc(row.first_seen_at) or now
            last = as_utc(row.nudged_at) or first_seen
            if now - first_seen >= nudge_after and now - last >= nudge_after:
                period = int((now - first_seen) / nudge_after)
                row.nudged_at = now
                events.append(
                    (
                        f"nudge:{tx.safe_tx_hash}:{period}",
                        "queue_nudge",
                        f"still waiting for signatures (nonce {tx.nonce})",
                        [*described, f"Please sign: {', '.join(missing)}", *status],
                        missing,
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
                    [],
                )
            )
    alerts = []
    for w in watchers:
        # Owners by the handle of whoever linked the address in this community, if anyone did;
        # only a nudge pings them.
        names = (
            await OwnerNames.load(
                service.directory,
                w.community_id,
                [*state.owners, *(c for t in queued for c in t.confirmations)],
            )
            if events
            else OwnerNames({})
        )
        for key, kind, title, lines, ping in events:
            severity = MEDIUM if kind in ("queue_ready", "queue_nudge") else INFO
            checked, mismatch = await payout_check(
                service.payouts, w.community_id, chain_name, address, payments.get(key, []), now
            )
            alerts.append(
                TreasuryAlert(
                    key=f"{w.community_id}:{chain_name}:{address.lower()}:{key}",
                    community_id=w.community_id,
                    chain=chain_name,
                    safe=address,
                    kind=kind,
                    severity=HIGH if mismatch else severity,
                    title=f"{w.name or address} on {chain_name}: {names.text(title)}"[:300],
                    lines=[names.text(line) for line in [*lines, *checked]],
                    links={"Safe app queue": queue_link(runtime.config, address)},
                    payout_check=checked,
                    payout_mismatch=mismatch,
                    mention_user_ids=encode_pings(names.pings(ping)),
                )
            )
    async with service.db.transaction() as session:
        for row in rows:
            await session.merge(row)
        await service.store_alerts(session, alerts)
    return bool(queued)


def queued_actions(runtime: ChainRuntime, tx: QueuedTransaction) -> list[Action]:
    call = SafeCall(tx.to, tx.value, tx.data, tx.operation)
    return describe_call(call, tx.safe, runtime.multisends)


async def describe_actions(runtime: ChainRuntime, actions: list[Action]) -> list[str]:
    lines: list[str] = []
    for action in actions:
        lines += await describe(action, runtime.tokens, runtime.config.native_symbol)
    return lines


async def describe_queued(runtime: ChainRuntime, tx: QueuedTransaction) -> list[str]:
    return await describe_actions(runtime, queued_actions(runtime, tx))


async def queue_lines(runtime: ChainRuntime, address: str, state: SafeState) -> list[str] | None:
    if runtime.queue is None:
        return None
    queued = await runtime.queue.client.queued(address, state.nonce)
    lines = []
    for tx in queued:
        described = await describe_queued(runtime, tx)
        missing = [
            o for o in state.owners if o.lower() not in {c.lower() for c in tx.confirmations}
        ]
        lines.append(
            f"nonce {tx.nonce}: {'; '.join(described)} — "
            f"{len(tx.confirmations)} of {state.threshold}, "
            f"missing {', '.join(missing) or 'none'}"
        )
    return lines


def queue_link(chain: ChainConfig, safe: str) -> str:
    prefix = f"{chain.short_name}:" if chain.short_name else ""
    return f"{chain.safe_app_url.rstrip('/')}/transactions/queue?safe={prefix}{safe}"
