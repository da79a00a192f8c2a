"""Core tables: communities, the chat spaces that belong to them, and their settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp(**kwargs: Any) -> Any:
    """A timezone-aware timestamp column (PostgreSQL timestamptz), now by default."""
    if "default" not in kwargs:
        kwargs.setdefault("default_factory", utcnow)
    return Field(sa_type=DateTime(timezone=True), **kwargs)


class Community(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, max_length=64)
    name: str = Field(max_length=200)
    created_at: datetime = timestamp()


class CommunitySpace(SQLModel, table=True):
    """A Discord guild or Telegram group that belongs to a community."""

    platform: str = Field(primary_key=True, max_length=16)
    space_id: str = Field(primary_key=True, max_length=64)
    community_id: int = Field(foreign_key="community.id", index=True)


class CommunitySetting(SQLModel, table=True):
    community_id: int = Field(foreign_key="community.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=64)
    value: str
    updated_at: datetime = timestamp()
    updated_by: str = Field(default="", max_length=100)


class OutboxMessage(SQLModel, table=True):
    """One post to one destination, stored in the transaction that caused it and delivered once.

    `key` is the feature's idempotency key plus the destination: the same cause stored twice
    adds nothing. `state` is pending, delivered or failed (after its retries ran out), or
    skipped (a revision a later one replaced before it was sent).

    A revision (`Outbox.revise`) is a row too, to the same destination: `edit_of` names the
    row whose posted message it edits, and `final_edit` drops any revision after it. `posted`
    is where a delivered post landed: [channel id, message id] per message, in order
    (migration 0024_outbox_edits)."""

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    # "channel:<id>" or "dm:<user id>"; one deliverer at a time per (platform, destination).
    destination: str = Field(max_length=100)
    # What it is for, in words a steward reads in a failure report ("alert_channel", "DM").
    purpose: str = Field(default="", max_length=64)
    reply: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    state: str = Field(default="pending", max_length=12, index=True)
    attempts: int = 0
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = timestamp()
    next_attempt_at: datetime = timestamp()
    delivered_at: datetime | None = timestamp(default=None, nullable=True)
    edit_of: int | None = Field(default=None, index=True)
    final_edit: bool = False
    posted: list[list[str]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class RoleChangeRecord(SQLModel, table=True):
    """A role given or taken through the outbox: who, what, why, when asked and when done.

    `key` is the outbox row that delivers it. `state` follows that row: pending, delivered or
    failed; `invite_sent` says a Telegram grant sent the member an invite link instead."""

    __tablename__ = "role_change"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    space_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64, index=True)
    role_id: str = Field(max_length=64)
    role_name: str = Field(default="", max_length=100)
    action: str = Field(max_length=8)  # grant, revoke
    reason: str = Field(default="", max_length=500)
    state: str = Field(default="pending", max_length=12)
    last_error: str = Field(default="", max_length=500)
    invite_sent: bool = False
    requested_at: datetime = timestamp()
    delivered_at: datetime | None = timestamp(default=None, nullable=True)


class OutboxThread(SQLModel, table=True):
    """The thread the outbox opened for a topic in a forum channel (a `ToThread` destination):
    later messages of the topic are posted in it (migration 0015_outbox_threads)."""

    __tablename__ = "outbox_thread"
    __table_args__ = (UniqueConstraint("platform", "destination"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    # The message's destination: "thread:<channel id>/<topic digest>".
    destination: str = Field(max_length=100)
    thread_id: str = Field(max_length=64)
    created_at: datetime = timestamp()
