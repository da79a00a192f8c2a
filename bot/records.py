"""What the community wrote, as /ask reads it, without the knowledge feature importing the
features that store it.

A feature that stores text people can ask about (debates: forum posts and chat messages;
proposals: proposals and their outcomes; knowledge itself: documents) registers a
`RecordSource`. The knowledge feature asks every source for its best passages, fuses the rankings
and checks citations against `fetch`. Each source searches its own tables with its own full-text
index (retrieval.fulltext) and keeps it current in the same transactions that write the text, so
an edited post is found by its new words and a deleted one is gone from the next answer.

A source filters visibility itself: a passage from a channel in `hidden_channels` is never
returned, so limits and rankings hold for what the reader may see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from retrieval.query import Query


@dataclass(frozen=True)
class Passage:
    """One citable piece of the record: a post, a message, a proposal, a document's section."""

    # Stable and unique across sources: "<source name>:<id>" ("debates:post:1234",
    # "proposals:draft:7", "knowledge:passage:42"); what citations and vectors refer to.
    key: str
    kind: str  # "forum", "chat", "proposal", "document"
    title: str  # the topic, "#channel", the proposal's title, the document's heading path
    text: str  # the passage as stored: what a citation's quote is checked against
    url: str  # a link to its very place ("" when the platform gives none)
    created_at: datetime | None = None
    author: str = ""
    # The source's relevance, higher is better; comparable only within one source's answer.
    score: float = 0.0
    # "discord:<channel id>" / "telegram:<chat id>" for chat, "" for what every member may read.
    channel: str = ""
    # Decisions outrank chatter: "decision" for a proposal's outcome or a recorded decision,
    # "" otherwise.
    weight: str = ""
    # Said with the passage when it is quoted: "superseded by <title> (<date>)", "rejected".
    note: str = ""


@dataclass(frozen=True)
class SearchRequest:
    community_id: int
    query: Query
    limit: int = 20
    # Channel keys ("discord:123") the reader may not read: never returned.
    hidden_channels: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RecordPage:
    """Live passages in a stable order, for building vectors; `after` resumes the listing."""

    passages: Sequence[Passage]
    after: str | None  # None: the listing is complete


class RecordSource(Protocol):
    @property
    def name(self) -> str:
        """The key prefix of this source's passages ("debates")."""
        ...

    async def search(self, request: SearchRequest) -> Sequence[Passage]:
        """The best passages for the query, best first, at most `request.limit`."""
        ...

    async def fetch(
        self, community_id: int, keys: Sequence[str], hidden_channels: frozenset[str]
    ) -> Sequence[Passage]:
        """The live passages among these keys (of this source) the reader may see; a deleted
        or hidden one is left out."""
        ...

    async def listing(self, community_id: int, after: str | None, limit: int) -> RecordPage:
        """Every live passage of the community, `limit` at a time, in a stable order."""
        ...


class Records:
    def __init__(self) -> None:
        self._sources: list[RecordSource] = []

    def register(self, source: RecordSource) -> None:
        self._sources.append(source)

    @property
    def sources(self) -> Sequence[RecordSource]:
        return tuple(self._sources)

    def source_of(self, key: str) -> RecordSource | None:
        prefix = key.partition(":")[0]
        return next((s for s in self._sources if s.name == prefix), None)
