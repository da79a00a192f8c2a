"""Model answers cached in the database by the hash of what was sent, so they survive restarts:
the forum summarizer's chunk summaries and the chat summarizer's topic answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database
from cogs.debates.models import CachedChunk
from summarizer.schema import DebateSummary


class DatabaseAnswerCache:
    """Answers as JSON-ready dicts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> dict[str, Any] | None:
        async with self._db.read() as session:
            row = await session.get(CachedChunk, key)
        return None if row is None else dict(row.content)

    async def put(self, key: str, answer: dict[str, Any]) -> None:
        try:
            async with self._db.transaction() as session:
                session.add(CachedChunk(key=key, content=answer))
        except IntegrityError:
            pass  # the same prompt answered concurrently: either copy will do


class DatabaseSummaryCache:
    """Chunk summaries of the forum summarizer, over the same table."""

    def __init__(self, answers: DatabaseAnswerCache) -> None:
        self._answers = answers

    async def get(self, key: str) -> DebateSummary | None:
        found = await self._answers.get(key)
        return None if found is None else DebateSummary.model_validate(found)

    async def put(self, key: str, summary: DebateSummary) -> None:
        await self._answers.put(key, summary.model_dump())
