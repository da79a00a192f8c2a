"""When digests are due: the slots of a daily or weekly local time in an IANA zone, and the
period a digest covers. Pure functions of their arguments (no clock, no database).

Local times are the subscriber's wall clock, so daylight-saving changes move the slot in UTC:

- a time that does not exist on the spring-forward day (02:30 in New York on 2026-03-08) is
  sent at the first instant after the gap (03:00 local);
- a time that happens twice on the fall-back day (01:30 in New York on 2026-11-01) is sent once,
  at its first occurrence.

A bot that was down over several slots sends one digest for the whole gap (`catch_up`), not
one per missed slot: the period runs from the end of the last period delivered to the latest
slot that has passed.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_SCHEDULE = "daily 09:00 UTC"


class Cadence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"


class ScheduleError(ValueError):
    """What was wrong with a schedule, in one line; `option` names the part at fault."""

    def __init__(self, option: str, reason: str) -> None:
        super().__init__(reason)
        self.option = option
        self.reason = reason


@dataclass(frozen=True)
class Schedule:
    cadence: Cadence
    at: time  # local wall-clock time, minutes precision
    timezone: str  # IANA
    weekday: int | None = None  # 0 Monday … 6 Sunday; weekly only

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        """ "daily at 09:00 (Europe/Berlin)", "weekly on Monday at 09:00 (UTC)"."""
        when = f"at {self.at:%H:%M} ({self.timezone})"
        if self.cadence is Cadence.WEEKLY and self.weekday is not None:
            return f"weekly on {WEEKDAYS[self.weekday].capitalize()} {when}"
        return f"daily {when}"

    def text(self) -> str:
        """The canonical form `parse_schedule` reads back ("weekly monday 09:00 UTC")."""
        day = f" {WEEKDAYS[self.weekday]}" if self.weekday is not None else ""
        return f"{self.cadence.value}{day} {self.at:%H:%M} {self.timezone}"


@dataclass(frozen=True)
class Period:
    """What one digest covers, UTC: [start, end). `slots` is how many scheduled times it
    stands for: more than one when the bot was down over several."""

    start: datetime
    end: datetime
    slots: int = 1

    @property
    def catch_up(self) -> bool:
        return self.slots > 1


# Parsing -------------------------------------------------------------------------------------


def parse_time(text: str) -> time:
    """ "9:00", "09:00", "21:30"; a 24-hour clock."""
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text.strip())
    if not match:
        raise ScheduleError("time", f"must be a 24-hour time like 09:00 or 18:30 (got {text!r})")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ScheduleError("time", f"{text!r} is not a time of day: use 00:00 to 23:59")
    return time(hour, minute)


def parse_zone(text: str) -> str:
    """An IANA zone name as tzdata spells it ("europe/berlin" is Europe/Berlin)."""
    typed = text.strip()
    name = _zone_names().get(typed.lower(), typed)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(
            "timezone", f"{typed!r} is not an IANA time zone; try Europe/Berlin or UTC"
        ) from exc
    return name


@functools.cache
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def parse_weekday(text: str) -> int:
    word = text.strip().lower()
    matches = [i for i, day in enumerate(WEEKDAYS) if len(word) >= 3 and day.startswith(word)]
    if len(matches) != 1:
        raise ScheduleError("weekday", f"must be a day of the week like monday (got {text!r})")
    return matches[0]


def make_schedule(cadence: Cadence, at: str, weekday: str | None, timezone: str) -> Schedule:
    """A schedule from the parts typed in chat; each wrong part is named (ScheduleError)."""
    clock_time = parse_time(at)
    if cadence is Cadence.DAILY and weekday:
        raise ScheduleError("weekday", "a daily digest comes every day: leave weekday out")
    day = parse_weekday(weekday) if weekday else (0 if cadence is Cadence.WEEKLY else None)
    return Schedule(cadence, clock_time, parse_zone(timezone), day)


def parse_schedule(text: str) -> Schedule:
    """ "daily 09:00 UTC" or "weekly monday 09:00 Europe/Berlin" (the zone may be left out:
    UTC)."""
    words = text.split()
    if not words:
        raise ScheduleError("schedule", f"must look like {DEFAULT_SCHEDULE!r}")
    try:
        cadence = Cadence(words[0].lower())
    except ValueError as exc:
        raise ScheduleError("cadence", f"must be daily or weekly (got {words[0]!r})") from exc
    rest = words[1:]
    weekday = rest.pop(0) if cadence is Cadence.WEEKLY and rest and ":" not in rest[0] else None
    if not rest or len(rest) > 2:
        raise ScheduleError("schedule", f"must look like {DEFAULT_SCHEDULE!r} (got {text!r})")
    return make_schedule(cadence, rest[0], weekday, rest[1] if len(rest) > 1 else "UTC")


# Slots ---------------------------------------------------------------------------------------


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a local day: in a spring-forward gap, the first
    instant after the gap; when it happens twice, the first time."""
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # exists (fold 0 is the earlier of two on a fall-back day)
    # In a gap: fold=1 reads the time with the offset after the change, fold=0 with the one
    # before; the change lies between the two readings. Find it to the second.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    if low > high:
        low, high = high, low
    offset_before = low.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def slot_on(schedule: Schedule, day: date) -> datetime | None:
    """The slot of a local day (None for a weekly schedule's other days)."""
    if schedule.cadence is Cadence.WEEKLY and day.weekday() != schedule.weekday:
        return None
    return local_instant(day, schedule.at, schedule.zone)


def slots_between(schedule: Schedule, after: datetime, until: datetime) -> list[datetime]:
    """Every slot in (after, until], oldest first."""
    zone = schedule.zone
    day = after.astimezone(zone).date() - timedelta(days=1)
    last_day = until.astimezone(zone).date() + timedelta(days=1)
    found = []
    while day <= last_day:
        slot = slot_on(schedule, day)
        if slot is not None and after < slot <= until:
            found.append(slot)
        day += timedelta(days=1)
    return found


def next_slot(schedule: Schedule, after: datetime) -> datetime:
    """The first slot strictly after `after`."""
    horizon = after + timedelta(days=9)
    return slots_between(schedule, after, horizon)[0]


def previous_slot(schedule: Schedule, before: datetime) -> datetime:
    """The latest slot at or before `before`."""
    slots = slots_between(schedule, before - timedelta(days=9), before)
    return slots[-1]


def due_period(
    schedule: Schedule, last_end: datetime, now: datetime, *, not_before: datetime | None = None
) -> Period | None:
    """The period to deliver now, or None when no slot passed since the last one.

    Slots count after `last_end` (and after `not_before`, when the schedule changed since:
    a new time of day never sends at once for a slot that passed before the change). The
    period starts where the last one ended, so nothing falls between two digests, and ends at
    the latest slot that passed: one digest however many slots were missed.
    """
    after = max(last_end, not_before) if not_before is not None else last_end
    if now - after > timedelta(days=400):
        after = now - timedelta(days=400)  # bound the walk; the period still starts at last_end
    slots = slots_between(schedule, after, now)
    if not slots:
        return None
    return Period(start=last_end, end=slots[-1], slots=len(slots))
