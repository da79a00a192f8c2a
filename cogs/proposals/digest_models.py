"""The votes seen on followed proposals: who voted, so a digest can tell a member whether their
linked wallet still has to vote without asking Snapshot or a node while it is built.

Filled by the Governor watcher from each VoteCast event (exact), and for Snapshot by a
leader-only job that asks the hub for the votes cast since the last one seen on each open
proposal (`digest_votes.py`). Voters are stored in lower case.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class VoteSeen(SQLModel, table=True):
    __tablename__ = "proposal_vote_seen"
    __table_args__ = (UniqueConstraint("community_id", "proposal_key", "voter"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    proposal_key: str = Field(max_length=160)
    voter: str = Field(max_length=42)
    # When the vote was cast (Snapshot's `created`; for a Governor, when its event was read).
    voted_at: datetime = timestamp()
