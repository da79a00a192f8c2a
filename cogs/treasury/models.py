"""Tables of the treasury feature."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class WatchedSafe(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("community_id", "chain", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    chain: str = Field(max_length=50, index=True)
    address: str = Field(max_length=42)
    name: str = Field(default="", max_length=100)
    version: str = Field(default="", max_length=20)
    added_by: str = Field(default="", max_length=100)
    created_at: datetime = timestamp()


class ChainCursor(SQLModel, table=True):
    """The last block of a chain whose events were processed: a restart resumes after it."""

    chain: str = Field(primary_key=True, max_length=50)
    block: int
    updated_at: datetime = timestamp()


class TreasuryAlert(SQLModel, table=True):
    """An alert, stored with its post in the outbox. `key` makes it idempotent: the same event
    seen twice (a restart, an overlapping range) never becomes two alerts."""

    # A digest reads a community's alerts of a period.
    __table_args__ = (Index("ix_treasuryalert_community_created", "community_id", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    chain: str = Field(max_length=50)
    safe: str = Field(max_length=42)
    kind: str = Field(max_length=40)
    severity: str = Field(max_length=10)
    title: str = Field(max_length=300)
    lines: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    links: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    mention_user_ids: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    tx_hash: str | None = Field(default=None, max_length=66)
    block: int | None = None
    # The payout check's lines for a proposed transaction's payments, and whether any of them
    # is not what a vote approved (the digest lists such payouts).
    payout_check: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    payout_mismatch: bool = False
    created_at: datetime = timestamp()


class QueuedTx(SQLModel, table=True):
    """A transaction waiting in the Safe Transaction Service queue, as last seen."""

    safe_tx_hash: str = Field(primary_key=True, max_length=66)
    chain: str = Field(max_length=50)
    safe: str = Field(max_length=42, index=True)
    nonce: int
    confirmations: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    required: int
    state: str = Field(default="pending", max_length=20)  # pending, ready, done
    # The Safe's owners when last seen, and what the transaction does in words (addresses
    # raw; named per community when shown): a digest says who still has to sign, and what.
    owners: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lines: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    first_seen_at: datetime = timestamp()
    nudged_at: datetime | None = timestamp(default=None, nullable=True)


class TreasuryFlow(SQLModel, table=True):
    """Money into (+) or out of (-) a watched Safe, recorded as the poll reads it: ERC-20
    transfers in and out, native coin received (SafeReceived) and native value the Safe's own
    executed transactions sent. `key` makes it once per log (or per sent value) and Safe.
    Chain facts, shared by every community watching the Safe."""

    __table_args__ = (Index("ix_treasuryflow_chain_safe_at", "chain", "safe", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    chain: str = Field(max_length=50)
    safe: str = Field(max_length=42)
    token: str = Field(default="", max_length=42)  # the token's address, "" for the native coin
    symbol: str = Field(max_length=40)
    decimals: int
    # Signed base units as text: uint256 amounts do not fit a database integer.
    amount: str = Field(max_length=80)
    tx_hash: str = Field(max_length=66)
    block: int
    at: datetime = timestamp()
