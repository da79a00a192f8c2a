"""Tables of publishing: where each draft was published, and the Snapshot signing requests.

A draft is published at most once per target: the row is claimed (unique draft and target)
before the forum or the sequencer is asked, so two publishes at once cannot post twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class Publication(SQLModel, table=True):
    """A draft published to a target ("forum" or "snapshot"); `url` is empty while the
    request is in flight."""

    __tablename__ = "proposal_publication"
    __table_args__ = (UniqueConstraint("community_id", "draft_id", "target"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    draft_id: int
    draft_version: int
    target: str = Field(max_length=16)
    # The forum's topic id or Snapshot's proposal id.
    external_id: str = Field(default="", max_length=100)
    url: str = Field(default="", max_length=500)
    published_by: str = Field(max_length=100)  # platform:user_id
    published_at: datetime = timestamp()


class SigningRequest(SQLModel, table=True):
    """A Snapshot proposal built for its author to sign, good until `expires_at`. The proposal
    is kept as the typed data signed, so what is verified and sent is what was shown."""

    __tablename__ = "proposal_signing_request"

    nonce: str = Field(primary_key=True, max_length=32)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64, index=True)
    draft_id: int
    draft_version: int
    author: str = Field(max_length=42)
    proposal: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    issued_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(default=None, nullable=True)
