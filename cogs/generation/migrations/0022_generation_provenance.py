"""Generation provenance: each output's signed record, its bytes, where it was posted, its anchor.

Revision ID: 0022_generation_provenance
Revises: 0019_treasury_digest
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_generation_provenance"
down_revision = "0019_treasury_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "generation_provenance",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("output_index", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=True),
        sa.Column("signer", sa.String(length=42), nullable=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("file", sa.LargeBinary(), nullable=True),
        sa.Column("c2pa", sa.Boolean(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=True),
        sa.Column("channel_id", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("anchor_tx", sa.String(length=66), nullable=True),
        sa.Column("anchor_chain_id", sa.Integer(), nullable=True),
        sa.Column("anchor_to", sa.String(length=42), nullable=True),
        sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256"),
    )
    for column in ("file_sha256", "job_id", "message_id"):
        op.create_index(
            op.f(f"ix_generation_provenance_{column}"),
            "generation_provenance",
            [column],
            unique=False,
        )


def downgrade() -> None:
    for column in ("message_id", "job_id", "file_sha256"):
        op.drop_index(
            op.f(f"ix_generation_provenance_{column}"), table_name="generation_provenance"
        )
    op.drop_table("generation_provenance")
