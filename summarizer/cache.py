"""An in-process summary cache, for runs without a database (benchmarks, scripts)."""

from __future__ import annotations

from typing import Any

from summarizer.schema import DebateSummary


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[str, DebateSummary] = {}

    async def get(self, key: str) -> DebateSummary | None:
        return self.entries.get(key)

    async def put(self, key: str, summary: DebateSummary) -> None:
        self.entries[key] = summary


class MemoryAnswerCache:
    """Model answers of the chat summarizer, by key, as JSON-ready dicts."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    async def get(self, key: str) -> dict[str, Any] | None:
        return self.entries.get(key)

    async def put(self, key: str, answer: dict[str, Any]) -> None:
        self.entries[key] = answer
