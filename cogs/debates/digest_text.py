"""The two sentences a digest says about a debate: from its stored summary, from one model call
when it has none, or offline from its own posts, never invented.

A stored summary's TL;DR gives its first two sentences. A debate without one gets at most one
model call: the opening post (a forum topic's proposal) and the period's latest posts that fit
one prompt, sent as the summaries send them (delimited as data, see `summarizer.prompts`), so the
rolling summarizer makes exactly one call. With no model, or none allowed, extractive sentences
from the offline summarizers, else the first new post's opening words.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.settings import LLMSettings
from cogs.debates.render import clean
from summarizer.chat_offline import summarize_chat_offline
from summarizer.llm import LanguageModel
from summarizer.mapreduce import ANSWER_RESERVE, CallLog, MapReduceSummarizer
from summarizer.offline import summarize_offline
from summarizer.prompts import SYSTEM, chunk_messages, post_body, post_line
from summarizer.schema import Citation, DebateSummary, PostInput, Provenance
from summarizer.text import prose
from summarizer.tokens import TokenCounter

# A sentence ends at . ! or ? followed by a space, so decimals and versions stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_SENTENCE = 220
# A digest needs two sentences, not a full summary: the prompt stays small whatever the budget.
PROMPT_TOKENS = 6_000
# Room kept for what a token count can move by (a post's number growing a digit).
MARGIN = 0.95


def two_sentences(text: str) -> str:
    """The first two sentences of a text, each at most MAX_SENTENCE characters, on one line,
    links dropped, pings neutralized."""
    flat = " ".join(prose(text).own.replace("[link]", "").split())
    sentences = [s.strip() for s in _SENTENCE_END.split(flat) if s.strip()][:2]
    shortened = [
        s if len(s) <= MAX_SENTENCE else s[: MAX_SENTENCE - 1].rstrip() + "…" for s in sentences
    ]
    return clean(" ".join(shortened))


def offline_text(
    posts: Sequence[PostInput], title: str, *, forum: bool, since: datetime | None = None
) -> str:
    """Two sentences from the posts alone, extractive: what a proposal asks for (as the offline
    summary's TL;DR says it), then the offline summary's points, those of posts written `since`
    first, quoted with their authors; else the first new post's opening words."""
    if not posts:
        return ""
    authors = {post.id: post.author for post in posts}
    new = {p.id for p in posts if since is None or (p.created_at and p.created_at >= since)}
    said: list[str] = []
    points: list[tuple[str, list[Citation]]]
    if forum:
        summary = summarize_offline(posts, title)
        proposed = f"{title!r}, proposed by "
        if summary.tldr.startswith(proposed):
            said.append(_first_sentence("Proposed by " + summary.tldr[len(proposed) :]))
        points = [
            *((p.summary, p.citations) for p in summary.positions),
            *((p.point, p.citations) for p in summary.arguments),
            *((q.question, q.citations) for q in summary.open_questions),
        ]
    else:
        chat = summarize_chat_offline(posts, title)
        points = [
            (point, citations)
            for topic in chat.topics
            for point, citations in (
                *(((topic.motion.point, topic.motion.citations),) if topic.motion else ()),
                *((d.decision, d.citations) for d in topic.decisions),
                *((a.task, a.citations) for a in topic.action_items),
                *((q.question, q.citations) for q in topic.open_questions),
                *((a.point, a.citations) for a in topic.arguments),
            )
        ]
    quoted = [(point, c[0].post_id if c else None) for point, c in points]
    quoted.sort(key=lambda q: q[1] not in new)
    if len(said) + len(quoted) < 2:
        first = next((p for p in posts if p.id in new), posts[0])
        quoted.insert(0, (first.text, first.id))  # the opening post, or the first new one
    for point, post_id in quoted:
        text = _first_sentence(point)
        if len(said) == 2 or not text or any(text.rstrip(".") in s for s in said):
            continue
        who = authors.get(post_id) if post_id else None
        said.append(f"“{text.rstrip('.')}” ({clean(who)})." if who else _ended(text))
    return " ".join(said)


def _first_sentence(text: str) -> str:
    return " ".join(_SENTENCE_END.split(two_sentences(text))[:1])


def _ended(text: str) -> str:
    return text if text.endswith((".", "!", "?", "…")) else text + "."


@dataclass(frozen=True)
class ModelSummary:
    summary: DebateSummary
    provenance: Provenance
    calls: CallLog
    posts: int  # posts the prompt held


class DigestSummarizer:
    """One model call for one debate, within the configured context budget."""

    def __init__(self, model: LanguageModel, llm: LLMSettings) -> None:
        self._model = model
        self._llm = llm

    @property
    def model_name(self) -> str:
        return self._model.model

    async def summarize(
        self, posts: Sequence[PostInput], title: str, *, opening: bool
    ) -> ModelSummary:
        """ModelError when the model fails; `opening`: posts[0] is a forum topic's opening post."""
        counter = await asyncio.to_thread(TokenCounter(self._model.model).load)
        fitted = fit_one_prompt(posts, title, counter, self._llm.context_budget, opening=opening)
        mapper = MapReduceSummarizer(self._model, counter, _NoCache(), self._llm.context_budget)
        summary, provenance, calls = await mapper.summarize(fitted, title, opening=opening)
        return ModelSummary(summary, provenance, calls, len(fitted))


class _NoCache:
    """The digest stores the summary it makes, which the next digest reuses: a cache of the
    prompt's answer would only cost a query per debate."""

    async def get(self, key: str) -> DebateSummary | None:
        return None

    async def put(self, key: str, summary: DebateSummary) -> None:
        return None


def fit_one_prompt(
    posts: Sequence[PostInput],
    title: str,
    counter: TokenCounter,
    context_budget: int,
    *,
    opening: bool,
) -> list[PostInput]:
    """The opening post (when there is one) and the latest posts that fit in the first part of
    the rolling summarizer, so it makes one call: its room, less a margin, at most
    PROMPT_TOKENS."""
    framing = chunk_messages("<posts>\n</posts>", title, so_far="x", opening=opening)[1]["content"]
    room = context_budget - ANSWER_RESERVE - counter.count(SYSTEM) - counter.count(framing) - 10
    room = int(min(room, PROMPT_TOKENS) * MARGIN)
    first = list(posts[:1]) if opening else []
    rest = list(posts[1:] if opening else posts)
    used = sum(_cost(counter, post) for post in first)
    kept: list[PostInput] = []
    for post in reversed(rest):
        cost = _cost(counter, post)
        if used + cost > room:
            break
        kept.append(post)
        used += cost
    if not kept and not first and rest:
        # One long message alone: the summarizer cuts a line that does not fit.
        kept.append(rest[-1])
    return first + list(reversed(kept))


def _cost(counter: TokenCounter, post: PostInput) -> int:
    return counter.count(post_line(99_999, post.author, post_body(post.text))) + 1
