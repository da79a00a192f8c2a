"""Tables of the onboarding feature: contributor profiles and the /onboard flows in progress.

A member is (community, platform, user id): the same person on Discord and Telegram has two
entries until they link the same wallet. Wallet links and role grants live in their own module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp

# What a member may choose to show to other members (stewards see everything).
SHAREABLE = ("skills", "timezone", "hours", "github", "forum", "interests")
DEFAULT_SHARED = ["skills", "interests"]


class ContributorProfile(SQLModel, table=True):
    __tablename__ = "contributor_profile"
    __table_args__ = (UniqueConstraint("community_id", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    display_name: str = Field(max_length=64)
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    timezone: str = Field(default="UTC", max_length=64)
    hours_per_week: int = 0
    github: str = Field(default="", max_length=39)
    # Their username on the community's Discourse forum, so /match can weigh their posts there.
    forum: str = Field(default="", max_length=60)
    interests: str = Field(default="", max_length=500)
    matching: bool = True
    # Fields of SHAREABLE other members may see.
    shared: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SHARED), sa_column=Column(JSON, nullable=False)
    )
    onboarded_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class OnboardingFlow(SQLModel, table=True):
    """An /onboard in progress: the step it waits on and the answers so far. Deleted when the
    profile is saved, restarted or timed out."""

    __tablename__ = "onboarding_flow"
    __table_args__ = (UniqueConstraint("community_id", "platform", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    step: str = Field(max_length=32)
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    started_at: datetime = timestamp()
    updated_at: datetime = timestamp(index=True)
