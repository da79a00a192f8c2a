"""Proposals: followed Snapshot proposals keep their body, for /ask.

Revision ID: 0029_proposals_search
Revises: 0026_knowledge_docs
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_proposals_search"
down_revision = "0026_knowledge_docs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "followed_proposal",
        sa.Column("body", sa.Text(), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("followed_proposal") as batch:
        batch.drop_column("body")
