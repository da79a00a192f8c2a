"""/sources as a reply: per forum what its last sync said, per chat source its channels.

One field per source, so a community stays within Discord's 25 fields; a chat source lists its
busiest channels and threads, one line each (messages stored, first and last date, live or
backfilled), and says how many more there are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.commands.reply import Field, Reply
from cogs.debates.forum_sync import as_utc
from cogs.debates.models import Source, Thread
from cogs.debates.store import ThreadStats

MAX_FIELDS = 25
CHANNEL_LINES = 8  # channels shown per chat source, the busiest
FIELD_VALUE = 1000  # a Discord field holds 1,024 characters


@dataclass(frozen=True)
class ChannelRow:
    """A chat channel, thread, forum post or topic, what it holds, and its channel's title."""

    thread: Thread
    stats: ThreadStats
    parent_title: str | None = None


def render_sources(
    sources: Sequence[tuple[Source, int]],
    channels: Mapping[int, Sequence[ChannelRow]],
) -> Reply:
    """`sources` with their text post counts; `channels` per chat source id, busiest first."""
    if not sources:
        return Reply(body="Nothing is ingested yet. Stewards: /forum add <url>.")
    fields = []
    for source, count in sources:
        if source.kind == "discourse":
            fields.append(_forum(source, count))
        else:
            fields.append(_chat(source, count, channels.get(source.id or 0, ())))
    if len(fields) > MAX_FIELDS:
        hidden = len(fields) - (MAX_FIELDS - 1)
        fields = [*fields[: MAX_FIELDS - 1], Field("…", f"and {hidden} more sources")]
    return Reply(title="Sources", fields=tuple(fields))


def _forum(source: Source, count: int) -> Field:
    synced = as_utc(source.last_synced_at)
    when = synced.strftime("%Y-%m-%d %H:%M UTC") if synced else "never"
    problem = f"\nlast error: {source.last_error}" if source.last_error else ""
    removed = " · removed, posts kept" if source.options.get("removed") else ""
    return Field(
        f"{source.kind}: {source.name}", f"{count} posts · synced {when}{removed}{problem}"
    )


def _chat(source: Source, count: int, rows: Sequence[ChannelRow]) -> Field:
    lines = [f"{_count(count, 'message')} in {_count(len(rows), 'channel')}"]
    shown = 0
    for row in rows[:CHANNEL_LINES]:
        line = _channel_line(row)
        if sum(len(x) + 1 for x in lines) + len(line) > FIELD_VALUE - 60:
            break
        lines.append(line)
        shown += 1
    rest = rows[shown:]
    if rest:
        messages = sum(row.stats.messages for row in rest)
        lines.append(f"… and {len(rest)} more ({_count(messages, 'message')})")
    return Field(f"{source.kind}: {source.name}", "\n".join(lines))


def _channel_line(row: ChannelRow) -> str:
    thread, stats = row.thread, row.stats
    name = f"{row.parent_title} › {thread.title}" if row.parent_title else thread.title
    kind = {"forum_post": " (forum post)", "topic": " (topic)", "forum": " (forum)"}
    parts = [f"{name}{kind.get(thread.kind, '')}: {_count(stats.messages, 'message')}"]
    if stats.first is not None and stats.last is not None:
        first, last = _day(stats.first), _day(stats.last)
        parts.append(first if first == last else f"{first} → {last}")
    parts.append(_origin(thread))
    return " · ".join(parts)


def _origin(thread: Thread) -> str:
    """Live, backfilled or both. Chat reaches the store only these two ways, so a thread that
    was never backfilled came live (before live_at was recorded, if it is not set)."""
    live_at, backfilled_at = as_utc(thread.live_at), as_utc(thread.backfilled_at)
    backfilled = backfilled_at is not None or thread.checkpoint is not None
    said = []
    if backfilled:
        said.append(f"backfilled {_day(backfilled_at)}" if backfilled_at else "backfilled")
    if live_at is not None:
        said.append(f"live since {_day(live_at)}")
    elif not backfilled:
        said.append("live")
    return " + ".join(said)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else "?"
