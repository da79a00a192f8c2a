"""Indexes for digests: posts by time and by debate and author, covering what digests count.

Revision ID: 0018_debates_digest
Revises: 0017_digests
"""

from __future__ import annotations

from alembic import op

revision = "0018_debates_digest"
down_revision = "0017_digests"
branch_labels = None
depends_on = None

COLUMNS = {
    "ix_post_created_at": ["created_at", "thread_id", "author_id", "deleted"],
    "ix_post_thread_author": ["thread_id", "author_id", "created_at", "deleted"],
}


def upgrade() -> None:
    for name, columns in COLUMNS.items():
        op.create_index(name, "post", columns, unique=False)


def downgrade() -> None:
    for name in COLUMNS:
        op.drop_index(name, table_name="post")
