"""The period a summary reads, as a steward asked for it: since and until, in the community's time.

A summary is compared only with an earlier one of the same kind of window ("since the last
summary"): the same relative length ("the last 7d"), the same fixed dates, or the whole record.
`Period.key` says which kind a window is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from bot.commands.options import When
from bot.errors import InvalidOption


@dataclass(frozen=True)
class Period:
    since: datetime | None
    until: datetime | None
    key: str  # windows with the same key are comparable
    label: str  # how the window reads in a reply: "the last 7d", "29 Apr 2025"

    @property
    def whole(self) -> bool:
        return self.since is None and self.until is None


WHOLE = Period(None, None, "all", "")


def period_of(since: When | None, until: When | None, now: datetime, zone: tzinfo) -> Period:
    """The window asked for; a date given as `until` ends with that day."""
    if since is None and until is None:
        return WHOLE
    start = since.resolve(now, zone) if since else None
    end = until.resolve(now, zone, end=True) if until else None
    if start is not None and start > now:
        raise InvalidOption("since", f"is in the future ({local(start, zone)})")
    if start is not None and end is not None and end <= start:
        raise InvalidOption(
            "until", f"must be after since ({local(end, zone)} is not after {local(start, zone)})"
        )
    if since is not None and since.ago is not None and until is None:
        key = f"last:{int(since.ago.total_seconds())}"
        return Period(start, None, key, f"the last {since.text.replace(' ', '')}")
    key = f"{_iso(start)}/{_iso(end)}"
    return Period(start, end, key, _label(start, end, zone))


def local(moment: datetime, zone: tzinfo) -> str:
    """A moment as people read it: "29 Apr 2025 14:02", in the community's time zone."""
    shown = moment.astimezone(zone)
    return f"{shown.day} {shown:%b %Y %H:%M}"


def _day(moment: datetime, zone: tzinfo) -> str:
    shown = moment.astimezone(zone)
    return f"{shown.day} {shown:%b %Y}"


def _midnight(moment: datetime, zone: tzinfo) -> bool:
    return moment.astimezone(zone).time() == time()


def _label(start: datetime | None, end: datetime | None, zone: tzinfo) -> str:
    if start is not None and end is not None and _midnight(start, zone) and _midnight(end, zone):
        last_day = end - timedelta(days=1)
        if _day(start, zone) == _day(last_day, zone):
            return _day(start, zone)
        return f"{_day(start, zone)} – {_day(last_day, zone)}"
    if start is not None and end is not None:
        return f"{local(start, zone)} – {local(end, zone)}"
    if start is not None:
        return f"since {local(start, zone)}"
    assert end is not None
    return f"until {local(end, zone)}"


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""
