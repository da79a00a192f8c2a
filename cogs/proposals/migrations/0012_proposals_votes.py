"""Proposals: followed proposals, their announced events, announcement channels, reminder
opt-ins; and the outbox's threads (a topic's thread in a forum channel, first needed here).

Revision ID: 0012_proposals_votes
Revises: 0011_proposals_publishing
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_proposals_votes"
down_revision = "0011_proposals_publishing"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _community() -> sa.Column[object]:
    return sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "followed_proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        _community(),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("voting_type", sa.String(length=32), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("quorum", sa.Float(), nullable=False),
        sa.Column("voters", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=300), nullable=False),
        _when("starts_at", nullable=True),
        _when("ends_at", nullable=True),
        _when("updated_at"),
        sa.UniqueConstraint("community_id", "key"),
    )
    op.create_index("ix_followed_proposal_community_id", "followed_proposal", ["community_id"])
    op.create_table(
        "vote_announcement",
        sa.Column("id", sa.Integer(), primary_key=True),
        _community(),
        sa.Column("proposal_key", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _when("announced_at"),
        sa.UniqueConstraint("community_id", "proposal_key", "kind"),
    )
    op.create_index("ix_vote_announcement_community_id", "vote_announcement", ["community_id"])
    op.create_table(
        "vote_channel",
        sa.Column("id", sa.Integer(), primary_key=True),
        _community(),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=64), nullable=False),
        sa.Column("events", sa.String(length=100), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("community_id", "platform", "channel_id"),
    )
    op.create_index("ix_vote_channel_community_id", "vote_channel", ["community_id"])
    op.create_table(
        "vote_reminder_opt_in",
        sa.Column("id", sa.Integer(), primary_key=True),
        _community(),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        _when("created_at"),
        sa.UniqueConstraint("community_id", "platform", "user_id"),
    )
    op.create_index(
        "ix_vote_reminder_opt_in_community_id", "vote_reminder_opt_in", ["community_id"]
    )


def downgrade() -> None:
    op.drop_table("vote_reminder_opt_in")
    op.drop_table("vote_channel")
    op.drop_table("vote_announcement")
    op.drop_table("followed_proposal")
