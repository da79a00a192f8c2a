"""Tables of the knowledge feature's /ask: each question asked, for follow-ups and the record.

An ask keeps what a follow-up needs (the question and the answer given) and what it cited, so
"what did the bot answer from" can be traced later. `channel` is the chat channel, thread or
forum topic it was asked in ("" in a direct message without one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class KnowledgeAsk(SQLModel, table=True):
    __tablename__ = "knowledge_ask"
    __table_args__ = (
        Index("ix_knowledge_ask_asker", "community_id", "platform", "channel", "user_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    platform: str = Field(max_length=16)
    channel: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    question: str = Field(sa_type=Text)
    # The answer as shown (its text, without the passages quoted under it).
    answer: str = Field(sa_type=Text)
    # Passage keys (bot.records.Passage.key) the answer cited, one per line.
    cited_keys: str = Field(sa_type=Text)
    created_at: datetime = timestamp()
