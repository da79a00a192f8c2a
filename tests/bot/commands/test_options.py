from __future__ import annotations

from datetime import timedelta

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
