from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.commands import options as opt
from bot.errors import InvalidOption


def test_addresses_are_checksummed_and_typos_caught() -> None:
    lower = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
    assert opt.parse_address("safe", lower) == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    with pytest.raises(InvalidOption, match="checksum"):
        opt.parse_address("safe", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD")
    with pytest.raises(InvalidOption, match="40-hex-digit"):
        opt.parse_address("safe", "0x1234")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", timedelta(minutes=30)), ("1h30m", timedelta(minutes=90)), ("2d", timedelta(days=2))],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert opt.parse_duration("every", text).value == expected


@pytest.mark.parametrize("text", ["", "soon", "5", "0m", "3x"])
def test_bad_durations_name_the_option(text: str) -> None:
    with pytest.raises(InvalidOption) as error:
        opt.parse_duration("every", text)
    assert error.value.option == "every"


def test_integer_range_messages() -> None:
    assert opt.parse_integer("count", "7", 1, 10) == 7
    with pytest.raises(InvalidOption, match="at most 10"):
        opt.parse_integer("count", "11", 1, 10)
    with pytest.raises(InvalidOption, match="whole number"):
        opt.parse_integer("count", "seven", 1, 10)


def test_urls_members_and_channels() -> None:
    assert opt.parse_url("forum", "https://forum.example.org") == "https://forum.example.org"
    with pytest.raises(InvalidOption, match="http"):
        opt.parse_url("forum", "ftp://x")
    assert opt.parse_member("who", "<@!123>", "discord").id == "123"
    assert opt.parse_member("who", "@alice", "telegram").id is None
    assert opt.parse_channel("where", "<#42>", "discord") == opt.ChannelRef(
        "discord", "42", "<#42>"
    )
    with pytest.raises(InvalidOption):
        opt.parse_channel("where", "not a channel", "discord")


BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("7d", NOW - timedelta(days=7), NOW - timedelta(days=7)),
        # A date is a day in the community's time zone; as the end of a window, its end.
        (
            "2025-04-29",
            datetime(2025, 4, 29, tzinfo=BERLIN),
            datetime(2025, 4, 30, tzinfo=BERLIN),
        ),
        ("2025-04-29 14:02", datetime(2025, 4, 29, 14, 2, tzinfo=BERLIN), None),
        ("2025-04-29T14:02Z", datetime(2025, 4, 29, 14, 2, tzinfo=UTC), None),
        ("2025-04-29 14:02 -05:00", datetime(2025, 4, 29, 19, 2, tzinfo=UTC), None),
        ("yesterday", datetime(2026, 11, 30, tzinfo=BERLIN), datetime(2026, 12, 1, tzinfo=BERLIN)),
    ],
)
def test_points_in_time_in_the_community_zone(
    text: str, start: datetime, end: datetime | None
) -> None:
    when = opt.parse_when("since", text)
    assert when.resolve(NOW, BERLIN) == start
    assert when.resolve(NOW, BERLIN, end=True) == (end or start)
    assert str(when) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2025-02-30", "Option `since`: is not a real date or time (got '2025-02-30')"),
        ("last tuesday", "Option `since`: must be a duration like 7d, a date like 2025-04-29"),
        ("29/04/2025", "Option `since`: must be a duration like 7d, a date like 2025-04-29"),
    ],
)
def test_bad_points_in_time_say_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(InvalidOption) as caught:
        opt.parse_when("since", text)
    assert str(caught.value).startswith(message)
