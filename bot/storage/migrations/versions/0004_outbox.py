"""The framework's outbox: every post stored before it is delivered, exactly once.

Revision ID: 0004_outbox
Revises: 0003_treasury
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_outbox"
down_revision = "0003_treasury"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=255), nullable=False, unique=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_outbox_message_community_id", "outbox_message", ["community_id"])
    op.create_index("ix_outbox_message_state", "outbox_message", ["state"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_state", table_name="outbox_message")
    op.drop_index("ix_outbox_message_community_id", table_name="outbox_message")
    op.drop_table("outbox_message")
