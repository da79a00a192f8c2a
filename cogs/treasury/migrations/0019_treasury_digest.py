"""Treasury digest: what a digest needs that was not stored yet.

Money in and out of each Safe (`treasuryflow`), the owners and the words of each queued
transaction (who still has to sign, and what), and the payout check's verdict on a proposed
transaction (payouts that did not match a vote). Queued transactions stored before this get
their owners and words at their next poll.

Revision ID: 0019_treasury_digest
Revises: 0018_debates_digest
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_treasury_digest"
down_revision = "0018_debates_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "treasuryflow",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("chain", sa.String(length=50), nullable=False),
        sa.Column("safe", sa.String(length=42), nullable=False),
        sa.Column("token", sa.String(length=42), nullable=False),
        sa.Column("symbol", sa.String(length=40), nullable=False),
        sa.Column("decimals", sa.Integer(), nullable=False),
        sa.Column("amount", sa.String(length=80), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index(
        "ix_treasuryflow_chain_safe_at", "treasuryflow", ["chain", "safe", "at"], unique=False
    )
    with op.batch_alter_table("queuedtx") as batch:
        batch.add_column(sa.Column("owners", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("lines", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("treasuryalert") as batch:
        batch.add_column(sa.Column("payout_check", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(
            sa.Column("payout_mismatch", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_index(
        "ix_treasuryalert_community_created",
        "treasuryalert",
        ["community_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_treasuryalert_community_created", table_name="treasuryalert")
    with op.batch_alter_table("treasuryalert") as batch:
        batch.drop_column("payout_mismatch")
        batch.drop_column("payout_check")
    with op.batch_alter_table("queuedtx") as batch:
        batch.drop_column("lines")
        batch.drop_column("owners")
    op.drop_index("ix_treasuryflow_chain_safe_at", table_name="treasuryflow")
    op.drop_table("treasuryflow")
