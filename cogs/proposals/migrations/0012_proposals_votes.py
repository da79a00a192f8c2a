"""Proposals: followed proposals, votes and announcements.

Revision ID: 0012_proposals_votes
Revises: 0011_proposals_publishing
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "0012_proposals_votes"
down_revision = "0011_proposals_publishing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
