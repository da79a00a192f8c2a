"""The book of passed proposals and what they ask to be paid, read when a payout is checked.

The parts that follow votes (Snapshot, Governor) call `record_passed` when a proposal closes
passed, inside their own transaction. Recording the same key again replaces what was recorded
(the final tally, a corrected ask) and never adds a second proposal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import as_utc
from cogs.proposals.payout_models import PassedProposalRow, PayoutAskRow


@dataclass(frozen=True)
class Ask:
    """One payment a proposal asks for.

    `recipient`: a checksummed address, or None when the proposal names the recipient only in
    words (`recipient_name`); such an ask can still match a payment by amount and token, and the
    verdict says so. `token`: the token's address, or its symbol as written ("USDC"), or None for
    the chain's native coin. `amount` is in token units ("50000" USDC, "1.5" ETH). `raw`, when
    known (asks read from calldata), is the exact amount in base units and is what is compared.
    `not_before`/`not_after`: the window the proposal's schedule states, if it states one.
    """

    recipient: str | None
    token: str | None
    amount: Decimal
    not_before: datetime | None = None
    not_after: datetime | None = None
    recipient_name: str = ""
    purpose: str = ""
    raw: int | None = None


@dataclass(frozen=True)
class PassedProposal:
    community_id: int
    key: str  # "snapshot:<id>", "governor:<chain>:<governor>:<id>"
    title: str
    link: str
    for_share: float | None  # 0..1 of the votes cast, None when not known
    decided_at: datetime
    asks: Sequence[Ask] = field(default_factory=tuple)


async def record_passed(session: AsyncSession, proposal: PassedProposal) -> bool:
    """Store a passed proposal and its asks; True when the key was new. The caller commits."""
    query = select(PassedProposalRow).where(
        PassedProposalRow.community_id == proposal.community_id,
        PassedProposalRow.key == proposal.key,
    )
    row = (await session.exec(query)).first()
    created = row is None
    if row is None:
        row = PassedProposalRow(community_id=proposal.community_id, key=proposal.key, title="")
    row.title = proposal.title[:300]
    row.link = proposal.link[:500]
    row.for_share = proposal.for_share
    row.decided_at = proposal.decided_at
    session.add(row)
    await session.flush()
    proposal_id = row.id or 0  # set by the flush
    if not created:
        await session.exec(delete(PayoutAskRow).where(col(PayoutAskRow.proposal_id) == proposal_id))
    for position, ask in enumerate(proposal.asks):
        session.add(
            PayoutAskRow(
                proposal_id=proposal_id,
                position=position,
                recipient=ask.recipient,
                recipient_name=ask.recipient_name[:200],
                token=ask.token,
                amount=str(ask.amount),
                raw=None if ask.raw is None else str(ask.raw),
                purpose=ask.purpose[:300],
                not_before=ask.not_before,
                not_after=ask.not_after,
            )
        )
    await session.flush()
    return created


async def passed_proposals(session: AsyncSession, community_id: int) -> list[PassedProposal]:
    """Every passed proposal of a community with its asks, latest decided first."""
    query = (
        select(PassedProposalRow)
        .where(PassedProposalRow.community_id == community_id)
        .order_by(col(PassedProposalRow.decided_at).desc(), col(PassedProposalRow.id).desc())
    )
    rows = list((await session.exec(query)).all())
    if not rows:
        return []
    ask_query = (
        select(PayoutAskRow)
        .where(col(PayoutAskRow.proposal_id).in_([r.id for r in rows]))
        .order_by(col(PayoutAskRow.position))
    )
    asks: dict[int, list[Ask]] = {}
    for a in (await session.exec(ask_query)).all():
        asks.setdefault(a.proposal_id, []).append(
            Ask(
                recipient=a.recipient,
                token=a.token,
                amount=Decimal(a.amount),
                not_before=as_utc(a.not_before),
                not_after=as_utc(a.not_after),
                recipient_name=a.recipient_name,
                purpose=a.purpose,
                raw=None if a.raw is None else int(a.raw),
            )
        )
    return [
        PassedProposal(
            community_id=r.community_id,
            key=r.key,
            title=r.title,
            link=r.link,
            for_share=r.for_share,
            decided_at=as_utc(r.decided_at) or r.decided_at,
            asks=tuple(asks.get(r.id or 0, [])),
        )
        for r in rows
    ]
