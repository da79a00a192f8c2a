"""Onboarding wallets: sign-in requests, proved wallets and the roles rules gave.

Revision ID: 0009_onboarding_wallets
Revises: 0008_onboarding
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_onboarding_wallets"
down_revision = "0008_onboarding"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _member() -> list[sa.Column[object]]:
    return [
        sa.Column("community_id", sa.Integer(), sa.ForeignKey("community.id"), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "sign_in_request",
        sa.Column("nonce", sa.String(length=32), primary_key=True),
        *_member(),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        _when("issued_at"),
        _when("expires_at"),
        _when("used_at", nullable=True),
    )
    op.create_index("ix_sign_in_request_community_id", "sign_in_request", ["community_id"])
    op.create_index("ix_sign_in_request_user_id", "sign_in_request", ["user_id"])
    op.create_table(
        "wallet_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_member(),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        _when("verified_at"),
        sa.UniqueConstraint("community_id", "address"),
    )
    op.create_index("ix_wallet_link_community_id", "wallet_link", ["community_id"])
    op.create_index("ix_wallet_link_user_id", "wallet_link", ["user_id"])
    op.create_table(
        "role_holding",
        sa.Column("id", sa.Integer(), primary_key=True),
        *_member(),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        _when("granted_at"),
        sa.UniqueConstraint("community_id", "platform", "user_id", "rule"),
    )
    op.create_index("ix_role_holding_community_id", "role_holding", ["community_id"])


def downgrade() -> None:
    op.drop_table("role_holding")
    op.drop_table("wallet_link")
    op.drop_table("sign_in_request")
