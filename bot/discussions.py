"""A debate as other features read it (proposal drafting), without importing the feature that
stores it.

The feature that stores debates (debates: forum topics and chat channels) registers a
`DiscussionSource`; a feature that reads them asks `Discussions`, which answers in one clear line
when no source is registered: features stay independent of one another.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.errors import UserError
from summarizer.schema import PostInput


@dataclass(frozen=True)
class StoredSummary:
    """The latest summary the debates feature stored for the discussion."""

    kind: str  # "debate" (a forum topic, summarizer.schema.DebateSummary) or "chat" (ChatSummary)
    tldr: str
    content: Mapping[str, Any]  # the summary's model_dump(), to validate back into its schema
    model: str  # "extractive" when it was made offline
    created_at: datetime | None


@dataclass(frozen=True)
class Discussion:
    title: str
    url: str | None  # the forum topic, or the channel's link when the platform has one
    # A stable name of what was read ("discourse:https://forum.example.org/t/42",
    # "discord:123456789"): a draft records it to say where it came from.
    key: str
    kind: str  # "forum" or "chat"
    posts: Sequence[PostInput]  # in order; a forum topic's opening post first
    summary: StoredSummary | None = None
    # How the target reads in a reply: "the forum topic …", "#governance".
    label: str = ""


@dataclass(frozen=True)
class ModelUse:
    """One model call another feature made about a discussion, for /usage."""

    prompt_tokens: int
    completion_tokens: int
    cost_usd: float


class DiscussionSource(Protocol):
    async def discussion(self, community_id: int, platform: str, target: str) -> Discussion:
        """The discussion at the target (a forum topic URL, a channel mention, #name or id, a
        thread), read as /summarize reads it; UserError with /summarize's message when the
        target is unknown or holds nothing."""
        ...

    async def record_model_use(
        self, community_id: int, command: str, model: str, calls: Sequence[ModelUse]
    ) -> None:
        """Model calls made reading a discussion (drafting a proposal), shown by /usage."""
        ...


class Discussions:
    def __init__(self) -> None:
        self._sources: list[DiscussionSource] = []

    def register(self, source: DiscussionSource) -> None:
        self._sources.append(source)

    @property
    def available(self) -> bool:
        return bool(self._sources)

    async def discussion(self, community_id: int, platform: str, target: str) -> Discussion:
        if not self._sources:
            raise UserError(
                "Reading a debate needs the debates feature, which is not enabled on this bot."
            )
        return await self._sources[0].discussion(community_id, platform, target)

    async def record_model_use(
        self, community_id: int, command: str, model: str, calls: Sequence[ModelUse]
    ) -> None:
        """Recorded where /usage reads it; dropped when no feature keeps a usage record."""
        if self._sources and calls:
            await self._sources[0].record_model_use(community_id, command, model, calls)
