"""Proposals: drafts and their versions.

Revision ID: 0010_proposals_drafts
Revises: 0009_onboarding_wallets
Create Date: 2026-12-01
"""

from __future__ import annotations

revision = "0010_proposals_drafts"
down_revision = "0009_onboarding_wallets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
