"""The treasury's part of a steward's digest, from stored data only (no chain or service call).

- Needs you now: queued Safe transactions still short of signatures where one of the reader's
  linked addresses is an owner who has not confirmed.
- Treasury: the period's executed transactions, money in and out per Safe and token with the
  balance change, security alerts, and proposed payouts that did not match a vote.
- Coming up: the other queued transactions, awaiting signatures or ready to execute.
- The "flows" chart: per Safe and token, money in (+) and out (−) per UTC day, in token units.

Four queries whatever the number of Safes and transactions (see digest_store), plus the
directory's to name owners and payees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Section, Series
from bot.directory import Directory
from bot.storage.database import Database
from bot.storage.models import as_utc
from cogs.treasury.config import TreasuryConfig
from cogs.treasury.digest_store import EXECUTED, AlertRow, TokenFlow, load
from cogs.treasury.digest_words import (
    ADDRESS,
    alert_link,
    amount,
    balances_link,
    plain,
    queued_link,
    short,
    what,
)
from cogs.treasury.models import QueuedTx, WatchedSafe
from cogs.treasury.naming import OwnerNames

HIGH = "high"
Flows = dict[tuple[str, str, str], TokenFlow]


class TreasuryDigest:
    """The treasury's `DigestSource`."""

    name = "treasury"

    def __init__(self, db: Database, config: TreasuryConfig, directory: Directory) -> None:
        self._db = db
        self._config = config
        self._directory = directory

    async def digest_part(self, request: DigestRequest) -> DigestPart:
        community = request.community_id
        stored = await load(self._db, community, request.start, request.end)
        if stored is None:
            return DigestPart(self.name)
        words = _Words(self._config, stored.safes)
        await words.name_addresses(self._directory, community, stored.queued, stored.alerts)
        mine = {a.lower() for a in request.reader.addresses} if request.reader.user_id else set()
        items = [
            *words.queue_items(stored.queued, mine),
            *words.alert_items(stored.alerts),
            *words.flow_items(stored.flows),
        ]
        return DigestPart(self.name, tuple(items), tuple(words.flow_series(stored.flows)))


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
        alerts: Sequence[AlertRow],
    ) -> None:
        lines = [line for q in queued for line in q.lines]
        lines += [line for a in alerts for line in (*a.lines[:4], *a.payout_check)]
        # Only addresses a digest shows: owners who have not signed, and those in the words
        # (each address looked up costs the directory).
        addresses = [
            o
            for q in queued
            for o in q.owners
            if o.lower() not in {c.lower() for c in q.confirmations}
        ]
        addresses += [m.group(0) for line in lines for m in ADDRESS.finditer(line)]
        self._names = await OwnerNames.load(directory, community, addresses)

    def safe(self, chain: str, address: str) -> str:
        watched = self._safes.get((chain, address))
        return plain(watched.name if watched is not None else "") or short(address)

    def address(self, address: str) -> str:
        """A member's handle and short address for a linked address, else the short address."""
        named = self._names.name(address)
        return short(address) if named == address else named

    def text(self, line: str) -> str:
        """A stored line with members named, other addresses shortened, and made plain."""
        return plain(ADDRESS.sub(lambda m: self.address(m.group(0)), line))

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
            elif tx.owners:
                status = f"{signed} of {required} signatures, waiting for {self.who(missing)}"
            else:  # seen before owners were stored: they are at the next queue poll
                status = f"{signed} of {required} signatures"
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

    def alert_items(self, alerts: Sequence[AlertRow]) -> list[DigestItem]:
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

    def _labels(self, flows: Flows) -> dict[tuple[str, str, str], str]:
        """Each Safe and token's label ("Main Safe · USDC"); two tokens of one Safe with one
        symbol (a lookalike token) are told apart by address."""
        symbols: dict[tuple[str, str, str], int] = defaultdict(int)
        for flow in flows.values():
            symbols[(flow.chain, flow.safe, plain(flow.symbol))] += 1
        labels = {}
        for key, flow in flows.items():
            symbol = plain(flow.symbol) or "?"
            if symbols[(flow.chain, flow.safe, plain(flow.symbol))] > 1 and flow.token:
                symbol = f"{symbol} {short(flow.token)}"
            labels[key] = f"{self.safe(flow.chain, flow.safe)} · {symbol}"
        return labels

    def flow_items(self, flows: Flows) -> list[DigestItem]:
        labels = self._labels(flows)
        items = []
        for key, flow in flows.items():
            net = flow.in_ - flow.out
            items.append(
                DigestItem(
                    Section.TREASURY,
                    f"**{labels[key]}**: {amount(flow.in_, signed=True)} in, "
                    f"{amount(-flow.out, signed=True)} out; balance change "
                    f"{amount(net, signed=True)} {plain(flow.symbol) or '?'}.",
                    balances_link(self._config.chains.get(flow.chain), flow.safe),
                    None,
                    10.0,
                    f"flow:{flow.chain}:{flow.safe.lower()}:{key[2]}",
                )
            )
        return items

    def flow_series(self, flows: Flows) -> list[Series]:
        """One series per Safe and token: each day's money in as a positive point and its
        money out as a negative one (a day with both has two points)."""
        labels = self._labels(flows)
        found = []
        for key, flow in flows.items():
            points: list[tuple[datetime, float]] = []
            for day in sorted(flow.days):
                in_, out = flow.days[day]
                points += [(day, float(in_))] if in_ else []
                points += [(day, -float(out))] if out else []
            found.append(Series("flows", labels[key], plain(flow.symbol) or "?", tuple(points)))
        return found
