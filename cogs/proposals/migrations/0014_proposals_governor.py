"""Proposals: the on-chain Governor proposals followed.

Revision ID: 0014_proposals_governor
Revises: 0013_proposals_payouts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_proposals_governor"
down_revision = "0013_proposals_payouts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governor_proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("governor", sa.String(length=42), nullable=False),
        sa.Column("proposal_id", sa.String(length=80), nullable=False),
        sa.Column("proposer", sa.String(length=42), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("targets", sa.JSON(), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("calldatas", sa.JSON(), nullable=False),
        sa.Column("vote_start", sa.BigInteger(), nullable=False),
        sa.Column("vote_end", sa.BigInteger(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("eta", sa.BigInteger(), nullable=True),
        sa.Column("seen_block", sa.BigInteger(), nullable=False),
        sa.Column("seen_log", sa.Integer(), nullable=False),
        sa.Column("created_tx", sa.String(length=66), nullable=False),
        sa.Column("created_block", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("community_id", "chain", "governor", "proposal_id"),
    )
    op.create_index(
        op.f("ix_governor_proposal_community_id"),
        "governor_proposal",
        ["community_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_governor_proposal_chain"), "governor_proposal", ["chain"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_governor_proposal_chain"), table_name="governor_proposal")
    op.drop_index(op.f("ix_governor_proposal_community_id"), table_name="governor_proposal")
    op.drop_table("governor_proposal")
