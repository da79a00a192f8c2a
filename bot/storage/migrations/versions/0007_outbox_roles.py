"""Role changes through the outbox, recorded: who, what, why, when, delivered.

Revision ID: 0007_outbox_roles
Revises: 0006_debates_chat
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_outbox_roles"
down_revision = "0006_debates_chat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "role_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=255), nullable=False, unique=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("space_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=64), nullable=False),
        sa.Column("role_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("invite_sent", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_role_change_community_id", "role_change", ["community_id"])
    op.create_index("ix_role_change_user_id", "role_change", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_role_change_user_id", table_name="role_change")
    op.drop_index("ix_role_change_community_id", table_name="role_change")
    op.drop_table("role_change")
