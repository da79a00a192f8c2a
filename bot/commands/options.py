"""Option value types and their parsers, shared by every front end.

Console and Telegram hand us raw strings; Discord hands us typed values. Both go through the same
`parse_*` function so a bad value gets the same message everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from eth_utils.address import is_checksum_address, to_checksum_address

from bot.errors import InvalidOption


class Address(str):
    """An Ethereum address in EIP-55 checksum form."""


class Url(str):
    """An absolute http(s) URL."""


@dataclass(frozen=True)
class Duration:
    value: timedelta

    def __str__(self) -> str:
        return format_duration(self.value)


@dataclass(frozen=True)
class When:
    """A point in time as typed in chat: a duration back from now ("7d"), a date ("2025-04-29")
    or a date-time ("2025-04-29 14:02", "2025-04-29T14:02Z"). Dates and times without a zone are
    in the community's time zone; `resolve` turns it into an aware datetime."""

    text: str
    ago: timedelta | None = None
    day: date | None = None
    moment: datetime | None = None  # naive when typed without a zone
    days_back: int | None = None  # today 0, yesterday 1

    def resolve(self, now: datetime, zone: tzinfo, *, end: bool = False) -> datetime:
        """The instant meant; a date as the end of a window means the end of that day."""
        if self.ago is not None:
            return now - self.ago
        day = self.day
        if self.days_back is not None:
            day = now.astimezone(zone).date() - timedelta(days=self.days_back)
        if day is not None:
            start = datetime.combine(day, time(), zone)
            return start + timedelta(days=1) if end else start
        assert self.moment is not None
        return self.moment if self.moment.tzinfo else self.moment.replace(tzinfo=zone)

    @property
    def relative(self) -> bool:
        return self.ago is not None

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class MemberRef:
    """A member of a chat platform: an id where known, else a username to resolve later."""

    platform: str
    id: str | None
    display: str

    def key(self) -> str:
        return f"{self.platform}:{self.id or '@' + self.display}"


@dataclass(frozen=True)
class ChannelRef:
    platform: str
    id: str
    display: str = ""

    def key(self) -> str:
        return f"{self.platform}:{self.id}"

    @classmethod
    def from_key(cls, key: str) -> ChannelRef:
        platform, _, channel_id = key.partition(":")
        return cls(platform=platform, id=channel_id)


class Kind(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    MEMBER = "member"
    CHANNEL = "channel"
    ADDRESS = "address"
    URL = "url"
    DURATION = "duration"
    TIME = "time"


# Bidi overrides and isolates reorder what a reader sees; other control characters (escape, NUL)
# can hide text or break terminals and logs. Newlines and tabs stay.
_INVISIBLE = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\x00-\x08\x0b-\x1f\x7f-\x9f]")
SHOWN_VALUE_LIMIT = 100
# Long enough for any debate or schedule, short enough that date arithmetic cannot overflow.
MAX_DURATION = timedelta(days=36525)

_TRUE = {"true", "yes", "on", "1", "y"}
_FALSE = {"false", "no", "off", "0", "n"}


def clean_text(text: str) -> str:
    """Text without bidi overrides and control characters, for whatever is posted or stored."""
    return _INVISIBLE.sub("", text)


def shown(value: object) -> str:
    """A bad value quoted in an error reply: at most 100 characters of it."""
    return repr(clipped(value))


def clipped(value: object) -> str:
    text = clean_text(str(value))
    if len(text) > SHOWN_VALUE_LIMIT:
        text = text[: SHOWN_VALUE_LIMIT - 1] + "…"
    return text


def parse_string(name: str, raw: object, max_length: int | None) -> str:
    text = clean_text(str(raw)).strip()
    if not text:
        raise InvalidOption(name, "must not be empty")
    if max_length is not None and len(text) > max_length:
        raise InvalidOption(name, f"must be at most {max_length} characters (got {len(text)})")
    return text


def parse_integer(name: str, raw: object, minimum: int | None, maximum: int | None) -> int:
    if isinstance(raw, bool):
        raise InvalidOption(name, "must be a whole number")
    if isinstance(raw, int):
        value = raw
    else:
        text = str(raw).strip().replace("_", "")
        if not re.fullmatch(r"[+-]?\d+", text):
            raise InvalidOption(name, f"must be a whole number (got {shown(raw)})")
        value = int(text)
    if minimum is not None and value < minimum:
        raise InvalidOption(name, f"must be at least {minimum} (got {clipped(value)})")
    if maximum is not None and value > maximum:
        raise InvalidOption(name, f"must be at most {maximum} (got {clipped(value)})")
    return value


def parse_boolean(name: str, raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidOption(name, f"must be yes or no (got {shown(raw)})")


def parse_choice(name: str, raw: object, choices: tuple[str, ...]) -> str:
    text = str(raw).strip()
    for choice in choices:
        if text.lower() == choice.lower():
            return choice
    raise InvalidOption(name, f"must be one of {', '.join(choices)} (got {shown(text)})")


def parse_address(name: str, raw: object) -> Address:
    text = str(raw).strip()
    if not re.fullmatch(r"0x[0-9a-fA-F]{40}", text):
        raise InvalidOption(name, f"must be a 0x-prefixed 40-hex-digit address (got {shown(text)})")
    mixed_case = text[2:] != text[2:].lower() and text[2:] != text[2:].upper()
    if mixed_case and not is_checksum_address(text):
        raise InvalidOption(name, "has a wrong EIP-55 checksum; check for a typo")
    return Address(to_checksum_address(text))


def parse_url(name: str, raw: object) -> Url:
    text = str(raw).strip().strip("<>")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise InvalidOption(name, f"is not a valid URL (got {shown(text)})") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidOption(name, f"must be an http(s) URL (got {shown(text)})")
    if not _valid_host(host):
        raise InvalidOption(name, f"has an invalid host name (got {shown(host)})")
    return Url(text)


def _valid_host(host: str) -> bool:
    if host.startswith("[") or re.fullmatch(r"[0-9a-fA-F:.]+", host):
        return True  # an IP literal; what it may reach is the HTTP client's call
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return len(ascii_host) <= 253 and all(
        re.fullmatch(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)", label) for label in labels
    )


_DURATION_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(name: str, raw: object) -> Duration:
    if isinstance(raw, Duration):
        return raw
    text = str(raw).strip().lower().replace(" ", "")
    if not text or _DURATION_PART.sub("", text):
        raise InvalidOption(
            name, f"must be a duration like 30m, 2h, 1d or 1h30m (got {shown(raw)})"
        )
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if seconds <= 0:
        raise InvalidOption(name, "must be longer than zero")
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidOption(name, f"must be at most {MAX_DURATION.days}d (100 years)")
    return Duration(timedelta(seconds=seconds))


_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*(Z|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)
WHEN_HELP = (
    "a duration like 7d, a date like 2025-04-29, a date-time like 2025-04-29 14:00, "
    "today or yesterday"
)


def parse_when(name: str, raw: object) -> When:
    if isinstance(raw, When):
        return raw
    text = " ".join(str(raw).split())
    if text.lower() in ("today", "yesterday"):
        return When(text, days_back=0 if text.lower() == "today" else 1)
    try:
        if match := _DATE.fullmatch(text):
            return When(text, day=date(*(int(g) for g in match.groups())))
        if match := _DATE_TIME.fullmatch(text):
            year, month, day, hour, minute = (int(g) for g in match.groups()[:5])
            moment = datetime(year, month, day, hour, minute, int(match.group(6) or 0))
            zone = match.group(7)
            if zone:
                moment = datetime.fromisoformat(
                    moment.isoformat() + ("+00:00" if zone.upper() == "Z" else zone)
                )
            return When(text, moment=moment)
    except ValueError as exc:
        raise InvalidOption(name, f"is not a real date or time (got {shown(text)}): {exc}") from exc
    if re.fullmatch(r"[\d\swdhms]+", text, re.IGNORECASE) and _DURATION_PART.search(text):
        return When(text, ago=parse_duration(name, text).value)
    raise InvalidOption(name, f"must be {WHEN_HELP} (got {shown(text)})")


def format_duration(value: timedelta) -> str:
    remaining = int(value.total_seconds())
    parts = []
    for unit, size in _UNIT_SECONDS.items():
        if remaining >= size:
            parts.append(f"{remaining // size}{unit}")
            remaining %= size
    return "".join(parts) or "0s"


_DISCORD_USER = re.compile(r"<@!?(\d+)>")
_DISCORD_CHANNEL = re.compile(r"<#(\d+)>")


def parse_member(name: str, raw: object, platform: str) -> MemberRef:
    if isinstance(raw, MemberRef):
        return raw
    text = str(raw).strip()
    if match := _DISCORD_USER.fullmatch(text):
        return MemberRef(platform, match.group(1), text)
    if re.fullmatch(r"\d{1,20}", text):
        return MemberRef(platform, text, text)
    if re.fullmatch(r"@[A-Za-z0-9_.]{2,32}", text):
        return MemberRef(platform, None, text[1:])
    raise InvalidOption(name, f"must be a member mention, @username or user id (got {shown(text)})")


def parse_channel(name: str, raw: object, platform: str) -> ChannelRef:
    if isinstance(raw, ChannelRef):
        return raw
    text = str(raw).strip()
    if match := _DISCORD_CHANNEL.fullmatch(text):
        return ChannelRef(platform, match.group(1), text)
    if re.fullmatch(r"-?\d{1,20}", text):
        return ChannelRef(platform, text, text)
    if re.fullmatch(r"#[\w-]{1,100}", text):
        return ChannelRef(platform, text[1:], text)
    raise InvalidOption(name, f"must be a channel mention, #name or channel id (got {shown(text)})")


def describe_value(value: Any) -> str:
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, MemberRef | ChannelRef):
        return value.display or value.key()
    return str(value)
