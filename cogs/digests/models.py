"""Tables of the digests feature: who gets digests, where, on which schedule, and what was sent.

A subscription is a member's direct messages on one platform (`kind` "member", `target_id` their
user id) or a channel of the community (`kind` "channel", `target_id` the channel id). Its
`last_period_end` is where the next digest starts: it only moves forward, in the transaction that
stores the digest in the outbox, so a digest is never built for the same period twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp

MEMBER, CHANNEL = "member", "channel"


class DigestSubscription(SQLModel, table=True):
    __tablename__ = "digest_subscription"
    __table_args__ = (UniqueConstraint("community_id", "platform", "kind", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    kind: str = Field(max_length=8)  # member, channel
    target_id: str = Field(max_length=64)
    cadence: str = Field(max_length=8)  # daily, weekly
    at: str = Field(max_length=5)  # local time, "HH:MM"
    weekday: int | None = None  # 0 Monday … 6 Sunday, weekly only
    timezone: str = Field(max_length=64)
    send_empty: bool = True
    last_period_end: datetime = timestamp()
    # When the schedule last changed: slots before it are not due (see schedule.due_period).
    schedule_from: datetime = timestamp()
    created_by: str = Field(max_length=100)
    created_at: datetime = timestamp()


class DigestDelivery(SQLModel, table=True):
    """One period delivered (or skipped as empty) for a subscription; `outbox_key` is the
    outbox's idempotency key, empty when nothing was sent."""

    __tablename__ = "digest_delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "period_end"),)

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(foreign_key="digest_subscription.id", index=True)
    period_start: datetime = timestamp()
    period_end: datetime = timestamp()
    outbox_key: str = Field(default="", max_length=200)
    # scheduled, catch_up, now (the /digest now command), skipped (empty, not wanted)
    how: str = Field(max_length=12)
    recorded_at: datetime = timestamp()
