"""Treasury: watched Safes, chain cursors, alerts and the queued transactions seen.

Revision ID: 0003_treasury
Revises: 0002_debates
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_treasury"
down_revision = "0002_debates"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chaincursor",
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    op.create_table(
        "queuedtx",
        sa.Column("safe_tx_hash", sa.String(length=66), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("safe", sa.String(length=42), nullable=False),
        sa.Column("nonce", sa.Integer(), nullable=False),
        sa.Column("confirmations", sa.JSON(), nullable=False),
        sa.Column("required", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("safe_tx_hash"),
    )
    op.create_index(op.f("ix_queuedtx_safe"), "queuedtx", ["safe"], unique=False)
    op.create_table(
        "treasuryalert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("safe", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("mention_user_ids", sa.JSON(), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_to", sa.JSON(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        op.f("ix_treasuryalert_community_id"), "treasuryalert", ["community_id"], unique=False
    )
    op.create_table(
        "watchedsafe",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["community.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "chain", "address"),
    )
    op.create_index(op.f("ix_watchedsafe_chain"), "watchedsafe", ["chain"], unique=False)
    op.create_index(
        op.f("ix_watchedsafe_community_id"), "watchedsafe", ["community_id"], unique=False
    )


def downgrade() -> None:
    for table in ("queuedtx", "treasuryalert", "chaincursor", "watchedsafe"):
        op.drop_table(table)
