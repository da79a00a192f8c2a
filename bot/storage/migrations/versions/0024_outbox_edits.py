"""The outbox edits what it posted: where each post landed, and revisions of it.

Revision ID: 0024_outbox_edits
Revises: 0022_generation_provenance
Create Date: 2026-12-01

`posted` keeps the platform's ids of a delivered post's messages; a revision is an outbox row
whose `edit_of` names the row it edits, and after a `final_edit` later revisions are dropped.
Rows delivered before this migration have no ids: a revision of them fails, reported.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_outbox_edits"
down_revision = "0022_generation_provenance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("edit_of", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("final_edit", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("posted", sa.JSON(), nullable=False, server_default="[]"))
    op.create_index("ix_outbox_message_edit_of", "outbox_message", ["edit_of"])


def downgrade() -> None:
    op.drop_index("ix_outbox_message_edit_of", table_name="outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("posted")
        batch.drop_column("final_edit")
        batch.drop_column("edit_of")
