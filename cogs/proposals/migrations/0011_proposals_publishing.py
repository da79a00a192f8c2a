"""Proposals: publications and signing requests.

Revision ID: 0011_proposals_publishing
Revises: 0010_proposals_drafts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_proposals_publishing"
down_revision = "0010_proposals_drafts"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _community() -> sa.Column[object]:
    return sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "proposal_publication",
        sa.Column("id", sa.Integer(), primary_key=True),
        _community(),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("draft_version", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        _when("published_at"),
        sa.UniqueConstraint("community_id", "draft_id", "target"),
    )
    op.create_index(
        "ix_proposal_publication_community_id", "proposal_publication", ["community_id"]
    )
    op.create_table(
        "proposal_signing_request",
        sa.Column("nonce", sa.String(length=32), primary_key=True),
        _community(),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("draft_version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=42), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        _when("issued_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
    )
    op.create_index(
        "ix_proposal_signing_request_community_id", "proposal_signing_request", ["community_id"]
    )
    op.create_index("ix_proposal_signing_request_user_id", "proposal_signing_request", ["user_id"])


def downgrade() -> None:
    op.drop_table("proposal_signing_request")
    op.drop_table("proposal_publication")
