"""The asks table: the asker's previous question in the same place, and each new ask."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, select

from bot.storage.database import Database
from cogs.knowledge.models import KnowledgeAsk

ANSWER_KEPT = 4000


class AskStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def previous(
        self, community_id: int, platform: str, channel: str, user_id: str
    ) -> KnowledgeAsk | None:
        """The asker's latest ask in this channel, thread or topic."""
        async with self._db.read() as session:
            query = (
                select(KnowledgeAsk)
                .where(
                    KnowledgeAsk.community_id == community_id,
                    KnowledgeAsk.platform == platform,
                    KnowledgeAsk.channel == channel,
                    KnowledgeAsk.user_id == user_id,
                )
                .order_by(col(KnowledgeAsk.id).desc())
                .limit(1)
            )
            return (await session.exec(query)).first()

    async def record(
        self,
        community_id: int,
        platform: str,
        channel: str,
        user_id: str,
        question: str,
        answer: str,
        cited: Sequence[str],
        at: datetime,
    ) -> None:
        async with self._db.transaction() as session:
            session.add(
                KnowledgeAsk(
                    community_id=community_id,
                    platform=platform,
                    channel=channel,
                    user_id=user_id,
                    question=question,
                    answer=answer[:ANSWER_KEPT],
                    cited_keys="\n".join(cited),
                    created_at=at,
                )
            )
