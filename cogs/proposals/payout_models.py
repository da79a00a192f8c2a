"""Tables of the payouts part: the passed proposals of a community and what each asks to be paid.

Amounts are kept as decimal text (token units) and raw base units as text: a uint256 fits neither
a float nor a 64-bit integer, and SQLite has no exact decimal type.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class PassedProposalRow(SQLModel, table=True):
    """A proposal that passed, as the part that followed its vote recorded it."""

    __tablename__ = "proposals_passed"
    __table_args__ = (UniqueConstraint("community_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    key: str = Field(max_length=200)  # "snapshot:<id>", "governor:<chain>:<address>:<id>"
    title: str = Field(max_length=300)
    link: str = Field(default="", max_length=500)
    for_share: float | None = None  # 0..1 of the votes cast, when the vote says
    decided_at: datetime = timestamp()
    recorded_at: datetime = timestamp()


class PayoutAskRow(SQLModel, table=True):
    """One payment a passed proposal asks for."""

    __tablename__ = "proposals_payout_ask"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposals_passed.id", index=True)
    position: int = 0
    recipient: str | None = Field(default=None, max_length=42)  # checksummed address
    recipient_name: str = Field(default="", max_length=200)  # as written, when no address
    token: str | None = Field(default=None, max_length=42)  # address or symbol; None: native
    amount: str = Field(max_length=100)  # decimal text, token units
    raw: str | None = Field(default=None, max_length=80)  # exact base units, when known
    purpose: str = Field(default="", max_length=300)
    not_before: datetime | None = timestamp(default=None, nullable=True)
    not_after: datetime | None = timestamp(default=None, nullable=True)
