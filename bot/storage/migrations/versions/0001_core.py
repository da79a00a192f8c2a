"""Core tables: communities, their chat spaces and settings.

Revision ID: 0001_core
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(length=64), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "communityspace",
        sa.Column("platform", sa.String(length=16), primary_key=True),
        sa.Column("space_id", sa.String(length=64), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
    )
    op.create_index("ix_communityspace_community_id", "communityspace", ["community_id"])
    op.create_table(
        "communitysetting",
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), primary_key=True),
        sa.Column("key", sa.String(length=64), primary_key=True),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=100), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("communitysetting")
    op.drop_index("ix_communityspace_community_id", table_name="communityspace")
    op.drop_table("communityspace")
    op.drop_table("community")
