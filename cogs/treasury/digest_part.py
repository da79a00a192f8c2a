"""The treasury's part of a steward's digest, from stored data only (no chain or service call).

- Needs you now: queued Safe transactions still short of signatures where one of the reader's
  linked addresses is an owner who has not confirmed.
- Treasury: the period's executed transactions, money in and out per Safe and token with the
  balance change, security alerts, and proposed payouts that did not match a vote.
- Coming up: the other queued transactions, awaiting signatures or ready to execute.
- The "flows" chart: per Safe and token, money in (+) and out (−) per UTC day, in token units.

Four queries whatever the number of Safes and transactions (watched Safes, the queue, the
period's alerts, the period's flows), plus the directory's to name owners and payees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select

from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Section, Series
from bot.directory import Directory
from bot.storage.database import Database
from bot.storage.models import as_utc
from cogs.treasury.config import TreasuryConfig
from cogs.treasury.digest_words import (
    ADDRESS,
    alert_link,
    amount,
    balances_link,
    plain,
    queued_link,
    short,
    units,
    what,
)
from cogs.treasury.models import QueuedTx, TreasuryAlert, TreasuryFlow, WatchedSafe
from cogs.treasury.naming import OwnerNames

# Alerts a digest reports: what executed (and failed), and security changes outside a Safe
# transaction (a module, an approved spender moving funds). Money received is in the flows.
EXECUTED = frozenset({"execution", "execution_failure", "module_execution"})
SECURITY = frozenset({"security", "funds_out"})
HIGH = "high"


@dataclass(frozen=True)
class _Flow:
    in_: Decimal
    out: Decimal
    days: dict[datetime, tuple[Decimal, Decimal]]


class TreasuryDigest:
    """The treasury's `DigestSource`."""

    name = "treasury"

    def __init__(self, db: Database, config: TreasuryConfig, directory: Directory) -> None:
        self._db = db
        self._config = config
        self._directory = directory

    async def digest_part(self, request: DigestRequest) -> DigestPart:
        community = request.community_id
        async with self._db.read() as session:
            query = select(WatchedSafe).where(WatchedSafe.community_id == community)
            safes = {(s.chain, s.address): s for s in (await session.exec(query)).all()}
            if not safes:
                return DigestPart(self.name)
            queued = list(
                (
                    await session.exec(
                        select(QueuedTx)
                        .join(WatchedSafe, _watched(community, QueuedTx.chain, QueuedTx.safe))
                        .where(QueuedTx.state != "done")
                        .order_by(col(QueuedTx.chain), col(QueuedTx.safe), col(QueuedTx.nonce))
                    )
                ).all()
            )
            alerts = list(
                (
                    await session.exec(
                        select(TreasuryAlert)
                        .where(
                            TreasuryAlert.community_id == community,
                            col(TreasuryAlert.created_at) >= request.start,
                            col(TreasuryAlert.created_at) < request.end,
                            or_(
                                col(TreasuryAlert.kind).in_(EXECUTED | SECURITY),
                                col(TreasuryAlert.payout_mismatch).is_(True),
                            ),
                        )
                        .order_by(col(TreasuryAlert.created_at), col(TreasuryAlert.id))
                    )
                ).all()
            )
            flows = list(
                (
                    await session.exec(
                        select(TreasuryFlow)
                        .join(
                            WatchedSafe, _watched(community, TreasuryFlow.chain, TreasuryFlow.safe)
                        )
                        .where(
                            col(TreasuryFlow.at) >= request.start,
                            col(TreasuryFlow.at) < request.end,
                        )
                        .order_by(col(TreasuryFlow.at), col(TreasuryFlow.id))
                    )
                ).all()
            )
        words = _Words(self._config, safes)
        per_token = _flows(flows)
        await words.name_addresses(self._directory, community, queued, alerts)
        mine = {a.lower() for a in request.reader.addresses} if request.reader.user_id else set()
        items = [
            *words.queue_items(queued, mine),
            *words.alert_items(alerts),
            *words.flow_items(per_token),
        ]
        return DigestPart(self.name, tuple(items), tuple(words.flow_series(per_token)))


def _watched(community: int, chain: Any, safe: Any) -> Any:
    return and_(
        col(WatchedSafe.community_id) == community,
        col(WatchedSafe.chain) == chain,
        col(WatchedSafe.address) == safe,
    )


def _day(moment: datetime) -> datetime:
    at = as_utc(moment) or moment
    return datetime(at.year, at.month, at.day, tzinfo=UTC)


def _flows(rows: Iterable[TreasuryFlow]) -> dict[tuple[str, str, str], tuple[TreasuryFlow, _Flow]]:
    """Per (chain, Safe, token): the last row (for its symbol), sums in and out, and per day."""
    found: dict[tuple[str, str, str], tuple[TreasuryFlow, _Flow]] = {}
    for row in rows:
        key = (row.chain, row.safe, row.token.lower())
        _, flow = found.get(key, (row, _Flow(Decimal(0), Decimal(0), {})))
        value = units(int(row.amount), row.decimals)
        day = _day(row.at)
        in_, out = flow.days.get(day, (Decimal(0), Decimal(0)))
        if value >= 0:
            flow = _Flow(flow.in_ + value, flow.out, {**flow.days, day: (in_ + value, out)})
        else:
            flow = _Flow(flow.in_, flow.out - value, {**flow.days, day: (in_, out - value)})
        found[key] = (row, flow)
    return found


class _Words:
    """The items' words for one community: its Safes by name, owners and payees by handle."""

    def __init__(self, config: TreasuryConfig, safes: dict[tuple[str, str], WatchedSafe]) -> None:
        self._config = config
        self._safes = safes
        self._names = OwnerNames({})

    async def name_addresses(
        self,
        directory: Directory,
        community: int,
        queued: Sequence[QueuedTx],
        alerts: Sequence[TreasuryAlert],
    ) -> None:
        lines = [line for q in queued for line in q.lines]
        lines += [line for a in alerts for line in (*a.lines[:4], *a.payout_check)]
        addresses = [o for q in queued for o in q.owners]
        addresses += [m.group(0) for line in lines for m in ADDRESS.finditer(line)]
        self._names = await OwnerNames.load(directory, community, addresses)

    def safe(self, chain: str, address: str) -> str:
        watched = self._safes.get((chain, address))
        return plain(watched.name if watched is not None else "") or short(address)

    def text(self, line: str) -> str:
        """A stored line with members named, other addresses shortened, and made plain."""
        named = self._names.text(line)
        return plain(ADDRESS.sub(lambda m: short(m.group(0)), named))

    def who(self, addresses: Sequence[str]) -> str:
        return ", ".join(self.text(a) for a in addresses) or "nobody"

    def queue_items(self, queued: Sequence[QueuedTx], mine: set[str]) -> list[DigestItem]:
        items = []
        for tx in queued:
            chain = self._config.chains.get(tx.chain)
            confirmed = {c.lower() for c in tx.confirmations}
            missing = [o for o in tx.owners if o.lower() not in confirmed]
            signed, required = len(confirmed), tx.required
            name, does = self.safe(tx.chain, tx.safe), self.text(what(tx.lines))
            url = queued_link(chain, tx.safe, tx.safe_tx_hash)
            first_seen = as_utc(tx.first_seen_at)
            yours = [o for o in missing if o.lower() in mine]
            if signed < required and yours:
                last = " (the last one needed)" if required - signed == 1 else ""
                items.append(
                    DigestItem(
                        Section.NEEDS_YOU,
                        f"Sign on **{name}** (nonce {tx.nonce}): {does}. {signed} of {required} "
                        f"signatures so far; yours as {self.who(yours)}{last}.",
                        url,
                        first_seen,
                        rank=60.0 if last else 50.0,
                        key=f"safe:{tx.chain}:{tx.safe_tx_hash}:sign",
                    )
                )
                continue
            if signed >= required:
                status = f"ready to execute ({signed} of {required} signatures)"
            else:
                status = f"{signed} of {required} signatures, waiting for {self.who(missing)}"
            items.append(
                DigestItem(
                    Section.COMING_UP,
                    f"**{name}** (nonce {tx.nonce}): {does}; {status}.",
                    url,
                    first_seen,
                    rank=(20.0 if signed >= required else 10.0) - tx.nonce / 1e6,
                    key=f"safe:{tx.chain}:{tx.safe_tx_hash}:queued",
                )
            )
        return items

    def alert_items(self, alerts: Sequence[TreasuryAlert]) -> list[DigestItem]:
        items = []
        for alert in alerts:
            name = self.safe(alert.chain, alert.safe)
            said = self.text(alert.title.split(f" on {alert.chain}: ", 1)[-1])
            at, url = as_utc(alert.created_at), alert_link(alert.links)
            if alert.payout_mismatch:
                checks = "; ".join(self.text(line) for line in alert.payout_check[:2])
                text = f"⚠ **{name}**: {said}, with a payout that does not match a vote: {checks}."
                rank, kind = 35.0, "payout"
            else:
                flag = "⚠ " if alert.severity == HIGH else ""
                text = f"{flag}**{name}**: {said}: {self.text(what(alert.lines))}."
                rank = 40.0 if alert.severity == HIGH else 20.0
                kind = "executed" if alert.kind in EXECUTED else "security"
            items.append(
                DigestItem(Section.TREASURY, text, url, at, rank, f"alert:{kind}:{alert.key}")
            )
        return items

    def _label(self, row: TreasuryFlow, clash: bool) -> str:
        symbol = plain(row.symbol) or "?"
        if clash and row.token:
            symbol = f"{symbol} {short(row.token)}"
        return f"{self.safe(row.chain, row.safe)} · {symbol}"

    def _labels(
        self, flows: dict[tuple[str, str, str], tuple[TreasuryFlow, _Flow]]
    ) -> dict[tuple[str, str, str], str]:
        """Each Safe and token's label; two tokens of one Safe with one symbol (a lookalike
        token) are told apart by address."""
        symbols: dict[tuple[str, str, str], int] = defaultdict(int)
        for (chain, safe, _), (row, _) in flows.items():
            symbols[(chain, safe, plain(row.symbol))] += 1
        return {
            key: self._label(row, symbols[(key[0], key[1], plain(row.symbol))] > 1)
            for key, (row, _) in flows.items()
        }

    def flow_items(
        self, flows: dict[tuple[str, str, str], tuple[TreasuryFlow, _Flow]]
    ) -> list[DigestItem]:
        labels = self._labels(flows)
        items = []
        for key, (row, flow) in flows.items():
            symbol = plain(row.symbol) or "?"
            net = flow.in_ - flow.out
            items.append(
                DigestItem(
                    Section.TREASURY,
                    f"**{labels[key]}**: {amount(flow.in_, signed=True)} in, "
                    f"{amount(-flow.out, signed=True)} out; balance change "
                    f"{amount(net, signed=True)} {symbol}.",
                    balances_link(self._config.chains.get(row.chain), row.safe),
                    None,
                    10.0,
                    f"flow:{row.chain}:{row.safe.lower()}:{key[2]}",
                )
            )
        return items

    def flow_series(
        self, flows: dict[tuple[str, str, str], tuple[TreasuryFlow, _Flow]]
    ) -> list[Series]:
        """One series per Safe and token: each day's money in as a positive point and its
        money out as a negative one (a day with both has two points)."""
        labels = self._labels(flows)
        found = []
        for key, (row, flow) in flows.items():
            points: list[tuple[datetime, float]] = []
            for day in sorted(flow.days):
                in_, out = flow.days[day]
                points += [(day, float(in_))] if in_ else []
                points += [(day, -float(out))] if out else []
            found.append(Series("flows", labels[key], plain(row.symbol) or "?", tuple(points)))
        return found
