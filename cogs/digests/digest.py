"""A digest as built, before it is rendered for a platform: who it is for, the period it
covers, and every feature's part (bot/digest_parts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.digest_parts import DigestItem, DigestPart, Reader, Section, Series, items_of


@dataclass(frozen=True)
class Digest:
    community: str  # the community's name, as the title shows it
    start: datetime  # the period covered, UTC: [start, end)
    end: datetime
    timezone: str  # the reader's IANA zone, for the times shown
    reader: Reader
    parts: tuple[DigestPart, ...]
    # A digest that covers a gap the bot was down over (several missed slots, sent as one).
    catch_up: bool = False

    def items(self, section: Section) -> list[DigestItem]:
        return items_of(self.parts, section)

    def sections(self) -> list[tuple[Section, list[DigestItem]]]:
        """The sections that have items, in priority order."""
        found = [(section, self.items(section)) for section in Section]
        return [(section, items) for section, items in found if items]

    def series(self, chart: str) -> list[Series]:
        return [s for part in self.parts for s in part.series if s.chart == chart]

    @property
    def problems(self) -> list[str]:
        return [line for part in self.parts for line in part.problems]

    @property
    def empty(self) -> bool:
        """Nothing to tell: no item in any section and no problem to report."""
        return not self.sections() and not self.problems

    @property
    def prompt_tokens(self) -> int:
        return sum(part.prompt_tokens for part in self.parts)

    @property
    def completion_tokens(self) -> int:
        return sum(part.completion_tokens for part in self.parts)
