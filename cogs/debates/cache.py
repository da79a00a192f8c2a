"""The chunk-summary cache, kept in the database so it survives restarts."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.storage.database import Database
from cogs.debates.models import CachedChunk
from summarizer.schema import DebateSummary


class DatabaseSummaryCache:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> DebateSummary | None:
        async with self._db.read() as session:
            row = await session.get(CachedChunk, key)
        return None if row is None else DebateSummary.model_validate(row.content)

    async def put(self, key: str, summary: DebateSummary) -> None:
        try:
            async with self._db.transaction() as session:
                session.add(CachedChunk(key=key, content=summary.model_dump()))
        except IntegrityError:
            pass  # the same prompt summarized concurrently: either copy will do
