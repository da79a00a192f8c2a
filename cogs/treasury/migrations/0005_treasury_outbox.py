"""Treasury alerts are delivered by the framework's outbox: their own delivery columns go.

Alerts not yet delivered when this runs are moved into the outbox for the alert channels set at
that moment, so an upgrade loses none.

Revision ID: 0005_treasury_outbox
Revises: 0004_outbox
Create Date: 2026-12-01
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0005_treasury_outbox"
down_revision = "0004_outbox"
branch_labels = None
depends_on = None

_TONES = {"high": "alert", "medium": "warning"}


def upgrade() -> None:
    connection = op.get_bind()
    pending = connection.execute(
        sa.text(
            "SELECT key, community_id, title, lines, links, severity, chain, block, tx_hash "
            "FROM treasuryalert WHERE delivered_at IS NULL"
        )
    ).all()
    now = datetime.now(UTC)
    for key, community_id, title, lines, links, severity, chain, block, tx_hash in pending:
        channels = connection.execute(
            sa.text(
                "SELECT key, value FROM communitysetting "
                "WHERE community_id = :id AND key LIKE 'alert_channel@%'"
            ),
            {"id": community_id},
        ).all()
        lines = json.loads(lines) if isinstance(lines, str) else lines
        links = json.loads(links) if isinstance(links, str) else links
        reply = {
            "title": title,
            "body": "\n".join(line if line.startswith(" ") else f"- {line}" for line in lines),
            "fields": [],
            "links": [[label, url] for label, url in links.items()],
            "buttons": [],
            "files": [],
            "footer": f"Severity {severity.upper()} · {chain} · block {block} · {tx_hash}",
            "tone": _TONES.get(severity, "info"),
            "mention_user_ids": [],
        }
        for setting, channel in channels:
            platform = setting.partition("@")[2]
            connection.execute(
                sa.text(
                    "INSERT INTO outbox_message (key, community_id, platform, destination, "
                    "purpose, reply, state, attempts, last_error, created_at, next_attempt_at) "
                    "VALUES (:key, :community, :platform, :destination, 'alert_channel', :reply, "
                    "'pending', 0, '', :now, :now)"
                ),
                {
                    "key": f"treasury:{key}|{platform}:channel:{channel}"[:255],
                    "community": community_id,
                    "platform": platform,
                    "destination": f"channel:{channel}",
                    "reply": json.dumps(reply),
                    "now": now,
                },
            )
    with op.batch_alter_table("treasuryalert") as batch:
        batch.drop_column("delivered_to")
        batch.drop_column("delivered_at")


def downgrade() -> None:
    with op.batch_alter_table("treasuryalert") as batch:
        batch.add_column(sa.Column("delivered_to", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True))
