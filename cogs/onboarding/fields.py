"""Each profile field read from what a member typed: cleaned, checked, and refused with a reason.

The same readers serve the /onboard steps and /profile set, so both accept and refuse alike.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.commands.options import clean_text, shown
from bot.commands.sanitize import neutralize_all_mentions
from bot.errors import UserError
from cogs.onboarding.models import SHAREABLE

NAME_MAX = 64
INTERESTS_MAX = 500
HOURS_MAX = 80
_GITHUB = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$")
_FORUM_URL = re.compile(r"^https?://[^/\s]+(?:/\S*?)?/u/([^/?#\s]+)(?:[/?#]\S*)?$", re.IGNORECASE)
_FORUM = re.compile(r"^[\w.-]{2,60}$", re.UNICODE)
_GITHUB_URL = re.compile(r"^(?:https?://)?(?:www\.)?github\.com/([^/?#\s]+)/?$", re.IGNORECASE)
_SPLIT = re.compile(r"[,\s]+")
SKIP_WORDS = frozenset({"skip", "none", "-"})
YES = frozenset({"yes", "y", "on", "true", "in", "opt-in"})
NO = frozenset({"no", "n", "off", "false", "out", "opt-out"})


def safe(text: str) -> str:
    """Member-typed text as it may be shown: no pings of anyone, no hidden characters."""
    return neutralize_all_mentions(clean_text(text))


def display_name(raw: str) -> str:
    name = " ".join(clean_text(raw).split())
    if not name:
        raise UserError("Your display name must not be empty.")
    if len(name) > NAME_MAX:
        raise UserError(f"Your display name is at most {NAME_MAX} characters (got {len(name)}).")
    if "@" in name or "<" in name:
        raise UserError("Your display name cannot contain `@` or `<`, so it never pings anyone.")
    return name


def skills(raw: str, allowed: Sequence[str]) -> list[str]:
    """One or more skills of the community's list, separated by commas or spaces."""
    words = [w.lower() for w in _SPLIT.split(clean_text(raw)) if w]
    if not words:
        raise UserError(f"Name at least one skill: {', '.join(allowed)}.")
    unknown = [w for w in words if w not in allowed]
    if unknown:
        listed = ", ".join(shown(w) for w in unknown)
        raise UserError(f"Unknown skill {listed}. Choose from: {', '.join(allowed)}.")
    return list(dict.fromkeys(words))


def timezone(raw: str) -> str:
    text = clean_text(raw).strip()
    if text.upper() in ("UTC", "GMT", "Z"):
        return "UTC"
    try:
        zone = ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        zone = None
    if zone is None or text not in available_timezones():
        # A zone typed in another case (europe/berlin) is still the member's zone.
        by_lower = {z.lower(): z for z in available_timezones()}
        if text.lower() in by_lower:
            return by_lower[text.lower()]
        raise UserError(
            f"{shown(text)} is not an IANA time zone. Use a name like Europe/Berlin, "
            "America/New_York, Asia/Singapore or UTC."
        )
    return text


def hours(raw: str | int) -> int:
    text = str(raw).strip().lower().removesuffix("h").strip()
    if not re.fullmatch(r"\d{1,3}", text):
        raise UserError(f"Hours per week must be a whole number from 0 to {HOURS_MAX}.")
    value = int(text)
    if value > HOURS_MAX:
        raise UserError(f"Hours per week must be from 0 to {HOURS_MAX} (got {value}).")
    return value


def forum(raw: str) -> str:
    """A Discourse username ("" when skipped); @name and /u/<name> profile URLs are accepted."""
    text = clean_text(raw).strip()
    if text.lower() in SKIP_WORDS:
        return ""
    if match := _FORUM_URL.match(text):
        text = match.group(1)
    text = text.removeprefix("@")
    if not _FORUM.match(text):
        raise UserError(
            f"{shown(text)} is not a forum username: letters, digits, dots, dashes and "
            "underscores, 2 to 60 characters."
        )
    return text


def github(raw: str) -> str:
    """A GitHub handle ("" when skipped); @handle and profile URLs are accepted too."""
    text = clean_text(raw).strip()
    if text.lower() in SKIP_WORDS:
        return ""
    if match := _GITHUB_URL.match(text):
        text = match.group(1)
    text = text.removeprefix("@")
    if not _GITHUB.match(text):
        raise UserError(
            f"{shown(text)} is not a GitHub handle: letters, digits and single hyphens, "
            "at most 39 characters, not starting or ending with a hyphen."
        )
    return text


def interests(raw: str) -> str:
    text = " ".join(clean_text(raw).split())
    if text.lower() in SKIP_WORDS:
        return ""
    if len(text) > INTERESTS_MAX:
        raise UserError(
            f"What you want to work on is at most {INTERESTS_MAX} characters "
            f"(got {len(text)}); shorten it a little."
        )
    return text


def yes_no(raw: str) -> bool:
    text = clean_text(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise UserError("Answer yes or no.")


def shared(raw: str) -> list[str]:
    """Which fields other members may see: a list of SHAREABLE, or "all" or "none"."""
    words = [w.lower() for w in _SPLIT.split(clean_text(raw)) if w]
    if words == ["all"]:
        return list(SHAREABLE)
    if words == ["none"]:
        return []
    unknown = [w for w in words if w not in SHAREABLE]
    if unknown or not words:
        raise UserError(
            f"Share any of: {', '.join(SHAREABLE)} (or all, or none); "
            f"{', '.join(shown(w) for w in unknown) or 'nothing'} is not one of them."
        )
    return list(dict.fromkeys(words))
