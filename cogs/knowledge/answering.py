"""The model's side of /ask: passages handed to summarizer/answer.py as labelled data, its
checked answer mapped back to the passages, its failure turned into the offline answer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.records import Passage
from cogs.knowledge.ask import CitedLine, ModelFailed, ModelReply
from summarizer.answer import SourcePassage, answer_question
from summarizer.errors import ModelError
from summarizer.llm import LanguageModel


def source_passages(passages: Sequence[Passage]) -> list[SourcePassage]:
    """P1..Pn in the order given (best first)."""
    return [
        SourcePassage(
            label=f"P{number}",
            title=passage.title,
            text=passage.text,
            author=passage.author,
            date=_day(passage.created_at),
            note=passage.note,
        )
        for number, passage in enumerate(passages, start=1)
    ]


def _day(at: datetime | None) -> str:
    if at is None:
        return ""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).strftime("%Y-%m-%d")


class ModelAnswerer:
    def __init__(self, model: LanguageModel, context_budget: int) -> None:
        self._model = model
        self._context_budget = context_budget

    @property
    def model(self) -> str:
        return self._model.model

    async def answer(
        self, question: str, passages: Sequence[Passage], previous: tuple[str, str] | None
    ) -> ModelReply:
        given = source_passages(passages)
        index = {p.label: i for i, p in enumerate(given)}
        try:
            answer = await answer_question(
                self._model, question, given, previous, context_budget=self._context_budget
            )
        except ModelError as exc:
            raise ModelFailed(exc.message) from exc
        lines = tuple(
            CitedLine(s.text, tuple(index[label] for label in s.labels if label in index))
            for s in answer.sentences
        )
        return ModelReply(
            model=answer.model,
            lines=tuple(line for line in lines if line.passages),
            unanswerable=answer.unanswerable,
            dropped=answer.dropped,
            prompt_tokens=answer.usage.prompt_tokens,
            completion_tokens=answer.usage.completion_tokens,
            cost_usd=answer.usage.cost(answer.model),
        )
