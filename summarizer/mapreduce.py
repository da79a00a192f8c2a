"""Summarizing threads of any length within a model's context budget.

Posts are cut into chunks at post boundaries, each within the budget; each chunk is summarized
(map) and the partial summaries merged (reduce). Chunk summaries are cached by a hash of exactly
what was sent, so re-summarizing a thread after new posts sends only the new material plus the
cached partials: the previous run's chunk boundaries are reused, so its chunks stay
byte-identical and only posts after them form new chunks.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from summarizer.citations import verify
from summarizer.llm import LanguageModel, Usage
from summarizer.prompts import PROMPT_VERSION, SYSTEM, map_messages, reduce_messages
from summarizer.schema import DebateSummary, PostInput, Provenance
from summarizer.tokens import TokenCounter

# Room left in the context for the answer and the message framing.
ANSWER_RESERVE = 2000
FRAMING_TOKENS = 200


class SummaryCache(Protocol):
    async def get(self, key: str) -> DebateSummary | None: ...

    async def put(self, key: str, summary: DebateSummary) -> None: ...


@dataclass
class CallLog:
    """Token use of one summarization, per model call, for /usage and the footer."""

    calls: list[Usage] = field(default_factory=list)
    cached: int = 0

    @property
    def prompt_tokens(self) -> int:
        return sum(u.prompt_tokens for u in self.calls)

    @property
    def completion_tokens(self) -> int:
        return sum(u.completion_tokens for u in self.calls)


class MapReduceSummarizer:
    def __init__(
        self, model: LanguageModel, counter: TokenCounter, cache: SummaryCache, context_budget: int
    ) -> None:
        self._model = model
        self._counter = counter
        self._cache = cache
        self._post_budget = context_budget - ANSWER_RESERVE - counter.count(SYSTEM) - FRAMING_TOKENS
        if self._post_budget < 500:
            raise ValueError(f"context budget {context_budget} leaves no room for posts")

    async def summarize(
        self, posts: Sequence[PostInput], topic: str, boundaries: Sequence[str] = ()
    ) -> tuple[DebateSummary, Provenance, CallLog]:
        """`boundaries` are the ids of the last post of each chunk of an earlier run."""
        log = CallLog()
        chunks = self.chunks(posts, boundaries)
        partials = [await self._cached_call(map_messages(chunk, topic), log) for chunk in chunks]
        while len(partials) > 1:
            partials = [
                await self._cached_call(reduce_messages(group, topic), log)
                for group in self._groups(partials, topic)
            ]
        summary, _ = verify(partials[0], {p.id: p for p in posts})
        provenance = Provenance(
            posts_covered=len(posts),
            model=self._model.model,
            prompt_version=PROMPT_VERSION,
            prompt_tokens=log.prompt_tokens,
            completion_tokens=log.completion_tokens,
            cached_chunks=log.cached,
            model_calls=len(log.calls),
            boundaries=[chunk[-1].id for chunk in chunks if chunk],
        )
        return summary, provenance, log

    def chunks(
        self, posts: Sequence[PostInput], boundaries: Sequence[str] = ()
    ) -> list[list[PostInput]]:
        """Posts packed into chunks within the budget, cut at the given boundaries first."""
        ends = set(boundaries)
        chunks: list[list[PostInput]] = []
        current: list[PostInput] = []
        used = 0
        for post in posts:
            post = self._fit(post)
            cost = self._counter.count(post.text) + 30  # the <post ...> wrapper
            if current and used + cost > self._post_budget:
                chunks.append(current)
                current, used = [], 0
            current.append(post)
            used += cost
            if post.id in ends:
                chunks.append(current)
                current, used = [], 0
        if current or not chunks:
            chunks.append(current)
        return chunks

    def _fit(self, post: PostInput) -> PostInput:
        """A single post longer than a whole chunk is cut to fit; nothing else is."""
        limit = self._post_budget - 30
        if self._counter.count(post.text) <= limit:
            return post
        text = post.text
        while self._counter.count(text) > limit:
            text = text[: int(len(text) * 0.9)]
        return post.model_copy(update={"text": text + " [cut for length]"})

    def _groups(self, partials: list[DebateSummary], topic: str) -> list[list[DebateSummary]]:
        groups: list[list[DebateSummary]] = [[]]
        for partial in partials:
            candidate = [*groups[-1], partial]
            if groups[-1] and self._tokens(reduce_messages(candidate, topic)) > (
                self._post_budget + FRAMING_TOKENS
            ):
                groups.append([partial])
            else:
                groups[-1] = candidate
        if len(groups) == len(partials) and len(groups) > 1:
            # Each partial alone fills the budget: merge pairs so the loop always shrinks.
            groups = [partials[i : i + 2] for i in range(0, len(partials), 2)]
        return groups

    def _tokens(self, messages: list[dict[str, str]]) -> int:
        return sum(self._counter.count(m["content"]) for m in messages)

    async def _cached_call(self, messages: list[dict[str, str]], log: CallLog) -> DebateSummary:
        key = hashlib.sha256(
            "\x00".join(
                [PROMPT_VERSION, self._model.model, *(m["content"] for m in messages)]
            ).encode()
        ).hexdigest()
        cached = await self._cache.get(key)
        if cached is not None:
            log.cached += 1
            return cached
        summary, usage = await self._model.summarize(messages)
        log.calls.append(usage)
        await self._cache.put(key, summary)
        return summary
