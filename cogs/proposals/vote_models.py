"""Tables of vote following: the proposals followed, which of their events were announced, the
channels that get announcements, and the members who want a reminder before a vote ends.

A proposal is known by its key: "snapshot:<id>" or "governor:<chain>:<address>:<id>".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp

BODY_LIMIT = 20_000


class FollowedProposal(SQLModel, table=True):
    """A proposal as last seen (from the Snapshot hub, or a Governor's contract)."""

    __tablename__ = "followed_proposal"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    key: str = Field(max_length=160)
    source: str = Field(max_length=16)  # snapshot, governor
    title: str = Field(default="", max_length=300)
    link: str = Field(default="", max_length=500)
    # The last event announced or seen: created, opened, ending, closed, queued, executed...
    state: str = Field(default="created", max_length=16)
    voting_type: str = Field(default="single-choice", max_length=32)
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scores: list[float] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    total: float = 0.0
    quorum: float = 0.0
    voters: int = 0
    result: str = Field(default="", max_length=300)
    # What the proposal asks (Snapshot's Markdown body, up to BODY_LIMIT), for /ask.
    body: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    starts_at: datetime | None = timestamp(default=None, nullable=True)
    ends_at: datetime | None = timestamp(default=None, nullable=True)
    updated_at: datetime = timestamp()


class VoteAnnouncement(SQLModel, table=True):
    """An event of a proposal that was announced (or, for "reminders", whose reminders were
    sent): stored once, so a restart or a second replica never announces it again."""

    __tablename__ = "vote_announcement"
    __table_args__ = (UniqueConstraint("community_id", "proposal_key", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    proposal_key: str = Field(max_length=160)
    kind: str = Field(max_length=16)
    announced_at: datetime = timestamp()


class VoteChannel(SQLModel, table=True):
    """A channel that gets vote announcements, and which events (comma-separated)."""

    __tablename__ = "vote_channel"
    __table_args__ = (UniqueConstraint("community_id", "platform", "channel_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=64)
    events: str = Field(max_length=100)
    added_by: str = Field(default="", max_length=100)
    created_at: datetime = timestamp()


class VoteReminderOptIn(SQLModel, table=True):
    """A member who asked for a direct message before a vote ends, while they have not voted."""

    __tablename__ = "vote_reminder_opt_in"
    __table_args__ = (UniqueConstraint("community_id", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    created_at: datetime = timestamp()
