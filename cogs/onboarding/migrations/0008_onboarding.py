"""Onboarding: contributor profiles and the /onboard flows in progress.

Revision ID: 0008_onboarding
Revises: 0007_outbox_roles
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_onboarding"
down_revision = "0007_outbox_roles"
branch_labels = None
depends_on = None


def _member_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "contributor_profile",
        *_member_columns(),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours_per_week", sa.Integer(), nullable=False),
        sa.Column("github", sa.String(length=39), nullable=False),
        sa.Column("interests", sa.String(length=500), nullable=False),
        sa.Column("matching", sa.Boolean(), nullable=False),
        sa.Column("shared", sa.JSON(), nullable=False),
        sa.Column("onboarded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "platform", "user_id"),
    )
    op.create_index(
        op.f("ix_contributor_profile_community_id"),
        "contributor_profile",
        ["community_id"],
        unique=False,
    )
    op.create_table(
        "onboarding_flow",
        *_member_columns(),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "platform", "user_id"),
    )
    op.create_index(
        op.f("ix_onboarding_flow_community_id"), "onboarding_flow", ["community_id"], unique=False
    )
    op.create_index(
        op.f("ix_onboarding_flow_updated_at"), "onboarding_flow", ["updated_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_onboarding_flow_updated_at"), table_name="onboarding_flow")
    op.drop_index(op.f("ix_onboarding_flow_community_id"), table_name="onboarding_flow")
    op.drop_table("onboarding_flow")
    op.drop_index(op.f("ix_contributor_profile_community_id"), table_name="contributor_profile")
    op.drop_table("contributor_profile")
