"""Proposals: drafts and their versions.

Revision ID: 0010_proposals_drafts
Revises: 0009_onboarding_wallets
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_proposals_drafts"
down_revision = "0009_onboarding_wallets"
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "proposal_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_target", sa.String(length=500), nullable=False),
        sa.Column("source_key", sa.String(length=500), nullable=False),
        sa.Column("source_title", sa.String(length=500), nullable=False),
        sa.Column("source_url", sa.String(length=500), nullable=True),
        sa.Column("source_post_ids", sa.JSON(), nullable=False),
        sa.Column("summary_text", sa.Text(), nullable=False),
        sa.Column("summary_hash", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        _when("created_at"),
        _when("updated_at"),
        sa.UniqueConstraint("community_id", "number"),
    )
    op.create_index("ix_proposal_draft_community_id", "proposal_draft", ["community_id"])
    op.create_table(
        "proposal_draft_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("proposal_draft.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("author_platform", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("author_display", sa.String(length=200), nullable=False),
        _when("created_at"),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.UniqueConstraint("draft_id", "number"),
    )
    op.create_index("ix_proposal_draft_version_draft_id", "proposal_draft_version", ["draft_id"])
    op.create_index("ix_proposal_draft_version_author_id", "proposal_draft_version", ["author_id"])


def downgrade() -> None:
    op.drop_table("proposal_draft_version")
    op.drop_table("proposal_draft")
