"""The debates feature as a `DiscussionSource` (bot/discussions.py), read by proposal drafting."""

from __future__ import annotations

from collections.abc import Sequence

from bot.discussions import Discussion, ModelUse, StoredSummary
from cogs.debates import channels
from cogs.debates.forum_sync import as_utc
from cogs.debates.models import Source, Summary, Thread
from cogs.debates.resolve import resolve_target
from cogs.debates.service import DebateService


class DebateDiscussions:
    def __init__(self, service: DebateService) -> None:
        self._service = service

    async def discussion(self, community_id: int, platform: str, target: str) -> Discussion:
        thread, source = await resolve_target(self._service, community_id, platform, None, target)
        forum = source.kind == "discourse"
        posts = await self._service.discussion_posts(thread, with_threads=not forum)
        stored = await self._service.latest_summary(thread)
        return Discussion(
            title=thread.title,
            url=_url(thread, source),
            key=f"{source.kind}:{source.key}:{thread.external_id}",
            kind="forum" if forum else "chat",
            posts=posts,
            summary=_summary(stored) if stored is not None else None,
            label=thread.title if forum else channels.label(thread.title, source.kind),
        )

    async def record_model_use(
        self, community_id: int, command: str, model: str, calls: Sequence[ModelUse]
    ) -> None:
        await self._service.record_model_use(
            community_id,
            command,
            model,
            calls=len(calls),
            prompt_tokens=sum(c.prompt_tokens for c in calls),
            completion_tokens=sum(c.completion_tokens for c in calls),
            cost_usd=sum(c.cost_usd for c in calls),
        )


def _url(thread: Thread, source: Source) -> str | None:
    if thread.url:
        return thread.url
    if source.kind == "discord":
        return f"https://discord.com/channels/{source.key}/{thread.external_id}"
    return None


def _summary(row: Summary) -> StoredSummary:
    content = row.content.get("summary")
    summary = content if isinstance(content, dict) else {}
    return StoredSummary(
        kind=str(row.content.get("kind", "debate")),
        tldr=str(summary.get("tldr", "")),
        content=summary,
        model=row.model,
        created_at=as_utc(row.created_at),
    )
