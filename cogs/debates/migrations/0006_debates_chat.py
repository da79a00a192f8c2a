"""Debates in chat: threads under their channel, live and backfilled, attachments and mentions.

Threads gain their kind (a forum's topic, a chat channel, a thread, a forum channel's post, a
Telegram topic), the channel they belong to, and when they were first followed live and last
backfilled. Posts gain their attachments and mentions as JSON lists. Rows written before this
revision keep their data: chat threads become channels, forum threads forum topics, and their
posts have no attachments and no mentions.

Revision ID: 0006_debates_chat
Revises: 0005_treasury_outbox
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_debates_chat"
down_revision = "0005_treasury_outbox"
branch_labels = None
depends_on = None

_EMPTY_LIST = sa.text("'[]'")


def upgrade() -> None:
    op.add_column(
        "thread",
        sa.Column("kind", sa.String(length=16), nullable=False, server_default="channel"),
    )
    # Inline, so SQLite adds the reference without rebuilding the table.
    op.add_column(
        "thread",
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("thread.id"), nullable=True),
        inline_references=True,
    )
    op.add_column("thread", sa.Column("live_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("thread", sa.Column("backfilled_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_thread_parent_id"), "thread", ["parent_id"], unique=False)
    op.execute(
        "UPDATE thread SET kind = 'forum_topic' "
        "WHERE source_id IN (SELECT id FROM source WHERE kind = 'discourse')"
    )
    op.add_column(
        "post", sa.Column("attachments", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
    )
    op.add_column(
        "post", sa.Column("mentions", sa.JSON(), nullable=False, server_default=_EMPTY_LIST)
    )


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): rebuilding `thread` would trip the posts' references.
    op.drop_column("post", "mentions")
    op.drop_column("post", "attachments")
    op.drop_index(op.f("ix_thread_parent_id"), table_name="thread")
    for column in ("backfilled_at", "live_at", "parent_id", "kind"):
        op.drop_column("thread", column)
