"""The outbox's threads: the post it opened in a forum channel for a topic (ToThread).

Revision ID: 0015_outbox_threads
Revises: 0014_proposals_governor
Create Date: 2026-12-01

The table belongs to the framework's outbox; it was first created by 0012_proposals_votes,
whose announcements needed it. It moved here so that the framework owns its own schema.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_outbox_threads"
down_revision = "0014_proposals_governor"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "outbox_thread" in sa.inspect(op.get_bind()).get_table_names():
        return  # created by 0012_proposals_votes before the move
    op.create_table(
        "outbox_thread",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("platform", "destination"),
    )


def downgrade() -> None:
    op.drop_table("outbox_thread")
