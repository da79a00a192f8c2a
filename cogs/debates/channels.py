"""Chat channels by name: "#governance" typed in chat, matched against the channels, threads and
topics stored for the community (a Discord channel's name, a Telegram chat's title)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.frontend import channel_name_key
from cogs.debates.models import Source, Thread

CANDIDATES_SHOWN = 8


def named(
    stored: Sequence[tuple[Thread, Source]], name: str, platform: str
) -> list[tuple[Thread, Source]]:
    """The stored channels of that name; those of the asker's platform first, alone when any."""
    wanted = channel_name_key(name)
    found = [(t, s) for t, s in stored if channel_name_key(t.title) == wanted]
    here = [(t, s) for t, s in found if s.kind == platform]
    return here or found


def label(title: str, platform: str) -> str:
    """How a channel is named in a reply: "#general" on Discord, a Telegram chat by its title."""
    return title if platform == "telegram" else f"#{title.lstrip('#')}"


def describe(thread: Thread, source: Source, stored: Sequence[tuple[Thread, Source]]) -> str:
    """ "#general (discord: Ashgrove, id 123)", with the parent for a thread or topic."""
    parents = {t.id: t for t, _ in stored}
    parent = parents.get(thread.parent_id) if thread.parent_id else None
    inside = f" in {label(parent.title, source.kind)}" if parent is not None else ""
    shown = label(thread.title, source.kind)
    return f"{shown}{inside} ({source.kind}: {source.name}, id {thread.external_id})"


def ambiguous(
    name: str, found: Sequence[tuple[Thread, Source]], stored: Sequence[tuple[Thread, Source]]
) -> str:
    shown = [describe(t, s, stored) for t, s in found[:CANDIDATES_SHOWN]]
    more = f" and {len(found) - CANDIDATES_SHOWN} more" if len(found) > CANDIDATES_SHOWN else ""
    return (
        f"#{name.lstrip('#')} matches {len(found)} channels: {'; '.join(shown)}{more}. "
        "Name one by its mention or id."
    )


def unknown(name: str, stored: Sequence[tuple[Thread, Source]]) -> str:
    titles = sorted({label(t.title, s.kind) for t, s in stored if t.parent_id is None})
    listed = (
        f" Stored: {', '.join(titles[:CANDIDATES_SHOWN])}"
        + (f" and {len(titles) - CANDIDATES_SHOWN} more" if len(titles) > CANDIDATES_SHOWN else "")
        + "."
        if titles
        else ""
    )
    return (
        f"No stored channel is named #{name.lstrip('#')}.{listed} "
        "Stewards: /ingest channel to store one."
    )
