"""Generation: community votes on outputs, and each job's pick.

Revision ID: 0023_generation_votes
Revises: 0021_generation
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_generation_votes"
down_revision = "0021_generation"
branch_labels = None
depends_on = None


def _community() -> sa.Column[object]:
    return sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False)


def _job() -> sa.Column[object]:
    return sa.Column("job_id", sa.Integer(), sa.ForeignKey("generation_job.id"), nullable=False)


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "generation_vote",
        sa.Column("id", sa.Integer(), primary_key=True),
        _community(),
        _job(),
        sa.Column("output_id", sa.Integer(), sa.ForeignKey("generation_output.id"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("weight", sa.String(length=80), nullable=True),
        _when("voted_at"),
        sa.UniqueConstraint("output_id", "platform", "user_id"),
    )
    for column in ("community_id", "job_id", "output_id", "user_id"):
        op.create_index(f"ix_generation_vote_{column}", "generation_vote", [column])
    op.create_table(
        "generation_pick",
        sa.Column("id", sa.Integer(), primary_key=True),
        _community(),
        _job(),
        sa.Column(
            "winner_output_id",
            sa.Integer(),
            sa.ForeignKey("generation_output.id"),
            nullable=True,
        ),
        sa.Column("closed_by", sa.String(length=100), nullable=False),
        _when("closed_at"),
        sa.Column("weighted_by", sa.String(length=100), nullable=False),
        sa.Column("tally", sa.JSON(), nullable=True),
        sa.UniqueConstraint("job_id"),
    )
    op.create_index("ix_generation_pick_community_id", "generation_pick", ["community_id"])


def downgrade() -> None:
    op.drop_table("generation_pick")
    op.drop_table("generation_vote")
