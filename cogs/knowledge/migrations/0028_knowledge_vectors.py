"""Knowledge: embeddings of passages for hybrid retrieval, stored as bytes.

Revision ID: 0028_knowledge_vectors
Revises: 0027_knowledge_asks
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_knowledge_vectors"
down_revision = "0027_knowledge_asks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_vector",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("passage_key", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("dims", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=False),
        # Also the index every lookup by community and model uses.
        sa.UniqueConstraint("community_id", "model", "passage_key"),
        # Ids are never reused, so (rows, highest id) tells a reader its copy is stale.
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("knowledge_vector")
