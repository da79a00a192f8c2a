"""Full-text search over what debates stores (forum posts, chat messages), for /ask.

Revision ID: 0025_debates_search
Revises: 0028_knowledge_vectors
Create Date: 2026-12-01

SQLite: an FTS5 table over `post.text` kept by triggers; PostgreSQL: a generated `tsvector`
column with a GIN index (retrieval.fulltext). Both index the posts already stored: FTS5 is
rebuilt from the table, and PostgreSQL computes the column for every existing row.
"""

from __future__ import annotations

from alembic import op

from retrieval.fulltext import FullTextIndex, create_statements, drop_statements

revision = "0025_debates_search"
down_revision = "0028_knowledge_vectors"
branch_labels = None
depends_on = None

POST_TEXT = FullTextIndex("post", "text")


def upgrade() -> None:
    for statement in create_statements(POST_TEXT, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(POST_TEXT, op.get_bind().dialect.name):
        op.execute(statement)
