"""Queries on the draft tables. They never commit: the service owns each transaction."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.proposals.draft_models import ProposalDraft, ProposalDraftVersion


async def next_number(session: AsyncSession, community_id: int) -> int:
    query = select(func.max(ProposalDraft.number)).where(ProposalDraft.community_id == community_id)
    highest = (await session.exec(query)).one()
    return int(highest or 0) + 1


async def draft_by_number(
    session: AsyncSession, community_id: int, number: int
) -> ProposalDraft | None:
    query = select(ProposalDraft).where(
        ProposalDraft.community_id == community_id, ProposalDraft.number == number
    )
    return (await session.exec(query)).first()


async def latest_of(
    session: AsyncSession, community_id: int, platform: str, user_id: str
) -> ProposalDraft | None:
    """The draft this member made or edited last."""
    query = (
        select(ProposalDraft)
        .join(ProposalDraftVersion, col(ProposalDraftVersion.draft_id) == col(ProposalDraft.id))
        .where(
            ProposalDraft.community_id == community_id,
            ProposalDraftVersion.author_platform == platform,
            ProposalDraftVersion.author_id == user_id,
        )
        .order_by(col(ProposalDraftVersion.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def versions(session: AsyncSession, draft_id: int) -> list[ProposalDraftVersion]:
    query = (
        select(ProposalDraftVersion)
        .where(ProposalDraftVersion.draft_id == draft_id)
        .order_by(col(ProposalDraftVersion.number))
    )
    return list((await session.exec(query)).all())


async def latest_version(session: AsyncSession, draft_id: int) -> ProposalDraftVersion | None:
    query = (
        select(ProposalDraftVersion)
        .where(ProposalDraftVersion.draft_id == draft_id)
        .order_by(col(ProposalDraftVersion.number).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def drafts_of(
    session: AsyncSession, community_id: int, limit: int
) -> list[tuple[ProposalDraft, int]]:
    """The community's drafts, newest first, each with its number of versions."""
    counts = (
        select(ProposalDraftVersion.draft_id, func.count().label("versions"))
        .group_by(col(ProposalDraftVersion.draft_id))
        .subquery()
    )
    query = (
        select(ProposalDraft, counts.c.versions)
        .join(counts, counts.c.draft_id == col(ProposalDraft.id))
        .where(ProposalDraft.community_id == community_id)
        .order_by(col(ProposalDraft.number).desc())
        .limit(limit)
    )
    return [(draft, int(n)) for draft, n in (await session.exec(query)).all()]
