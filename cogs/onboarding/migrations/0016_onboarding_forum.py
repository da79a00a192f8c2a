"""Onboarding: a contributor's forum username, for /match to weigh their forum posts.

Revision ID: 0016_onboarding_forum
Revises: 0015_outbox_threads
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_onboarding_forum"
down_revision = "0015_outbox_threads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contributor_profile") as table:
        table.add_column(
            sa.Column("forum", sa.String(length=60), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("contributor_profile") as table:
        table.drop_column("forum")
