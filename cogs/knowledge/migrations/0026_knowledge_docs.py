"""Knowledge: documents for /ask (folder files and web pages) and their full-text indexed
passages.

Revision ID: 0026_knowledge_docs
Revises: 0023_generation_votes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from retrieval.fulltext import FullTextIndex, create_statements, drop_statements

revision = "0026_knowledge_docs"
down_revision = "0023_generation_votes"
branch_labels = None
depends_on = None

# cogs.knowledge.docs_models.PASSAGE_INDEX, spelled out: a migration stays as it was written.
INDEX = FullTextIndex("doc_passage", "text")


def upgrade() -> None:
    op.create_table(
        "document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("folder", sa.String(length=500), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("community_id", "origin", "folder", "path"),
    )
    op.create_index("ix_document_community_id", "document", ["community_id"])
    op.create_table(
        "doc_passage",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("document.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=1000), nullable=False),
        sa.Column("anchor", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
    )
    op.create_index("ix_doc_passage_document_id", "doc_passage", ["document_id"])
    for statement in create_statements(INDEX, op.get_bind().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in drop_statements(INDEX, op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table("doc_passage")
    op.drop_table("document")
