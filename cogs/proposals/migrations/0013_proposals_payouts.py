"""Proposals: what passed proposals asked to be paid, for checking payouts.

Revision ID: 0013_proposals_payouts
Revises: 0012_proposals_votes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_proposals_payouts"
down_revision = "0012_proposals_votes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals_passed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("for_share", sa.Float(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "key"),
    )
    op.create_index(
        op.f("ix_proposals_passed_community_id"),
        "proposals_passed",
        ["community_id"],
        unique=False,
    )
    op.create_table(
        "proposals_payout_ask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=42), nullable=True),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=True),
        sa.Column("amount", sa.String(length=100), nullable=False),
        sa.Column("raw", sa.String(length=80), nullable=True),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposals_passed.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_proposals_payout_ask_proposal_id"),
        "proposals_payout_ask",
        ["proposal_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("proposals_payout_ask")
    op.drop_table("proposals_passed")
