"""What a draft is built from: a debate's extractive summary, forum or chat, in one shape.

A forum topic's opening post is the proposal; in a chat window, the proposal is the busiest
topic's motion (the message that raised it). Each point keeps the posts it cites.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from summarizer.chat_offline import summarize_chat_offline
from summarizer.offline import summarize_offline
from summarizer.schema import ChatSummary, Citation, DebateSummary, PostInput


@dataclass(frozen=True)
class Point:
    text: str
    post_ids: tuple[str, ...]


@dataclass(frozen=True)
class Digest:
    tldr: str
    opening: PostInput | None  # the post that proposes
    title: str  # the proposal's title as the debate names it
    support: tuple[Point, ...]
    objections: tuple[Point, ...]
    arguments: tuple[Point, ...]
    questions: tuple[Point, ...]
    next_steps: tuple[Point, ...]
    summary_json: str  # the summary it came from, as stored with the draft

    @property
    def summary_hash(self) -> str:
        return hashlib.sha256(self.summary_json.encode()).hexdigest()

    def post_ids(self) -> list[str]:
        """The opening post and every post a point cites, in order of first mention."""
        ids = [self.opening.id] if self.opening else []
        groups = (self.support, self.objections, self.arguments, self.questions, self.next_steps)
        for group in groups:
            for point in group:
                ids.extend(i for i in point.post_ids if i not in ids)
        return ids


def _point(text: str, citations: Sequence[Citation]) -> Point:
    return Point(text.strip(), tuple(dict.fromkeys(c.post_id for c in citations)))


def forum_digest(posts: Sequence[PostInput], title: str) -> Digest:
    summary = summarize_offline(posts, title)
    return debate_digest(summary, posts, title)


def debate_digest(summary: DebateSummary, posts: Sequence[PostInput], title: str) -> Digest:
    def side(stance: str) -> tuple[Point, ...]:
        return tuple(
            _point(f"{p.summary} ({', '.join(p.holders)})" if p.holders else p.summary, p.citations)
            for p in summary.positions
            if p.stance == stance
        )

    return Digest(
        tldr=summary.tldr,
        opening=posts[0] if posts else None,
        title=title,
        support=side("for"),
        objections=side("against") + side("alternative"),
        arguments=tuple(_point(a.point, a.citations) for a in summary.arguments),
        questions=tuple(_point(q.question, q.citations) for q in summary.open_questions),
        next_steps=tuple(_point(s.step, s.citations) for s in summary.next_steps),
        summary_json=summary.model_dump_json(),
    )


def chat_digest(posts: Sequence[PostInput], channel: str) -> Digest:
    summary = summarize_chat_offline(posts, channel)
    return chat_summary_digest(summary, posts, channel)


def chat_summary_digest(summary: ChatSummary, posts: Sequence[PostInput], channel: str) -> Digest:
    with_motion = [t for t in summary.topics if t.motion is not None]
    topic = with_motion[0] if with_motion else (summary.topics[0] if summary.topics else None)
    by_id = {p.id: p for p in posts}
    opening = None
    if topic is not None and topic.motion is not None and topic.motion.citations:
        opening = by_id.get(topic.motion.citations[0].post_id)
    if topic is None:
        return Digest(summary.tldr, None, channel, (), (), (), (), (), summary.model_dump_json())

    def side(*stances: str) -> tuple[Point, ...]:
        return tuple(
            _point(f"{p.summary} ({', '.join(p.holders)})" if p.holders else p.summary, p.citations)
            for p in topic.positions
            if p.stance in stances
        )

    steps = [_point(d.decision, d.citations) for d in topic.decisions]
    steps += [_point(f"{a.task} ({a.owner})", a.citations) for a in topic.action_items]
    return Digest(
        tldr=summary.tldr,
        opening=opening,
        title=topic.title,
        support=side("for"),
        objections=side("against", "alternative"),
        arguments=tuple(_point(a.point, a.citations) for a in topic.arguments),
        questions=tuple(_point(q.question, q.citations) for q in topic.open_questions),
        next_steps=tuple(steps),
        summary_json=json.dumps(summary.model_dump(), sort_keys=True),
    )
