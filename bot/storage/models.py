"""Core tables: communities, the chat spaces that belong to them, and their settings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
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
