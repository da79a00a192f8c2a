"""The shape of a debate summary, shared by the model-backed and the offline summarizer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Citation(Strict):
    post_id: str
    quote: str = Field(description="A verbatim excerpt of the post that supports the point")


class Position(Strict):
    stance: Literal["for", "against", "alternative"]
    summary: str
    holders: list[str]
    citations: list[Citation]


class Point(Strict):
    point: str
    citations: list[Citation]


class Question(Strict):
    question: str
    citations: list[Citation]


class Step(Strict):
    step: str
    citations: list[Citation]


class DebateSummary(Strict):
    tldr: str
    positions: list[Position]
    arguments: list[Point]
    open_questions: list[Question]
    agreements: list[Point]
    next_steps: list[Step]

    def citations(self) -> list[Citation]:
        found: list[Citation] = []
        for group in (
            self.positions,
            self.arguments,
            self.open_questions,
            self.agreements,
            self.next_steps,
        ):
            for item in group:
                found.extend(item.citations)
        return found


class Decision(Strict):
    decision: str
    by: str = Field(description="Who took it: the author, or the body the sentence names")
    citations: list[Citation]


class ActionItem(Strict):
    task: str
    owner: str = Field(description="Who does it: the author taking it on, or the person asked")
    citations: list[Citation]


class ChatTopic(Strict):
    """One conversation of a chat window: what was asked or proposed, and what came of it."""

    title: str
    # The message that raised what the topic asks or proposes, in its words; None when the
    # topic only asks and answers or announces: then there are no positions either.
    motion: Point | None
    positions: list[Position]  # stances relative to the motion, never without one
    arguments: list[Point]
    decisions: list[Decision]
    action_items: list[ActionItem]
    open_questions: list[Question]
    agreements: list[Point]  # people agreeing with each other on a stated point
    post_ids: list[str]  # the messages the topic is made of

    def citations(self) -> list[Citation]:
        found: list[Citation] = list(self.motion.citations) if self.motion else []
        for group in (
            self.positions,
            self.arguments,
            self.decisions,
            self.action_items,
            self.open_questions,
            self.agreements,
        ):
            for item in group:
                found.extend(item.citations)
        return found


class ChatSummary(Strict):
    """A chat window's summary: one entry per topic, busiest first."""

    tldr: str
    topics: list[ChatTopic]

    def citations(self) -> list[Citation]:
        return [c for topic in self.topics for c in topic.citations()]


def json_schema() -> dict[str, Any]:
    """DebateSummary as the strict JSON schema OpenAI-compatible servers accept."""
    return strict_json_schema(DebateSummary)


def strict_json_schema(shape: type[BaseModel]) -> dict[str, Any]:
    """A model's JSON schema as strict structured outputs accept it."""
    schema = shape.model_json_schema()
    _strictify(schema)
    return schema


def _strictify(node: Any) -> None:
    # Strict structured outputs require every property listed as required and no extras.
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
        for value in node.values():
            _strictify(value)
    elif isinstance(node, list):
        for value in node:
            _strictify(value)


class PostInput(BaseModel):
    """One post or message as the summarizer sees it: already stored, already plain text."""

    model_config = ConfigDict(frozen=True)

    id: str
    author: str
    text: str
    likes: int = 0
    url: str = ""
    created_at: datetime | None = None
    # Chat: the message this one replies to, and the names of the people it mentions (its text
    # shows them as "@name"); used to split a window into topics.
    reply_to: str | None = None
    mentions: tuple[str, ...] = ()
    # The channel, thread or topic it was written in, when a window spans several: a topic of
    # conversation never spans two.
    channel: str = ""


class Window(BaseModel):
    """The recent part of a long thread that a summary read, when it did not read all of it."""

    posts: int  # posts read
    total: int  # posts the thread holds (in the period asked for, if one was)
    since: datetime  # when the oldest post read was written
    capped: bool = False  # the period asked for holds more posts than one summary reads
    more: str | None = None  # a `since` to ask for more, like "30d"


class Provenance(BaseModel):
    """What a summary was built from, shown in its footer and stored with it."""

    posts_covered: int
    model: str
    prompt_version: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_chunks: int = 0
    model_calls: int = 0
    extractive: bool = False
    fallback_reason: str | None = None
    # Id of the last post of each chunk, so the next run can cut at the same places.
    boundaries: list[str] = []
    window: Window | None = None
