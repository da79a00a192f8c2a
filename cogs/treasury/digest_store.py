"""What a digest reads of the treasury's tables, in four queries whatever their size: the
community's watched Safes, their queued transactions, the period's alerts that a digest reports
and the period's money in and out. Many rows are read as plain tuples (ORM objects cost far more
to build than a digest may spend)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_
from sqlalchemy import select as select_columns
from sqlmodel import col, select

from bot.storage.database import Database
from bot.storage.models import as_utc
from cogs.treasury.digest_words import units
from cogs.treasury.models import QueuedTx, TreasuryAlert, TreasuryFlow, WatchedSafe

# Alerts a digest reports: what executed (and failed), and security changes outside a Safe
# transaction (a module, an approved spender moving funds). Money received is in the flows.
EXECUTED = frozenset({"execution", "execution_failure", "module_execution"})
SECURITY = frozenset({"security", "funds_out"})


@dataclass(frozen=True)
class AlertRow:
    key: str
    chain: str
    safe: str
    kind: str
    severity: str
    title: str
    lines: list[str]
    links: dict[str, str]
    payout_check: list[str]
    payout_mismatch: bool
    created_at: datetime


@dataclass
class TokenFlow:
    """A Safe's money in one token over the period: totals, and per UTC day (in, out)."""

    chain: str
    safe: str
    token: str
    symbol: str
    in_: Decimal = Decimal(0)
    out: Decimal = Decimal(0)
    days: dict[datetime, list[Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    safes: dict[tuple[str, str], WatchedSafe]
    queued: list[QueuedTx]
    alerts: list[AlertRow]
    flows: dict[tuple[str, str, str], TokenFlow]


_ALERT_COLUMNS = (
    col(TreasuryAlert.key),
    col(TreasuryAlert.chain),
    col(TreasuryAlert.safe),
    col(TreasuryAlert.kind),
    col(TreasuryAlert.severity),
    col(TreasuryAlert.title),
    col(TreasuryAlert.lines),
    col(TreasuryAlert.links),
    col(TreasuryAlert.payout_check),
    col(TreasuryAlert.payout_mismatch),
    col(TreasuryAlert.created_at),
)


async def load(db: Database, community: int, start: datetime, end: datetime) -> Stored | None:
    """The community's treasury as a digest of [start, end) needs it; None without Safes."""
    async with db.read() as session:
        query = select(WatchedSafe).where(WatchedSafe.community_id == community)
        safes = {(s.chain, s.address): s for s in (await session.exec(query)).all()}
        if not safes:
            return None
        queue = (
            select(QueuedTx)
            .join(WatchedSafe, _watched(community, QueuedTx.chain, QueuedTx.safe))
            .where(QueuedTx.state != "done")
            .order_by(col(QueuedTx.chain), col(QueuedTx.safe), col(QueuedTx.nonce))
        )
        queued = list((await session.exec(queue)).all())
        alerts = (
            select_columns(*_ALERT_COLUMNS)
            .where(
                col(TreasuryAlert.community_id) == community,
                col(TreasuryAlert.created_at) >= start,
                col(TreasuryAlert.created_at) < end,
                or_(
                    col(TreasuryAlert.kind).in_(EXECUTED | SECURITY),
                    col(TreasuryAlert.payout_mismatch).is_(True),
                ),
            )
            .order_by(col(TreasuryAlert.created_at), col(TreasuryAlert.id))
        )
        alert_rows = [AlertRow(*row) for row in await (await session.stream(alerts)).all()]
        flows = (
            select_columns(
                col(TreasuryFlow.chain),
                col(TreasuryFlow.safe),
                col(TreasuryFlow.token),
                col(TreasuryFlow.symbol),
                col(TreasuryFlow.decimals),
                col(TreasuryFlow.amount),
                col(TreasuryFlow.at),
            )
            .join(WatchedSafe, _watched(community, TreasuryFlow.chain, TreasuryFlow.safe))
            .where(col(TreasuryFlow.at) >= start, col(TreasuryFlow.at) < end)
            .order_by(col(TreasuryFlow.at), col(TreasuryFlow.id))
        )
        flow_rows = await (await session.stream(flows)).all()
    return Stored(safes, queued, alert_rows, per_token(tuple(row) for row in flow_rows))


def _watched(community: int, chain: Any, safe: Any) -> Any:
    return and_(
        col(WatchedSafe.community_id) == community,
        col(WatchedSafe.chain) == chain,
        col(WatchedSafe.address) == safe,
    )


def day_of(moment: datetime) -> datetime:
    at = as_utc(moment) or moment
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def per_token(
    rows: Iterable[tuple[Any, ...]],
) -> dict[tuple[str, str, str], TokenFlow]:
    """Flow rows (chain, safe, token, symbol, decimals, amount, at) summed per Safe and token;
    the latest symbol names the token."""
    found: dict[tuple[str, str, str], TokenFlow] = {}
    for chain, safe, token, symbol, decimals, amount, at in rows:
        key = (chain, safe, token.lower())
        flow = found.get(key)
        if flow is None:
            flow = found[key] = TokenFlow(chain, safe, token, symbol)
        flow.symbol = symbol
        value = units(int(amount), decimals)
        day = flow.days.setdefault(day_of(at), [Decimal(0), Decimal(0)])
        if value >= 0:
            flow.in_ += value
            day[0] += value
        else:
            flow.out -= value
            day[1] -= value
    return found
