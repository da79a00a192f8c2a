"""What each feature contributes to a steward's digest, without the digests feature importing it.

A feature that knows something a steward should hear about (debates, treasury, proposals,
onboarding) registers a `DigestSource`; the digests feature asks `DigestParts.gather` for one
period and one reader and gets each source's `DigestPart`: items under the digest's sections and
series for its chart. A source that fails is reported as one line, never stops the digest; a
feature that is not enabled contributes nothing (its section is left out, not faked).

Sources must be cheap: a digest is built from stored data in a few queries per source, and a
source calls a model at most once per item that has no stored text (recording the tokens for
/usage itself).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

log = logging.getLogger(__name__)


class Section(StrEnum):
    """A digest's sections, in priority order: a digest cut to fit drops the last first."""

    NEEDS_YOU = "needs_you"
    DEBATES = "debates"
    VOTES = "votes"
    TREASURY = "treasury"
    PEOPLE = "people"
    COMING_UP = "coming_up"

    @property
    def heading(self) -> str:
        return SECTION_TITLES[self]

    @property
    def priority(self) -> int:
        return list(Section).index(self)


SECTION_TITLES = {
    Section.NEEDS_YOU: "Needs you now",
    Section.DEBATES: "Debates",
    Section.VOTES: "Votes",
    Section.TREASURY: "Treasury",
    Section.PEOPLE: "People",
    Section.COMING_UP: "Coming up",
}


@dataclass(frozen=True)
class Reader:
    """Who a digest is for: a member (by direct message) with the addresses they linked, or a
    channel (`user_id` None, no addresses): "Needs you now" is only for a member."""

    platform: str
    user_id: str | None = None
    addresses: tuple[str, ...] = ()  # checksummed, from the directory


@dataclass(frozen=True)
class DigestRequest:
    community_id: int
    start: datetime  # the period, UTC: [start, end)
    end: datetime
    reader: Reader
    # Whether a source may call a model for an item with no stored text (a preview may not).
    allow_model: bool = True


@dataclass(frozen=True)
class DigestItem:
    """One line of a section: Markdown text (untrusted text already neutralized by the source,
    at most two sentences), the link to its source, and how it ranks within its section."""

    section: Section
    text: str
    url: str | None = None
    at: datetime | None = None  # when it happened or is due, UTC
    rank: float = 0.0  # higher first within the section
    # Stable within the source ("safe:0xabc:42"): the same thing said twice is shown once.
    key: str = ""
    # `at` is a calendar day (a deadline in a timeline), not a moment: shown without a time.
    all_day: bool = False


@dataclass(frozen=True)
class Series:
    """A line of the digest's chart: `chart` "activity" (posts per day, per source) or "flows"
    (money in and out per day, per Safe and token; out is negative)."""

    chart: str
    label: str
    unit: str
    points: tuple[tuple[datetime, float], ...]


@dataclass(frozen=True)
class DigestPart:
    source: str
    items: tuple[DigestItem, ...] = ()
    series: tuple[Series, ...] = ()
    # Lines the digest shows as-is when a source had trouble ("Treasury: the RPC did not answer").
    problems: tuple[str, ...] = ()
    # Model tokens this part spent (already recorded for /usage by the source).
    model_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class DigestSource(Protocol):
    name: str

    async def digest_part(self, request: DigestRequest) -> DigestPart: ...


@dataclass
class DigestParts:
    _sources: list[DigestSource] = field(default_factory=list)

    def register(self, source: DigestSource) -> None:
        self._sources.append(source)

    @property
    def names(self) -> list[str]:
        return [source.name for source in self._sources]

    async def gather(self, request: DigestRequest) -> list[DigestPart]:
        """Every source's part for the request, side by side; a source that raises gives a part
        with one problem line instead."""
        results = await asyncio.gather(
            *(source.digest_part(request) for source in self._sources), return_exceptions=True
        )
        parts: list[DigestPart] = []
        for source, result in zip(self._sources, results, strict=True):
            if isinstance(result, DigestPart):
                parts.append(result)
            elif isinstance(result, Exception):
                log.warning("digest source failed", exc_info=result, extra={"source": source.name})
                parts.append(DigestPart(source.name, problems=(_problem(source.name, result),)))
            else:
                raise result
        return parts


def _problem(source: str, error: Exception) -> str:
    said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return f"{source.capitalize()} could not be read for this digest: {said[:200]}"


def items_of(parts: Sequence[DigestPart], section: Section) -> list[DigestItem]:
    """A section's items across parts, best first, each key once."""
    seen: set[str] = set()
    found: list[DigestItem] = []
    for item in sorted(
        (item for part in parts for item in part.items if item.section is section),
        key=lambda item: -item.rank,
    ):
        if item.key and item.key in seen:
            continue
        seen.add(item.key)
        found.append(item)
    return found
