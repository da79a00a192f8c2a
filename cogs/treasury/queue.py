"""Polling the Safe Transaction Service queue within a request budget.

The free tier allows 50,000 requests a month (about 69 an hour). The budget is a token bucket
refilled at the monthly rate; Safes with pending transactions or fresh on-chain activity are
polled first and often, quiet ones back off up to an hour. The service's X-RateLimit-* headers
and 429s pause polling until it says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from chain.errors import ChainError
from chain.tx_service import TransactionService

log = logging.getLogger(__name__)

MONTH_SECONDS = 30 * 86400
ACTIVE_INTERVAL = 30.0
QUIET_MAX_INTERVAL = 3600.0
# Share of the request budget reserved for Safes with something pending.
ACTIVE_SHARE = 0.7


@dataclass
class SafeSchedule:
    address: str
    next_due: float
    interval: float = ACTIVE_INTERVAL
    active: bool = True


class QueueBudget:
    """A token bucket: `per_month` requests spread evenly, bursts of at most `burst`."""

    def __init__(self, per_month: int, burst: float, clock: Callable[[], float]) -> None:
        self.rate = per_month / MONTH_SECONDS
        self.burst = burst
        self._clock = clock
        self._tokens = burst
        self._at = clock()
        self.spent = 0

    def available(self) -> float:
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        return self._tokens

    def spend(self, requests: int) -> None:
        self.available()
        self._tokens -= requests
        self.spent += requests


class QueuePoller:
    def __init__(
        self,
        client: TransactionService,
        poll_safe: Callable[[str], object],
        *,
        per_month: int,
        burst: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._poll_safe = poll_safe
        self._clock = clock
        self.budget = QueueBudget(per_month, burst, clock)
        self.schedules: dict[str, SafeSchedule] = {}

    def track(self, addresses: list[str]) -> None:
        now = self._clock()
        for address in addresses:
            self.schedules.setdefault(address.lower(), SafeSchedule(address, next_due=now))
        for key in list(self.schedules):
            if key not in {a.lower() for a in addresses}:
                del self.schedules[key]

    def mark_active(self, address: str) -> None:
        """On-chain activity: look at this Safe's queue at the next chance."""
        schedule = self.schedules.get(address.lower())
        if schedule is not None:
            schedule.next_due = self._clock()
            schedule.interval = ACTIVE_INTERVAL
            schedule.active = True

    def due(self) -> list[SafeSchedule]:
        now = self._clock()
        ready = [s for s in self.schedules.values() if s.next_due <= now]
        return sorted(ready, key=lambda s: (not s.active, s.next_due))

    async def tick(self) -> int:
        """Poll the due Safes the budget allows; returns how many were polled."""
        polled = 0
        for schedule in self.due():
            if self.budget.available() < 1 or not self.client.available():
                break
            before = self.client.requests
            try:
                pending = await self._poll_safe(schedule.address)  # type: ignore[misc]
            except ChainError as exc:
                log.warning(
                    "queue poll failed", extra={"safe": schedule.address, "error": str(exc)}
                )
                pending = None
            finally:
                self.budget.spend(max(1, self.client.requests - before))
            self._reschedule(schedule, bool(pending))
            polled += 1
        return polled

    def _reschedule(self, schedule: SafeSchedule, pending: bool) -> None:
        """Active Safes share most of the budget evenly; quiet ones back off, but not beyond
        what keeps every one of them inside the rest of the budget."""
        schedule.active = pending
        active = sum(1 for s in self.schedules.values() if s.active)
        quiet = len(self.schedules) - active
        rate = self.budget.rate
        if pending:
            schedule.interval = max(ACTIVE_INTERVAL, active / (ACTIVE_SHARE * rate))
        else:
            fair = quiet / ((1 - ACTIVE_SHARE) * rate)
            schedule.interval = max(fair, min(QUIET_MAX_INTERVAL, schedule.interval * 2))
        schedule.next_due = self._clock() + schedule.interval
