"""Queries of the onboarding tables; they add and read, the services own the transactions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.onboarding.models import ContributorProfile, OnboardingFlow


@dataclass(frozen=True)
class Member:
    """A member of a community, as one platform knows them."""

    community_id: int
    platform: str
    user_id: str

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


async def profile_of(session: AsyncSession, member: Member) -> ContributorProfile | None:
    query = select(ContributorProfile).where(
        ContributorProfile.community_id == member.community_id,
        ContributorProfile.platform == member.platform,
        ContributorProfile.user_id == member.user_id,
    )
    return (await session.exec(query)).first()


async def display_names(
    session: AsyncSession, community_id: int, members: Sequence[Member]
) -> dict[tuple[str, str], str]:
    """The name each member chose in their profile, by (platform, user id), in one query;
    members with no profile are left out."""
    user_ids = {member.user_id for member in members}
    if not user_ids:
        return {}
    query = select(
        ContributorProfile.platform, ContributorProfile.user_id, ContributorProfile.display_name
    ).where(
        ContributorProfile.community_id == community_id,
        col(ContributorProfile.user_id).in_(user_ids),
    )
    wanted = {(member.platform, member.user_id) for member in members}
    return {
        (platform, user_id): name
        for platform, user_id, name in (await session.exec(query)).all()
        if (platform, user_id) in wanted
    }


async def profiles(
    session: AsyncSession, community_id: int, *, matching_only: bool = False
) -> Sequence[ContributorProfile]:
    query = select(ContributorProfile).where(ContributorProfile.community_id == community_id)
    if matching_only:
        query = query.where(col(ContributorProfile.matching).is_(True))
    return (await session.exec(query.order_by(col(ContributorProfile.id)))).all()


async def flow_of(session: AsyncSession, member: Member) -> OnboardingFlow | None:
    query = select(OnboardingFlow).where(
        OnboardingFlow.community_id == member.community_id,
        OnboardingFlow.platform == member.platform,
        OnboardingFlow.user_id == member.user_id,
    )
    return (await session.exec(query)).first()


async def flows_idle_since(session: AsyncSession, before: datetime) -> Sequence[OnboardingFlow]:
    query = select(OnboardingFlow).where(col(OnboardingFlow.updated_at) < before)
    return (await session.exec(query.order_by(col(OnboardingFlow.id)))).all()


async def delete_member(session: AsyncSession, member: Member) -> int:
    """Every profile and flow row of the member; how many were deleted."""
    deleted = 0
    for table in (ContributorProfile, OnboardingFlow):
        result = await session.exec(
            delete(table).where(
                col(table.community_id) == member.community_id,
                col(table.platform) == member.platform,
                col(table.user_id) == member.user_id,
            )
        )
        deleted += result.rowcount or 0
    return deleted
