"""Proposals: what passed proposals asked to be paid, for checking payouts.

Revision ID: 0013_proposals_payouts
Revises: 0012_proposals_votes
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "0013_proposals_payouts"
down_revision = "0012_proposals_votes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
