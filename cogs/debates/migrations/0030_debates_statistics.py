"""PostgreSQL keeps statistics of the small tables /ask's search joins (source, thread, author).

Revision ID: 0030_debates_statistics
Revises: 0025_debates_search
Create Date: 2026-12-02

Autovacuum analyzes a table once more than 50 rows (plus 10 %) changed since the last time, so
`source` (a row per server or group) and often `thread` and `author` are never analyzed. Without
statistics PostgreSQL guesses their sizes and plans /ask's full-text search as a nested loop that
repeats the index scan: over 1,000,000 messages the debates source's search went from 35 to
1,172 ms (p50, bench/ask_latency's questions). Their analyze threshold is set to 0, so autovacuum
analyzes them after any change (and 10 % of their rows), and they are analyzed now. SQLite plans
these joins as well without statistics (measured: the same times), so nothing changes there.
"""

from __future__ import annotations

from alembic import op

revision = "0030_debates_statistics"
down_revision = "0025_debates_search"
branch_labels = None
depends_on = None

SMALL_TABLES = ("source", "thread", "author")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SMALL_TABLES:
        op.execute(f"ALTER TABLE {table} SET (autovacuum_analyze_threshold = 0)")
        op.execute(f"ANALYZE {table}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in SMALL_TABLES:
        op.execute(f"ALTER TABLE {table} RESET (autovacuum_analyze_threshold)")
