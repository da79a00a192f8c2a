"""Tables of wallet proofs and role rules: the sign-in requests issued, the wallets members
proved, and the roles the rules gave them (each grant and removal is recorded by the outbox).

A member is (community, platform, user id), as in the profile tables. An address is linked to at
most one member of a community: another member must unlink it first.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class SignInRequest(SQLModel, table=True):
    """A Sign-In with Ethereum message the bot issued: its nonce is good for one proof, until
    `expires_at`. `used_at` is set in the transaction that links the wallet."""

    __tablename__ = "sign_in_request"

    nonce: str = Field(primary_key=True, max_length=32)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64, index=True)
    address: str = Field(max_length=42)
    message: str = Field(sa_column=Column(Text, nullable=False))
    issued_at: datetime = timestamp()
    expires_at: datetime = timestamp()
    used_at: datetime | None = timestamp(default=None, nullable=True)


class WalletLink(SQLModel, table=True):
    """A wallet a member proved they control (a plain account or a contract wallet)."""

    __tablename__ = "wallet_link"
    __table_args__ = (UniqueConstraint("community_id", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64, index=True)
    address: str = Field(max_length=42)
    # "account" (ecrecover) or "contract" (EIP-1271).
    kind: str = Field(default="account", max_length=16)
    verified_at: datetime = timestamp()


class RoleHolding(SQLModel, table=True):
    """A role a rule gave a member, as the bot last granted it (what a re-check compares to)."""

    __tablename__ = "role_holding"
    __table_args__ = (UniqueConstraint("community_id", "platform", "user_id", "rule"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    rule: str = Field(max_length=64)
    role_id: str = Field(max_length=64)
    reason: str = Field(default="", max_length=300)
    granted_at: datetime = timestamp()
