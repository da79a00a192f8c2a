"""The Safe Transaction Service API: queued multisig transactions, within a request quota.

Our own client rather than safe-eth-py's TransactionServiceApi: that one returns only the first
page and hides the X-RateLimit-* headers, which a quota-aware poller needs.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from chain.errors import ChainError
from chain.transport import Response, Transport

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedTransaction:
    safe: str
    safe_tx_hash: str
    to: str
    value: int
    data: bytes
    operation: int
    nonce: int
    confirmations: tuple[str, ...]
    confirmations_required: int
    submitted_at: str
    proposer: str | None


@dataclass
class Quota:
    """What the service said about our quota in its last answer."""

    limit: int | None = None
    remaining: int | None = None
    reset_at: float | None = None  # monotonic time
    blocked_until: float = 0.0
    warnings: list[str] = field(default_factory=list)


class TransactionService:
    def __init__(
        self,
        base_url: str,
        transport: Transport,
        *,
        api_key: str | None = None,
        page_size: int = 100,
        clock: Any = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._transport = transport
        self._credentials = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._page_size = page_size
        self._clock = clock
        self.quota = Quota()
        self.requests = 0

    def available(self) -> bool:
        if self._clock() < self.quota.blocked_until:
            return False
        return (
            self.quota.remaining is None
            or self.quota.remaining > 0
            or (self.quota.reset_at is not None and self._clock() >= self.quota.reset_at)
        )

    async def queued(self, safe: str, nonce_from: int) -> list[QueuedTransaction]:
        """Unexecuted transactions from the on-chain nonce on, every page."""
        url: str | None = (
            f"{self.base_url}/api/v2/safes/{safe}/multisig-transactions/"
            f"?executed=false&nonce__gte={nonce_from}&ordering=nonce&limit={self._page_size}"
        )
        found: list[QueuedTransaction] = []
        while url:
            page = await self._get(url)
            found += [_queued(safe, item) for item in page.get("results", [])]
            url = page.get("next")
        return found

    async def transaction(self, safe_tx_hash: str) -> dict[str, Any]:
        return await self._get(f"{self.base_url}/api/v2/multisig-transactions/{safe_tx_hash}/")

    async def _get(self, url: str) -> dict[str, Any]:
        if not self.available():
            raise ChainError("Safe Transaction Service", "request quota exhausted for now")
        self.requests += 1
        try:
            # No retries here: a 429 pauses this poller for as long as the service asks, and the
            # schedule polls again; waiting inside one poll would spend the quota twice.
            response = await self._transport.request(
                "GET",
                url,
                headers={"Accept": "application/json"},
                credentials=self._credentials,
                retry=False,
                accept=(429,),
            )
            self._read_quota(response)
            if response.status == 429:
                wait = float(response.headers.get("Retry-After", "1") or 1)
                self.quota.blocked_until = self._clock() + wait
                raise ChainError("Safe Transaction Service", f"rate limited for {wait:g}s")
            data = response.json()
        except aiohttp.ClientError as exc:
            retryable = bool(getattr(exc, "retryable", True))
            raise ChainError("Safe Transaction Service", str(exc), retryable=retryable) from exc
        return data if isinstance(data, dict) else {}

    def _read_quota(self, response: Response) -> None:
        headers = response.headers
        if (limit := headers.get("X-RateLimit-Limit")) is not None:
            self.quota.limit = _int(limit)
        if (remaining := headers.get("X-RateLimit-Remaining")) is not None:
            self.quota.remaining = _int(remaining)
        if (reset := headers.get("X-RateLimit-Reset")) is not None:
            seconds = _int(reset)
            if seconds is not None:  # seconds from now, not a timestamp
                self.quota.reset_at = self._clock() + seconds
        if warning := headers.get("X-RateLimit-Warning"):
            if warning not in self.quota.warnings:
                log.warning("Transaction Service quota warning", extra={"warning": warning})
            self.quota.warnings = [warning]


def _int(value: str) -> int | None:
    try:
        return int(float(value))
    except ValueError:
        return None


def _queued(safe: str, item: dict[str, Any]) -> QueuedTransaction:
    data = item.get("data") or "0x"
    return QueuedTransaction(
        safe=safe,
        safe_tx_hash=str(item["safeTxHash"]),
        to=str(item["to"]),
        value=int(item.get("value") or 0),
        data=bytes.fromhex(str(data)[2:]),
        operation=int(item.get("operation") or 0),
        nonce=int(item["nonce"]),
        confirmations=tuple(str(c["owner"]) for c in item.get("confirmations") or []),
        confirmations_required=int(item.get("confirmationsRequired") or 0),
        submitted_at=str(item.get("submissionDate") or ""),
        proposer=item.get("proposer"),
    )
