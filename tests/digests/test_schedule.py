"""Schedule math: slots of a local time in a zone, across midnight and daylight-saving changes,
weekly slots, and the one period a digest covers after downtime."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.digests.schedule import (
    Cadence,
    Period,
    Schedule,
    ScheduleError,
    due_period,
    local_instant,
    make_schedule,
    next_slot,
    parse_schedule,
    previous_slot,
    slots_between,
)

NEW_YORK = "America/New_York"
BERLIN = "Europe/Berlin"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def daily(at: str, zone: str) -> Schedule:
    return make_schedule(Cadence.DAILY, at, None, zone)


def local_times(slots: list[datetime], zone: str) -> list[str]:
    return [f"{s.astimezone(ZoneInfo(zone)):%m-%d %H:%M %Z}" for s in slots]


def test_a_local_time_after_midnight_utc_falls_on_the_next_utc_day() -> None:
    # 23:30 in Los Angeles is 07:30 UTC the next day; 00:15 in Tokyo is 15:15 UTC the day before.
    los_angeles = daily("23:30", "America/Los_Angeles")
    assert next_slot(los_angeles, utc(2026, 12, 1, 12)) == utc(2026, 12, 2, 7, 30)
    tokyo = daily("00:15", "Asia/Tokyo")
    assert next_slot(tokyo, utc(2026, 12, 1, 12)) == utc(2026, 12, 1, 15, 15)
    assert previous_slot(tokyo, utc(2026, 12, 1, 12)) == utc(2026, 11, 30, 15, 15)
    # A slot exactly at "now" is due now, not tomorrow.
    assert slots_between(tokyo, utc(2026, 12, 1, 15, 14), utc(2026, 12, 1, 15, 15)) == [
        utc(2026, 12, 1, 15, 15)
    ]


def test_new_york_spring_forward_sends_a_missing_time_at_the_end_of_the_gap() -> None:
    schedule = daily("02:30", NEW_YORK)
    slots = slots_between(schedule, utc(2026, 3, 6), utc(2026, 3, 10))
    assert local_times(slots, NEW_YORK) == [
        "03-06 02:30 EST",
        "03-07 02:30 EST",
        "03-08 03:00 EDT",  # 02:30 does not exist that day: the first instant after the gap
        "03-09 02:30 EDT",
    ]
    assert slots[2] == utc(2026, 3, 8, 7, 0)
    # A time outside the gap keeps its wall-clock time, one hour earlier in UTC.
    nine = slots_between(daily("09:00", NEW_YORK), utc(2026, 3, 7), utc(2026, 3, 9))
    assert nine == [utc(2026, 3, 7, 14), utc(2026, 3, 8, 13)]


def test_new_york_fall_back_sends_a_twice_happening_time_once() -> None:
    schedule = daily("01:30", NEW_YORK)
    slots = slots_between(schedule, utc(2026, 10, 31), utc(2026, 11, 3))
    assert local_times(slots, NEW_YORK) == [
        "10-31 01:30 EDT",
        "11-01 01:30 EDT",  # the first 01:30; the second (EST) is not a slot
        "11-02 01:30 EST",
    ]
    # Across the whole ambiguous hour, exactly one slot.
    assert len(slots_between(schedule, utc(2026, 11, 1, 5), utc(2026, 11, 1, 7))) == 1
    assert slots[2] - slots[1] == timedelta(hours=25)


@pytest.mark.parametrize(
    ("day", "at", "expected_utc", "expected_local"),
    [
        (date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 0), "03:00 CEST"),  # gap
        (date(2026, 3, 29), time(9, 0), utc(2026, 3, 29, 7, 0), "09:00 CEST"),
        (date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30), "02:30 CEST"),  # twice
        (date(2026, 10, 25), time(9, 0), utc(2026, 10, 25, 8, 0), "09:00 CET"),
    ],
)
def test_berlin_daylight_saving_days(
    day: date, at: time, expected_utc: datetime, expected_local: str
) -> None:
    found = local_instant(day, at, ZoneInfo(BERLIN))
    assert found == expected_utc
    assert f"{found.astimezone(ZoneInfo(BERLIN)):%H:%M %Z}" == expected_local


def test_weekly_slots_come_on_their_weekday_in_the_subscribers_zone() -> None:
    schedule = make_schedule(Cadence.WEEKLY, "08:00", "friday", BERLIN)
    slots = slots_between(schedule, utc(2026, 10, 1), utc(2026, 11, 1))
    assert [s.astimezone(ZoneInfo(BERLIN)).strftime("%a %d %H:%M") for s in slots] == [
        "Fri 02 08:00",
        "Fri 09 08:00",
        "Fri 16 08:00",
        "Fri 23 08:00",
        "Fri 30 08:00",
    ]
    # The week of the change is an hour longer in UTC.
    assert slots[4] - slots[3] == timedelta(days=7, hours=1)
    assert schedule.describe() == "weekly on Friday at 08:00 (Europe/Berlin)"
    # A weekly schedule without a day comes on Mondays.
    assert make_schedule(Cadence.WEEKLY, "08:00", None, "UTC").weekday == 0


def test_a_bot_down_over_several_slots_gets_one_catch_up_period() -> None:
    schedule = daily("09:00", BERLIN)
    last = utc(2026, 12, 1, 8)  # 09:00 Berlin
    assert due_period(schedule, last, utc(2026, 12, 2, 7, 59)) is None
    assert due_period(schedule, last, utc(2026, 12, 2, 8)) == Period(last, utc(2026, 12, 2, 8))
    down = due_period(schedule, last, utc(2026, 12, 5, 12))
    assert down == Period(last, utc(2026, 12, 5, 8), slots=4)
    assert down is not None and down.catch_up
    # Weekly, two weeks missed: one digest covering both.
    weekly = make_schedule(Cadence.WEEKLY, "09:00", "monday", "UTC")
    missed = due_period(weekly, utc(2026, 11, 16, 9), utc(2026, 12, 1, 12))
    assert missed == Period(utc(2026, 11, 16, 9), utc(2026, 11, 30, 9), slots=2)


def test_a_changed_schedule_does_not_send_for_slots_before_the_change() -> None:
    schedule = daily("12:00", "UTC")
    last = utc(2026, 12, 1, 9)  # delivered at the old time, 09:00
    changed = utc(2026, 12, 1, 13)  # the new time, 12:00, passed before the change
    assert due_period(schedule, last, utc(2026, 12, 1, 14), not_before=changed) is None
    # The next one covers everything since the last digest.
    assert due_period(schedule, last, utc(2026, 12, 2, 12), not_before=changed) == Period(
        last, utc(2026, 12, 2, 12)
    )


@pytest.mark.parametrize(
    ("cadence", "at", "weekday", "zone", "option", "said"),
    [
        (Cadence.DAILY, "25:00", None, "UTC", "time", "'25:00' is not a time of day"),
        (Cadence.DAILY, "9am", None, "UTC", "time", "24-hour time like 09:00"),
        (Cadence.DAILY, "09:00", None, "Mars/Base", "timezone", "'Mars/Base' is not an IANA"),
        (Cadence.DAILY, "09:00", "monday", "UTC", "weekday", "leave weekday out"),
        (Cadence.WEEKLY, "09:00", "someday", "UTC", "weekday", "a day of the week"),
        (Cadence.WEEKLY, "09:00", "t", "UTC", "weekday", "a day of the week"),
    ],
)
def test_each_wrong_part_of_a_schedule_is_named(
    cadence: Cadence, at: str, weekday: str | None, zone: str, option: str, said: str
) -> None:
    with pytest.raises(ScheduleError) as raised:
        make_schedule(cadence, at, weekday, zone)
    assert raised.value.option == option
    assert said in raised.value.reason


def test_a_zone_typed_in_other_case_is_stored_as_tzdata_spells_it() -> None:
    assert make_schedule(Cadence.DAILY, "09:00", None, "europe/berlin").timezone == BERLIN
    assert make_schedule(Cadence.DAILY, "09:00", None, "utc").timezone == "UTC"


def test_the_stored_form_reads_back() -> None:
    for text in ("daily 09:00 UTC", "weekly friday 18:30 Europe/Berlin"):
        assert parse_schedule(text).text() == text
    assert parse_schedule("weekly tue 7:05").text() == "weekly tuesday 07:05 UTC"
    with pytest.raises(ScheduleError):
        parse_schedule("hourly 09:00")
