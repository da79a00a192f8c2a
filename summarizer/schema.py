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


def json_schema() -> dict[str, Any]:
    """DebateSummary as the strict JSON schema OpenAI-compatible servers accept."""
    schema = DebateSummary.model_json_schema()
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
