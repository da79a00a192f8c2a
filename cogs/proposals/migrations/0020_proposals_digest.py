"""Proposals: the votes seen on followed proposals, for digests.

Revision ID: 0020_proposals_digest
Revises: 0016_onboarding_forum
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_proposals_digest"
down_revision = "0016_onboarding_forum"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal_vote_seen",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("proposal_key", sa.String(length=160), nullable=False),
        sa.Column("voter", sa.String(length=42), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("community_id", "proposal_key", "voter"),
    )
    op.create_index(
        op.f("ix_proposal_vote_seen_community_id"),
        "proposal_vote_seen",
        ["community_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_proposal_vote_seen_community_id"), table_name="proposal_vote_seen")
    op.drop_table("proposal_vote_seen")
