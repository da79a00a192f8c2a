"""Hand-made digests for the rendering tests: small, big and hostile."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.digest_parts import DigestItem, DigestPart, Reader, Section, Series
from cogs.digests.digest import Digest

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
END = START + timedelta(days=1)
HOSTILE = "@everyone <b>&amp;</b> *bold* _it_ `code` ** [x](y) 日本語のテキスト 🚀🔥 Ελληνικά"


def digest(*parts: DigestPart, catch_up: bool = False, start: datetime = START) -> Digest:
    return Digest(
        community="Acme DAO",
        start=start,
        end=start + timedelta(days=1),
        timezone="Europe/Berlin",
        reader=Reader("discord", "42"),
        parts=parts,
        catch_up=catch_up,
    )


def item(section: Section, n: int, text: str = "", *, rank: float | None = None) -> DigestItem:
    return DigestItem(
        section,
        text or f"{section.heading} item {n}",
        url=f"https://forum.acme.org/t/topic-{section.value}/{n}",
        at=item_time(section, n),
        rank=-n if rank is None else rank,
        key=f"{section.value}:{n}",
    )


def item_time(section: Section, n: int) -> datetime:
    """What is due (Needs you now, Coming up) is due after the period; the rest happened in it."""
    due = section in (Section.NEEDS_YOU, Section.COMING_UP)
    return (END if due else START) + timedelta(minutes=7 * n)


def big(per_section: int = 200, text_chars: int = 400) -> Digest:
    """Every section with hundreds of long, hostile items."""
    body = (HOSTILE + " ") * (text_chars // len(HOSTILE) + 1)
    items = tuple(
        item(section, n, f"{n}: {body[:text_chars]}")
        for section in Section
        for n in range(per_section)
    )
    return digest(DigestPart("test", items=items, problems=("Treasury: the RPC did not answer",)))


def series(chart: str, label: str, unit: str, values: list[float]) -> Series:
    day = START.replace(hour=0)
    points = tuple((day + timedelta(days=i), v) for i, v in enumerate(values))
    return Series(chart, label, unit, points)
