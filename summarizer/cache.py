"""An in-process summary cache, for runs without a database (benchmarks, scripts)."""

from __future__ import annotations

from summarizer.schema import DebateSummary


class MemoryCache:
    def __init__(self) -> None:
        self.entries: dict[str, DebateSummary] = {}

    async def get(self, key: str) -> DebateSummary | None:
        return self.entries.get(key)

    async def put(self, key: str, summary: DebateSummary) -> None:
        self.entries[key] = summary
