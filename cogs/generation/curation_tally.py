"""Counting votes and choosing the winner; no I/O here.

The winner is the output with the highest total weight; a tie goes to the output more members
voted for, then to the one whose first vote came earliest, then to the lower output id, so the
same votes always give the same winner. An output nobody voted for never wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Ballot:
    output_id: int
    member: str  # "platform:user id"
    weight: Decimal
    voted_at: datetime


@dataclass(frozen=True)
class OutputTally:
    output_id: int
    voters: int = 0
    weight: Decimal = Decimal(0)
    first: datetime | None = None  # when its first vote came

    def as_data(self) -> dict[str, Any]:
        return {
            "output": self.output_id,
            "voters": self.voters,
            "weight": str(self.weight),
            "first": self.first.isoformat() if self.first else None,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> OutputTally:
        first = data.get("first")
        return cls(
            int(data["output"]),
            int(data["voters"]),
            Decimal(str(data["weight"])),
            datetime.fromisoformat(first) if first else None,
        )


def _rank(entry: OutputTally) -> tuple[Decimal, int, float, int]:
    first = entry.first.timestamp() if entry.first else float("inf")
    return (-entry.weight, -entry.voters, first, entry.output_id)


def tally(output_ids: Iterable[int], ballots: Iterable[Ballot]) -> list[OutputTally]:
    """Every output's votes (those without any included), best first."""
    found: dict[int, OutputTally] = {oid: OutputTally(oid) for oid in output_ids}
    for ballot in sorted(ballots, key=lambda b: b.voted_at):
        entry = found.get(ballot.output_id, OutputTally(ballot.output_id))
        found[ballot.output_id] = OutputTally(
            ballot.output_id,
            entry.voters + 1,
            entry.weight + ballot.weight,
            entry.first or ballot.voted_at,
        )
    return sorted(found.values(), key=_rank)


def winner(ranked: Sequence[OutputTally]) -> OutputTally | None:
    best = ranked[0] if ranked else None
    return best if best is not None and best.voters > 0 else None


def amount(value: Decimal) -> str:
    """A weight as people read it: 1,234.5 (at most 6 decimals, no trailing zeros)."""
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def tally_line(
    entry: OutputTally, weighted_by: str, winner_id: int | None, position: int | None = None
) -> str:
    """One output's line: "Output 3 (#2): 2 votes, 140 TUSD 🏆" (#2: its number in the job)."""
    votes = f"{entry.voters} vote{'s' if entry.voters != 1 else ''}"
    weight = f", {amount(entry.weight)} {weighted_by}" if weighted_by else ""
    crown = " 🏆" if entry.output_id == winner_id else ""
    where = f" (#{position})" if position is not None else ""
    return f"Output {entry.output_id}{where}: {votes}{weight}{crown}"
