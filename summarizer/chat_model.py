"""Summarizing a chat window with a language model, topic by topic, for what its messages cost.

The window is split into topics first (`summarizer.topics.split_topics`: greetings, emoji, bots
and bare links are in none, so they are never sent). Topics are packed into as few calls as the
context budget allows, each message sent once: a day of chat costs about its own messages' tokens
plus one set of instructions per call. A topic too large for one call is sent in parts, whose
answers are merged. Every answer goes through the same checks as the forum's
(`summarizer.chat_checks`): quotes verified against the messages they cite, a motion named and
cited or no sides, nobody both for and against. Calls are cached by a hash of what was sent. A
failed call raises `ModelError`, and the caller falls back to the offline summary, as for forums.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from summarizer.chat_checks import check_topic
from summarizer.chat_offline import chat_tldr
from summarizer.chat_prompts import (
    CHAT_PROMPT_VERSION,
    CHAT_SYSTEM,
    ChatAnswer,
    TopicAnswer,
    chat_messages,
    message_line,
)
from summarizer.llm import LanguageModel
from summarizer.mapreduce import ANSWER_RESERVE, CUT, CallLog
from summarizer.schema import ChatSummary, ChatTopic, Position, PostInput, Provenance
from summarizer.text import prose
from summarizer.tokens import TokenCounter
from summarizer.topics import split_topics

# The instruction line and the block's tags, at most (topic spans and the channel's name).
FRAMING_TOKENS = 120
MAX_TITLE = 90


class AnswerCache(Protocol):
    """Model answers by the hash of what was sent, as JSON-ready dicts."""

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, answer: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class _Part:
    topic: int  # the topic's index in the window
    posts: list[PostInput]
    tokens: int


class ChatModelSummarizer:
    def __init__(
        self, model: LanguageModel, counter: TokenCounter, cache: AnswerCache, context_budget: int
    ) -> None:
        self._model = model
        self._counter = counter
        self._cache = cache
        self._room = context_budget - ANSWER_RESERVE - counter.count(CHAT_SYSTEM) - FRAMING_TOKENS
        if self._room < 300:
            raise ValueError(f"context budget {context_budget} leaves no room for messages")

    async def summarize(
        self, posts: Sequence[PostInput], channel: str
    ) -> tuple[ChatSummary, Provenance, CallLog]:
        log = CallLog()
        topics = split_topics(posts)
        answers: dict[int, list[TopicAnswer]] = {}
        for call in self._calls(topics):
            numbered, lines, spans = self._numbered(call)
            messages = chat_messages(lines, spans, channel)
            answer = await self._cached_call(messages, log)
            answered: set[int] = set()
            for topic_answer in answer.topics:
                number = topic_answer.topic
                own = {
                    str(n): numbered[str(n)]
                    for t, first, last in spans
                    if t == number
                    for n in range(first, last + 1)
                }  # a topic cites its own messages only
                if own and number not in answered:
                    answered.add(number)
                    answers.setdefault(number - 1, []).append(check_topic(topic_answer, own))
        found = [_topic(topic, answers.get(i, [])) for i, topic in enumerate(topics)]
        found.sort(key=lambda t: -len(t.post_ids))
        summary = ChatSummary(tldr=chat_tldr(channel, posts, found), topics=found)
        provenance = Provenance(
            posts_covered=len(posts),
            model=self._model.model,
            prompt_version=CHAT_PROMPT_VERSION,
            prompt_tokens=log.prompt_tokens,
            completion_tokens=log.completion_tokens,
            cached_chunks=log.cached,
            model_calls=len(log.calls),
        )
        return summary, provenance, log

    def _tokens(self, post: PostInput) -> int:
        return self._counter.count(message_line(999, post.author, post.text, 999)) + 1

    def _calls(self, topics: list[list[PostInput]]) -> list[list[_Part]]:
        """Topics cut into parts within the room, then packed into as few calls as fit."""
        parts: list[_Part] = []
        for index, topic in enumerate(topics):
            current: list[PostInput] = []
            used = 0
            for post in topic:
                post = self._fitted(post)
                tokens = self._tokens(post)
                if current and used + tokens > self._room:
                    parts.append(_Part(index, current, used))
                    current, used = [], 0
                current.append(post)
                used += tokens
            if current:
                parts.append(_Part(index, current, used))
        calls: list[list[_Part]] = []
        used = 0
        for part in parts:
            if not calls or used + part.tokens > self._room:
                calls.append([])
                used = 0
            calls[-1].append(part)
            used += part.tokens
        return calls

    def _fitted(self, post: PostInput) -> PostInput:
        """A message longer than a call's room is cut to fit; nothing else is."""
        text = post.text
        while text and self._tokens(post.model_copy(update={"text": text})) > self._room:
            text = text[: int(len(text) * 0.8)]
        return post if text == post.text else post.model_copy(update={"text": text + CUT})

    @staticmethod
    def _numbered(
        call: list[_Part],
    ) -> tuple[dict[str, PostInput], list[str], list[tuple[int, int, int]]]:
        numbered: dict[str, PostInput] = {}
        number_of: dict[str, int] = {}
        lines: list[str] = []
        spans: list[tuple[int, int, int]] = []
        for part in call:
            first = len(lines) + 1
            for post in part.posts:
                number = len(lines) + 1
                numbered[str(number)] = post
                number_of[post.id] = number
                reply = number_of.get(post.reply_to or "")
                if reply in (number - 1, first):
                    reply = None  # the line before, or what opened the topic: said by default
                lines.append(message_line(number, post.author, post.text, reply))
            spans.append((part.topic + 1, first, len(lines)))
        return numbered, lines, spans

    async def _cached_call(self, messages: list[dict[str, str]], log: CallLog) -> ChatAnswer:
        key = hashlib.sha256(
            "\x00".join(
                [CHAT_PROMPT_VERSION, self._model.model, *(m["content"] for m in messages)]
            ).encode()
        ).hexdigest()
        cached = await self._cache.get(key)
        if cached is not None:
            log.cached += 1
            return ChatAnswer.model_validate(cached)
        answer, usage = await self._model.answer(messages, ChatAnswer, "chat_summary")
        log.calls.append(usage)
        await self._cache.put(key, answer.model_dump())
        return answer


def _topic(posts: list[PostInput], answers: list[TopicAnswer]) -> ChatTopic:
    """A topic from the checked answers on its parts (one, unless it was long)."""
    motion = next((a.motion for a in answers if a.motion is not None), None)
    title = next((a.title.strip() for a in answers if a.title.strip()), "") or _first_words(posts)
    return ChatTopic(
        title=title[:MAX_TITLE],
        motion=motion,
        positions=_merged_positions(answers) if motion is not None else [],
        arguments=[p for a in answers for p in a.arguments],
        decisions=[d for a in answers for d in a.decisions],
        action_items=[i for a in answers for i in a.action_items],
        open_questions=[q for a in answers for q in a.open_questions],
        agreements=[p for a in answers for p in a.agreements],
        post_ids=[post.id for post in posts],
    )


def _merged_positions(answers: list[TopicAnswer]) -> list[Position]:
    merged: dict[str, Position] = {}
    for answer in answers:
        for position in answer.positions:
            known = merged.get(position.stance)
            if known is None:
                merged[position.stance] = position
                continue
            merged[position.stance] = known.model_copy(
                update={
                    "holders": list(dict.fromkeys([*known.holders, *position.holders])),
                    "citations": [*known.citations, *position.citations],
                }
            )
    sides = [merged[s] for s in ("for", "against", "alternative") if s in merged]
    for_holders = set(merged["for"].holders) if "for" in merged else set()
    against = set(merged["against"].holders) if "against" in merged else set()
    both = for_holders & against  # across parts too: nobody is on both sides
    kept = []
    for position in sides:
        holders = [h for h in position.holders if h not in both or position.stance == "alternative"]
        if holders:
            kept.append(position.model_copy(update={"holders": holders}))
    return kept


def _first_words(posts: list[PostInput]) -> str:
    text = prose(posts[0].text).own.strip().split("\n")[0] if posts else ""
    return text or "(no text)"
