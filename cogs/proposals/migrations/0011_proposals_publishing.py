"""Proposals: publications and signing requests.

Revision ID: 0011_proposals_publishing
Revises: 0010_proposals_drafts
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "0011_proposals_publishing"
down_revision = "0010_proposals_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
