"""Tables of community curation: each member's vote on an output, and each job's pick.

A member votes once per output (the unique constraint says so under any concurrency); a job's
voting closes when a steward picks, once (one pick row per job, unique). Weights are token
amounts kept as decimal text (an 18-decimal balance does not fit a float or a 64-bit integer);
without a token every vote weighs 1.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class GenerationVote(SQLModel, table=True):
    __tablename__ = "generation_vote"
    __table_args__ = (UniqueConstraint("output_id", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    job_id: int = Field(foreign_key="generation_job.id", index=True)
    output_id: int = Field(foreign_key="generation_output.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64, index=True)
    # Token units as decimal text; "1" without a token; None when holdings could not be read
    # when the vote was cast (they are read again for everyone when voting closes).
    weight: str | None = Field(default=None, max_length=80)
    voted_at: datetime = timestamp()


class GenerationPick(SQLModel, table=True):
    """A job's closed voting: who closed it, the final tally and the winner (None: no votes)."""

    __tablename__ = "generation_pick"
    __table_args__ = (UniqueConstraint("job_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    job_id: int = Field(foreign_key="generation_job.id")
    winner_output_id: int | None = Field(default=None, foreign_key="generation_output.id")
    closed_by: str = Field(max_length=100)  # "platform:user id"
    closed_at: datetime = timestamp()
    # What weighed the votes: "" (one each) or the token, e.g. "TUSD on mainnet".
    weighted_by: str = Field(default="", max_length=100)
    # [{"output": id, "voters": n, "weight": "decimal text", "first": iso time}], best first.
    tally: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
