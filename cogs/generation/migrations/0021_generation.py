"""Generation: jobs, their outputs, and each member's daily quota.

Revision ID: 0021_generation
Revises: 0024_outbox_edits
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_generation"
down_revision = "0024_outbox_edits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generation_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("user_name", sa.String(length=100), nullable=False),
        sa.Column("reply_kind", sa.String(length=8), nullable=False),
        sa.Column("reply_to", sa.String(length=64), nullable=False),
        sa.Column("reply_name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("prompt", sa.String(length=4000), nullable=False),
        sa.Column("style", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("size", sa.String(length=16), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("backend", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("progress", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_generation_job_community_id"), "generation_job", ["community_id"], unique=False
    )
    op.create_index(op.f("ix_generation_job_state"), "generation_job", ["state"], unique=False)
    op.create_table(
        "generation_output",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("reasons", sa.String(length=1000), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("posted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["generation_job.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("job_id", "index"),
    )
    op.create_index(
        op.f("ix_generation_output_job_id"), "generation_output", ["job_id"], unique=False
    )
    op.create_index(
        op.f("ix_generation_output_sha256"), "generation_output", ["sha256"], unique=False
    )
    op.create_table(
        "generation_quota",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member", sa.String(length=100), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("community_id", "member", "day"),
    )


def downgrade() -> None:
    op.drop_table("generation_quota")
    op.drop_index(op.f("ix_generation_output_sha256"), table_name="generation_output")
    op.drop_index(op.f("ix_generation_output_job_id"), table_name="generation_output")
    op.drop_table("generation_output")
    op.drop_index(op.f("ix_generation_job_state"), table_name="generation_job")
    op.drop_index(op.f("ix_generation_job_community_id"), table_name="generation_job")
    op.drop_table("generation_job")
