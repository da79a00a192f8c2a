"""Checking a payment a treasury is about to make, as features that know why money moves see it.

A feature that knows what was approved (proposals: what passed votes asked to be paid) registers
a `PayoutReviewer`; the treasury asks `PayoutReviews.review` about the payments of each queued
Safe transaction and gets None when no reviewer is registered or none has an opinion: features
stay independent of one another, and the treasury works as before without proposals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class Payment:
    """One transfer out of a Safe: `token` is the token's address, None for the native coin."""

    recipient: str
    token: str | None
    symbol: str
    amount: int  # base units
    decimals: int

    @property
    def units(self) -> Decimal:
        return Decimal(self.amount).scaleb(-self.decimals)


@dataclass(frozen=True)
class PayoutVerdict:
    """What a reviewer says about a transaction's payments: one line each, and whether any of
    them is not what was approved (the treasury then raises the alert to high severity)."""

    lines: tuple[str, ...]
    mismatch: bool


class PayoutReviewer(Protocol):
    async def review(
        self,
        community_id: int,
        chain: str,
        safe: str,
        payments: Sequence[Payment],
        at: datetime,
    ) -> PayoutVerdict | None:
        """The verdict on a queued transaction's payments, or None when it has nothing to say
        (the community follows no votes)."""
        ...


class PayoutReviews:
    def __init__(self) -> None:
        self._reviewers: list[PayoutReviewer] = []

    def register(self, reviewer: PayoutReviewer) -> None:
        self._reviewers.append(reviewer)

    @property
    def active(self) -> bool:
        return bool(self._reviewers)

    async def review(
        self,
        community_id: int,
        chain: str,
        safe: str,
        payments: Sequence[Payment],
        at: datetime,
    ) -> PayoutVerdict | None:
        """Every registered reviewer's verdict together; None when none had one."""
        verdicts = [
            v
            for r in self._reviewers
            if (v := await r.review(community_id, chain, safe, payments, at)) is not None
        ]
        if not verdicts:
            return None
        return PayoutVerdict(
            tuple(line for v in verdicts for line in v.lines), any(v.mismatch for v in verdicts)
        )
