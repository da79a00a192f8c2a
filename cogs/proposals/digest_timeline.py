"""Deadlines in a proposal's timeline: the dates its Timeline (or Milestones) section names.

Pure: `deadlines(text, written)` finds real dates in each line ("2026-12-15", "Dec 15",
"December 15th, 2026", "15 December 2026", "15 Dec") and pairs each with its line. A date
without a year is the first such day on or after `written` (when the draft was written);
anything that is not a real date ("Q1", "week 3", "February 30") is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<{g}>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<{g}>\d{{1,2}})(?:st|nd|rd|th)?"
_YEAR = r"(?P<{g}>\d{{4}})"
PATTERNS = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    # Dec 15, December 15th, 2026
    re.compile(
        r"\b"
        + _MONTH.format(g="mn")
        + r"\s+"
        + _DAY.format(g="d")
        + r"\b(?:,?\s+"
        + _YEAR.format(g="y")
        + r"\b)?",
        re.IGNORECASE,
    ),
    # 15 December 2026, 15th of Dec
    re.compile(
        r"\b"
        + _DAY.format(g="d")
        + r"\s+(?:of\s+)?"
        + _MONTH.format(g="mn")
        + r"(?:,?\s+"
        + _YEAR.format(g="y")
        + r"\b)?",
        re.IGNORECASE,
    ),
)
TIMELINE_HEADINGS = ("timeline", "milestones", "deadlines", "schedule")


@dataclass(frozen=True)
class Deadline:
    day: date
    line: str  # the line that names it, without list marks


def is_timeline(key: str, heading: str) -> bool:
    return key == "timeline" or heading.strip().lower() in TIMELINE_HEADINGS


def deadlines(text: str, written: date) -> list[Deadline]:
    """Every real date of the text, with its line, in the order written (each day once per
    line)."""
    found: list[Deadline] = []
    for raw in text.splitlines():
        line = raw.strip().lstrip("-*•|").strip().strip("|").strip()
        if not line:
            continue
        spans: list[tuple[int, int]] = []
        days: list[date] = []
        for pattern in PATTERNS:
            for match in pattern.finditer(line):
                if any(match.start() < end and start < match.end() for start, end in spans):
                    continue  # part of a date already read ("2026-12-15" is not "12 ...")
                day = _date(match.groupdict(), written)
                spans.append((match.start(), match.end()))
                if day is not None and day not in days:
                    days.append(day)
        found += [Deadline(day, line) for day in days]
    return found


def _date(parts: dict[str, str | None], written: date) -> date | None:
    try:
        name = parts.get("mn")
        month = MONTHS[name.lower()] if name else int(parts["m"] or 0)
        day = int(parts["d"] or 0)
        if parts.get("y"):
            return date(int(parts["y"] or 0), month, day)
        this_year = date(written.year, month, day)
        return this_year if this_year >= written else date(written.year + 1, month, day)
    except (KeyError, ValueError):
        return None
