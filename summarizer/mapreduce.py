"""Summarizing threads of any length within a model's context budget, and cheaply again.

A thread is cut into parts at post boundaries, each within the budget. The first part is
summarized; each later part goes to the model with the summary so far and, in a proposal's
thread, the opening post, and the model updates the summary (a rolling map-reduce: each call
maps one part and reduces it into what came before, so no separate merge call re-sends every
partial). The summary so far is sized to what the next call needs: the lists capped at what a
summary shows, citations as post numbers only (Steward keeps the quotes, restores them and
checks them against the posts after every call).

Every call is cached by a hash of exactly what was sent. A re-summary cuts the parts where the
previous one did, so up to the last part it sends the same prompts again, all answered from the
cache, and only the new posts go to the model: one call, with the summary so far. An edited or
deleted earlier post changes its part and every part after it, which are then summarized again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from summarizer.checks import check
from summarizer.citations import is_supported, verify
from summarizer.llm import LanguageModel, Usage
from summarizer.prompts import (
    PROMPT_VERSION,
    SECTIONS,
    SYSTEM,
    author_name,
    chunk_messages,
    post_body,
    post_line,
    render_posts,
    render_so_far,
)
from summarizer.schema import Citation, DebateSummary, PostInput, Provenance
from summarizer.tokens import TokenCounter

# Room left in the context for the answer.
ANSWER_RESERVE = 2000
# The summary so far and the opening post, as sent with each later part (at most).
SUMMARY_TOKENS = 1200
OPENING_TOKENS = 300
# What a summary shows, and so what the summary so far needs to carry.
LIMITS = {"positions": 6, "arguments": 5, "open_questions": 5, "agreements": 3, "next_steps": 3}
MAX_CITATIONS = 3
MAX_HOLDERS = 20
CUT = " [cut for length]"
_GROUPS = ("positions", "arguments", "open_questions", "agreements", "next_steps")


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


@dataclass(frozen=True)
class _Line:
    """A post as the transcript writes it ("12 alice: ..."), and what that costs in tokens."""

    post: PostInput
    text: str
    tokens: int


class MapReduceSummarizer:
    def __init__(
        self, model: LanguageModel, counter: TokenCounter, cache: SummaryCache, context_budget: int
    ) -> None:
        self._model = model
        self._counter = counter
        self._cache = cache
        self._budget = context_budget - ANSWER_RESERVE - counter.count(SYSTEM)
        self._summary_room = min(SUMMARY_TOKENS, self._budget // 4)
        self._opening_room = min(OPENING_TOKENS, self._budget // 8)
        if self._budget - self._summary_room - self._opening_room < 500:
            raise ValueError(f"context budget {context_budget} leaves no room for posts")

    async def summarize(
        self,
        posts: Sequence[PostInput],
        topic: str,
        boundaries: Sequence[str] = (),
        *,
        opening: bool = False,
    ) -> tuple[DebateSummary, Provenance, CallLog]:
        """`boundaries` are the ids of the last post of each part of an earlier run; with
        `opening`, posts[0] is the thread's opening post, the proposal under debate."""
        log = CallLog()
        opening = opening and bool(posts)
        framing = self._counter.count(
            chunk_messages("<posts>\n</posts>", topic, so_far="x", opening=opening)[1]["content"]
        )
        room = self._budget - framing - 10
        context = self._line(1, posts[0], self._opening_room) if opening else None
        later_room = room - self._summary_room - (context.tokens if context else 0)
        lines = [self._line(n, post, later_room) for n, post in enumerate(posts, 1)]
        chunks = self._chunks(lines, boundaries, room, later_room)
        numbered = {str(n): post for n, post in enumerate(posts, 1)}
        so_far: DebateSummary | None = None
        for chunk in chunks:
            shown = [line.text for line in chunk]
            if so_far is not None and context is not None:
                shown.insert(0, context.text)
            messages = chunk_messages(
                render_posts(shown),
                topic,
                so_far=None if so_far is None else self._so_far(so_far),
                opening=opening,
            )
            answer = await self._cached_call(messages, log)
            so_far = _carried(answer, so_far, numbered)
        summary = check(
            _renumbered(_capped(so_far or _EMPTY, holders=None), numbered),
            posts,
            posts[0] if opening else None,
            topic,
        )
        provenance = Provenance(
            posts_covered=len(posts),
            model=self._model.model,
            prompt_version=PROMPT_VERSION,
            prompt_tokens=log.prompt_tokens,
            completion_tokens=log.completion_tokens,
            cached_chunks=log.cached,
            model_calls=len(log.calls),
            boundaries=[chunk[-1].post.id for chunk in chunks if chunk],
        )
        return summary, provenance, log

    def _line(self, number: int, post: PostInput, limit: int) -> _Line:
        """A post's line(s); one longer than `limit` is cut to fit, nothing else is."""
        body = post_body(post.text)
        text = post_line(number, post.author, body)
        tokens = self._counter.count(text) + 1  # and the newline after it
        while tokens > limit and body:
            body = body[: int(len(body) * min(0.9, limit / tokens))]
            text = post_line(number, post.author, body + CUT)
            tokens = self._counter.count(text) + 1
        return _Line(post, text, tokens)

    @staticmethod
    def _chunks(
        lines: Sequence[_Line], boundaries: Sequence[str], first_room: int, later_room: int
    ) -> list[list[_Line]]:
        """Lines packed into parts within the budget, cut at the given boundaries first. The
        first part has the most room: it carries no summary so far and no opening post."""
        ends = set(boundaries)
        chunks: list[list[_Line]] = []
        current: list[_Line] = []
        used = 0
        for line in lines:
            room = later_room if chunks else first_room
            if current and used + line.tokens > room:
                chunks.append(current)
                current, used = [], 0
            current.append(line)
            used += line.tokens
            if line.post.id in ends:
                chunks.append(current)
                current, used = [], 0
        if current or not chunks:
            chunks.append(current)
        return chunks

    def _so_far(self, summary: DebateSummary) -> str:
        """The summary so far as the next call reads it: capped at what a summary shows, then
        shortened from its longest list until it fits its room."""
        summary = _capped(summary)
        text = render_so_far(summary)
        while self._counter.count(text) > self._summary_room:
            summary = _shorter(summary)
            text = render_so_far(summary)
        return text

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


_EMPTY = DebateSummary(
    tldr="", positions=[], arguments=[], open_questions=[], agreements=[], next_steps=[]
)


def _carried(
    answer: DebateSummary, before: DebateSummary | None, posts: dict[str, PostInput]
) -> DebateSummary:
    """A call's answer as the summary so far: each citation kept from before gets its quote
    back (the model was sent post numbers only), then every quote is checked."""
    known: dict[str, str] = {}
    for citation in before.citations() if before is not None else []:
        known.setdefault(citation.post_id, citation.quote)
    summary = answer.model_copy(deep=True)
    for group in _GROUPS:
        for item in getattr(summary, group):
            restored: dict[tuple[str, str], Citation] = {}
            for citation in item.citations:
                if not is_supported(citation, posts) and citation.post_id in known:
                    citation = Citation(post_id=citation.post_id, quote=known[citation.post_id])
                restored.setdefault((citation.post_id, citation.quote), citation)
            item.citations = list(restored.values())
    checked, _ = verify(summary, posts)
    return checked


def _renumbered(summary: DebateSummary, posts: dict[str, PostInput]) -> DebateSummary:
    """Post numbers back to post ids, and holders back to their names as stored."""
    names = {author_name(post.author): post.author for post in posts.values()}
    result = summary.model_copy(deep=True)
    for group in _GROUPS:
        for item in getattr(result, group):
            item.citations = [
                c.model_copy(update={"post_id": posts[c.post_id].id})
                for c in item.citations
                if c.post_id in posts
            ]
    for position in result.positions:
        position.holders = list(dict.fromkeys(names.get(h, h) for h in position.holders))
    return result


def _capped(summary: DebateSummary, holders: int | None = MAX_HOLDERS) -> DebateSummary:
    """At most what a summary shows: LIMITS items a list, MAX_CITATIONS citations an item."""
    result = summary.model_copy(deep=True)
    for group in _GROUPS:
        items = getattr(result, group)[: LIMITS[group]]
        for item in items:
            item.citations = item.citations[:MAX_CITATIONS]
        setattr(result, group, items)
    for position in result.positions:
        position.holders = position.holders[:holders]
    return result


def _shorter(summary: DebateSummary) -> DebateSummary:
    """One step shorter: the last item of the longest list goes (positions last of all), or,
    with the lists empty, half of the TL;DR."""
    result = summary.model_copy(deep=True)
    lists = [g for g in (*SECTIONS, "positions") if getattr(result, g)]
    if lists:
        longest = max(lists, key=lambda g: len(getattr(result, g)) - (g == "positions") * 100)
        getattr(result, longest).pop()
    else:
        result.tldr = result.tldr[: len(result.tldr) // 2]
    return result
