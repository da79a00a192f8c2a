"""What one digest build costs: wall time, time inside model calls, database queries (by the
tables they touch) and model calls and tokens, counted around one build only.

Queries are counted with SQLAlchemy's `before_cursor_execute` on the app's engine, for the
build's own task and the tasks it starts (a context variable): the outbox and the leader
election query the same engine meanwhile, and are not the digest's. Time inside model calls is
the union of the intervals spent in `LanguageModel.answer` (retries included), wrapped here for
the bench only; parts run side by side, so the union, not the sum, is what the build waited.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from summarizer.llm import LanguageModel

T = TypeVar("T")
_MEASURING: ContextVar[bool] = ContextVar("bench_digest_measuring", default=False)
_TABLE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?([a-z_]+)"?', re.IGNORECASE)


@dataclass
class Measure:
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # this process's CPU over the build (the model fake's included)
    model_seconds: float = 0.0
    queries: int = 0
    tables: Counter[str] = field(default_factory=Counter)
    statements: list[str] = field(default_factory=list)
    model_calls: int = 0  # as the parts reported them
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fake_calls: int = 0  # as the model server answered them
    debates_shown: int = 0

    @property
    def without_model(self) -> float:
        return self.seconds - self.model_seconds


class Meter:
    """Counts queries on one engine and times model calls, inside `measuring()` only."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.sync_engine
        self._current: Measure | None = None
        self._model_spans: list[tuple[float, float]] = []
        event.listen(self._engine, "before_cursor_execute", self._on_query)
        self._answer = LanguageModel.answer
        meter = self

        async def timed_answer(model: LanguageModel, *args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await meter._answer(model, *args, **kwargs)
            finally:
                if _MEASURING.get():
                    meter._model_spans.append((started, time.perf_counter()))

        LanguageModel.answer = timed_answer  # type: ignore[method-assign]

    def close(self) -> None:
        event.remove(self._engine, "before_cursor_execute", self._on_query)
        LanguageModel.answer = self._answer  # type: ignore[method-assign]

    def _on_query(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._current is None or not _MEASURING.get():
            return
        self._current.queries += 1
        self._current.statements.append(statement)
        self._current.tables[table_of(statement)] += 1

    @contextmanager
    def measuring(self) -> Iterator[Measure]:
        measure = Measure()
        self._current, self._model_spans = measure, []
        token = _MEASURING.set(True)
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield measure
        finally:
            measure.seconds = time.perf_counter() - started
            measure.cpu_seconds = time.process_time() - cpu
            _MEASURING.reset(token)
            measure.model_seconds = union(self._model_spans)
            self._current = None

    async def measure(self, build: Callable[[], Awaitable[T]]) -> tuple[Measure, T]:
        with self.measuring() as measure:
            result = await build()
        return measure, result


def table_of(statement: str) -> str:
    """The first table a statement names; "other" for BEGIN, SAVEPOINT and the like."""
    found = _TABLE.search(statement)
    return found.group(1).lower() if found else "other"


def union(spans: list[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total
