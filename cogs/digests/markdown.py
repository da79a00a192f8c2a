"""The full digest as Markdown (the attached digest.md), and the wording every rendering shares:
the title, the period and times in the reader's zone, and each item's link."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.commands.options import clean_text
from bot.commands.sanitize import neutralize_mentions
from bot.digest_parts import DigestItem, Section
from cogs.digests.digest import Digest

COMMUNITY_NAME_LIMIT = 80
# Hosts a reader recognises, for an item's link label; any other host is named as it is.
_KNOWN_HOSTS = (
    ("discord.com", "Discord"),
    ("t.me", "Telegram"),
    ("safe.global", "Safe"),
    ("snapshot", "Snapshot"),
    ("tally.xyz", "Tally"),
    ("etherscan", "Etherscan"),
    ("forum", "forum"),
    ("gov.", "forum"),
)


_URL_ESCAPES = {")": "%29", "(": "%28", " ": "%20", "<": "%3C", ">": "%3E", "\n": ""}


def zone(digest: Digest) -> ZoneInfo:
    try:
        return ZoneInfo(digest.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def when(moment: datetime, digest: Digest, *, short: bool = False, all_day: bool = False) -> str:
    """A moment in the reader's zone: "Mon 30 Nov 09:00" ("Mon 09:00" when `short`); a
    calendar day as it is ("Fri 4 Dec"), whatever the zone."""
    if all_day:
        return f"{moment:%a} {moment.day} {moment:%b}"
    local = moment.astimezone(zone(digest))
    if short:
        return f"{local:%a %H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def safe_text(text: str) -> str:
    """Text as it may be posted: no control characters, no mass or role pings."""
    return neutralize_mentions(clean_text(text))


def one_line(text: str) -> str:
    """An item's text on one line, with no Markdown marker left open (an odd backtick would
    turn every item after it into code)."""
    text = " ".join(safe_text(text).split())
    for marker in ("```", "**", "__", "~~", "||", "`"):
        if text.count(marker) % 2:
            text = text.replace(marker, "")
    return text


def link_target(url: str) -> str:
    """A URL that cannot end its Markdown link early."""
    return "".join(_URL_ESCAPES.get(c, c) for c in url.strip())


def community(digest: Digest) -> str:
    name = safe_text(digest.community).strip() or "this community"
    if len(name) > COMMUNITY_NAME_LIMIT:
        name = name[: COMMUNITY_NAME_LIMIT - 1] + "…"
    return name


def period(digest: Digest) -> str:
    return f"{when(digest.start, digest)} → {when(digest.end, digest)} ({zone(digest).key})"


def title(digest: Digest) -> str:
    kind = "Catch-up digest" if digest.catch_up else "Digest"
    return f"{kind} for {community(digest)} · {period(digest)}"


def link_label(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    for needle, label in _KNOWN_HOSTS:
        if needle in host:
            return label
    return host or "link"


def sections(digest: Digest) -> list[tuple[Section, list[DigestItem]]]:
    """The sections with items, in priority order. Coming up is in time order: sources rank
    their own items, but only time orders several sources' deadlines."""
    return [
        (section, _soonest_first(items, digest) if section is Section.COMING_UP else items)
        for section, items in digest.sections()
    ]


def _soonest_first(items: list[DigestItem], digest: Digest) -> list[DigestItem]:
    """Items with a time in time order, in the places such items hold, what is due before what
    is already waiting (a transaction queued days ago); an item without a time keeps its place
    in its source's ranking."""
    timed = iter(
        sorted(
            (item for item in items if item.at is not None),
            key=lambda item: (_waiting(item, digest), _at(item)),
        )
    )
    return [next(timed) if item.at is not None else item for item in items]


# Sections whose times say when something is due; a time before the digest's end there says
# how long it has been waiting.
TIMED = frozenset({Section.NEEDS_YOU, Section.COMING_UP})


def _waiting(item: DigestItem, digest: Digest) -> bool:
    if item.at is None or item.all_day or item.section not in TIMED:
        return False
    return item.at < digest.end


def timing(item: DigestItem, digest: Digest, *, short: bool = False) -> str:
    """When an item happened or is due: "Wed 2 Dec 09:28", or "waiting since Sat 28 Nov 15:27"
    for something due that has been waiting since then."""
    if item.at is None:
        return ""
    said = when(item.at, digest, short=short, all_day=item.all_day)
    return f"waiting since {said}" if _waiting(item, digest) else said


def _at(item: DigestItem) -> datetime:
    return item.at or datetime.min.replace(tzinfo=UTC)


def item_markdown(item: DigestItem, digest: Digest, *, with_time: bool = True) -> str:
    """One item as a Markdown list entry's text: the item, its link, and when it happened."""
    text = one_line(item.text)
    if item.url:
        text += f" · [{link_label(item.url)}]({link_target(item.url)})"
    if with_time and item.at is not None:
        text += f" · {timing(item, digest)}"
    return text


def full_markdown(digest: Digest) -> str:
    """Every item of every section, with its link and time, the problems and the model's cost."""
    lines = [f"# {title(digest)}", ""]
    if digest.catch_up:
        lines += ["The bot was down over scheduled digests: this one covers the whole gap.", ""]
    found = sections(digest)
    if not found and not digest.problems:
        lines += [f"Nothing new in {community(digest)} since {when(digest.start, digest)}.", ""]
    for section, items in found:
        lines += [f"## {section.heading} ({len(items)})", ""]
        lines += [f"- {item_markdown(item, digest)}" for item in items]
        lines.append("")
    if digest.problems:
        lines += ["## Problems", ""]
        lines += [f"- {safe_text(problem)}" for problem in digest.problems]
        lines.append("")
    calls = sum(part.model_calls for part in digest.parts)
    if calls or digest.prompt_tokens or digest.completion_tokens:
        lines += [
            "---",
            "",
            f"Model: {calls} call{'' if calls == 1 else 's'}, {digest.prompt_tokens} prompt and "
            f"{digest.completion_tokens} completion tokens.",
            "",
        ]
    return "\n".join(lines)
