"""Knowledge: each /ask asked (question, answer, cited passages), for follow-ups.

Revision ID: 0027_knowledge_asks
Revises: 0029_proposals_search
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_knowledge_asks"
down_revision = "0029_proposals_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_ask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("cited_keys", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_knowledge_ask_asker",
        "knowledge_ask",
        ["community_id", "platform", "channel", "user_id", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_knowledge_ask_asker", table_name="knowledge_ask")
    op.drop_table("knowledge_ask")
