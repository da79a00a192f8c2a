"""Chain logs a feature wants, read in the treasury's own poll of a chain.

A feature that follows contracts (proposals: OpenZeppelin Governors) registers a `LogInterest`:
a chain name, the contracts' addresses, the topic0s it wants and an async handler. The treasury,
which owns the chains (`[treasury.chains.<name>]`: RPC, confirmations, range limits, cursor),
adds each interest's filter to the same JSON-RPC batch as its own filters, so a poll stays one
HTTP request however many features listen; it polls a chain with interests even when it watches
no Safe there. A chain that is not configured under `[treasury.chains]` is never polled: an
interest in it waits for nothing.

Exactly once: the handler gets the raw logs of each confirmed block range inside the database
transaction that advances the treasury's cursor, and must do its writes (outbox messages keyed
by transaction hash and log index, its own rows) in that session. The range, the handler's
writes and the cursor commit together or not at all; a handler that raises leaves the cursor
where it was, so the range is read again on the next round (and the chain's health shows the
error until it passes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from chain.node import ChainNode

RawLog = dict[str, Any]
# (session, chain name, the chain's node, the range's logs in chain order, the range's last block)
LogHandler = Callable[[AsyncSession, str, ChainNode, list[RawLog], int], Awaitable[None]]


@dataclass(frozen=True)
class LogInterest:
    name: str  # who asks, for logs and errors: "proposals.governors"
    chain: str
    addresses: tuple[str, ...]
    topics: tuple[str, ...]  # topic0s, any of which matches
    handler: LogHandler

    def log_filter(self) -> dict[str, Any]:
        """The eth_getLogs filter, without its block range."""
        return {"address": list(self.addresses), "topics": [list(self.topics)]}

    def wants(self, log: RawLog) -> bool:
        topics = log.get("topics") or []
        return (
            str(log.get("address", "")).lower() in {a.lower() for a in self.addresses}
            and bool(topics)
            and str(topics[0]).lower() in {t.lower() for t in self.topics}
        )


class ChainLogs:
    """The registered interests, by chain."""

    def __init__(self) -> None:
        self._interests: list[LogInterest] = []
        self._served: set[str] = set()

    def serve(self, chains: Iterable[str]) -> None:
        """Said by the feature that polls these chains (the treasury), so a feature can tell a
        member that an interest in another chain is never read."""
        self._served.update(chains)

    def served(self, chain: str) -> bool:
        return chain in self._served

    def register(self, interest: LogInterest) -> None:
        if not interest.addresses or not interest.topics:
            return  # nothing to ask for
        self._interests.append(interest)

    def unregister(self, interest: LogInterest) -> None:
        if interest in self._interests:
            self._interests.remove(interest)

    def on(self, chain: str) -> list[LogInterest]:
        return [i for i in self._interests if i.chain == chain]

    def chains(self) -> set[str]:
        return {i.chain for i in self._interests}


def matching(interest: LogInterest, logs: Sequence[RawLog]) -> list[RawLog]:
    """The logs an interest asked for, once each, in chain order."""
    seen: set[tuple[str, str]] = set()
    found = []
    for log in sorted(logs, key=lambda e: (_int(e["blockNumber"]), _int(e["logIndex"]))):
        key = (str(log.get("transactionHash")), str(log.get("logIndex")))
        if key not in seen and interest.wants(log):
            seen.add(key)
            found.append(log)
    return found


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value), 16)
