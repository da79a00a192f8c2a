"""Digests: subscriptions (a member's DMs or a channel, on a schedule) and the periods delivered.

Revision ID: 0017_digests
Revises: 0020_proposals_digest
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_digests"
down_revision = "0020_proposals_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digest_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("cadence", sa.String(length=8), nullable=False),
        sa.Column("at", sa.String(length=5), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("send_empty", sa.Boolean(), nullable=False),
        sa.Column("last_period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("schedule_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "platform", "kind", "target_id"),
    )
    op.create_index(
        op.f("ix_digest_subscription_community_id"),
        "digest_subscription",
        ["community_id"],
        unique=False,
    )
    op.create_table(
        "digest_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("period_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outbox_key", sa.String(length=200), nullable=False),
        sa.Column("how", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["subscription_id"], ["digest_subscription.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subscription_id", "period_end"),
    )
    op.create_index(
        op.f("ix_digest_delivery_subscription_id"),
        "digest_delivery",
        ["subscription_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_digest_delivery_subscription_id"), table_name="digest_delivery")
    op.drop_table("digest_delivery")
    op.drop_index(op.f("ix_digest_subscription_community_id"), table_name="digest_subscription")
    op.drop_table("digest_subscription")
