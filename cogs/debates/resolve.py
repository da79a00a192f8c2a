"""Which stored thread a target names: a forum topic URL, a channel mention, #name or id.

Shared by /summarize and the discussions other features read (bot/discussions.py), so both
accept the same targets and answer an unknown one with the same message.
"""

from __future__ import annotations

import re

from bot.commands.options import ChannelRef
from bot.errors import InvalidOption, UserError
from cogs.debates import channels
from cogs.debates.models import Source, Thread
from cogs.debates.service import DebateService
from cogs.debates.targets import forum_topic, same_forum

_CHANNEL_ID = re.compile(r"<#(\d+)>|(-?\d{1,20}(?:/\d{1,12})?)")


async def resolve_target(
    service: DebateService,
    community_id: int,
    platform: str,
    here: ChannelRef | None,
    target: str,
) -> tuple[Thread, Source]:
    """The thread and its source; `here` is the channel asked from, read when no target is
    named. UserError (InvalidOption for the `target` option) when nothing matches."""
    target = target.strip()
    if target.startswith("http"):
        return await _forum_thread(service, community_id, target)
    if not target:
        if here is None:
            raise InvalidOption("target", "name a forum topic URL or a channel")
        found = await service.chat_thread(community_id, here.platform, here.id)
        if found is None:
            raise UserError(
                f"Nothing from {here.display or 'this channel'} is stored yet. "
                "Stewards: /ingest channel to backfill it."
            )
        return found, await service.source_of(found)
    stored = await service.chat_threads(community_id)
    if match := _CHANNEL_ID.fullmatch(target):
        wanted = match.group(1) or match.group(2)
        by_id = [(t, s) for t, s in stored if t.external_id == wanted]
        here_first = [(t, s) for t, s in by_id if s.kind == platform] or by_id
        if not here_first:
            raise UserError(
                f"Nothing from {target} is stored yet. Stewards: /ingest channel to backfill it."
            )
        return here_first[0]
    if not re.fullmatch(r"#?[^\s#<>@][^#<>@]{0,99}", target):
        raise InvalidOption("target", "must be a forum topic URL, a #channel or a channel id")
    matches = channels.named(stored, target, platform)
    if not matches:
        raise InvalidOption("target", channels.unknown(target, stored))
    if len(matches) > 1:
        raise InvalidOption("target", channels.ambiguous(target, matches, stored))
    return matches[0]


async def _forum_thread(
    service: DebateService, community_id: int, target: str
) -> tuple[Thread, Source]:
    topic = forum_topic(target)
    if topic is None:
        raise InvalidOption("target", "is not a forum topic URL (…/t/slug/123)")
    base, topic_id = topic
    forums = [f for f in await service.forum_sources(community_id) if same_forum(f.key, base)]
    if not forums:
        raise InvalidOption(
            "target",
            f"{base} is not a forum of this community; stewards can add it with /forum add",
        )
    thread = await service.thread(community_id, "discourse", forums[0].key, str(topic_id))
    if thread is None:
        await service.sync(forums[0])
        thread = await service.thread(community_id, "discourse", forums[0].key, str(topic_id))
    if thread is None:
        raise InvalidOption("target", f"topic {topic_id} was not found on {base}")
    return thread, forums[0]
