"""Tables of proposal drafts: each draft, where it came from, and every version of its text.

A draft is numbered per community (#1, #2, ...): the number members type. Each edit is a new
version holding the whole document (DraftDoc.to_json) and who made it; nothing is overwritten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class ProposalDraft(SQLModel, table=True):
    __tablename__ = "proposal_draft"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    number: int  # shown to members; per community
    template: str = Field(max_length=40)
    status: str = Field(default="draft", max_length=16)
    # Where it came from: the target as typed, the discussion it named, the posts read, and the
    # summary the draft was built on (its text and a hash of it, to tell a newer one apart).
    source_target: str = Field(max_length=500)
    source_key: str = Field(max_length=500)
    source_title: str = Field(max_length=500)
    source_url: str | None = Field(default=None, max_length=500)
    source_post_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    summary_text: str = Field(sa_column=Column(Text, nullable=False))
    summary_hash: str = Field(max_length=64)
    model: str = Field(max_length=100)  # "offline" when no model drafted it
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()


class ProposalDraftVersion(SQLModel, table=True):
    __tablename__ = "proposal_draft_version"
    __table_args__ = (UniqueConstraint("draft_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    draft_id: int = Field(foreign_key="proposal_draft.id", index=True)
    number: int  # 1 for the draft as made, then one per edit
    author_platform: str = Field(max_length=16)
    author_id: str = Field(max_length=64, index=True)
    author_display: str = Field(max_length=200)
    created_at: datetime = timestamp()
    doc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    note: str = Field(default="", max_length=300)
