"""Wallet links as the directory reads them: which member proved which address.

The links are written by wallet verification (wallets.py); the directory only reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.onboarding.store import Member
from cogs.onboarding.wallet_models import WalletLink


async def addresses_of(
    session: AsyncSession, community_id: int, members: Iterable[Member]
) -> dict[str, list[str]]:
    """Linked addresses by member key ("platform:user id")."""
    wanted = {m.key for m in members}
    if not wanted:
        return {}
    user_ids = {key.partition(":")[2] for key in wanted}
    query = (
        select(WalletLink)
        .where(WalletLink.community_id == community_id, col(WalletLink.user_id).in_(user_ids))
        .order_by(col(WalletLink.verified_at), col(WalletLink.id))
    )
    found: dict[str, list[str]] = {}
    for link in (await session.exec(query)).all():
        key = f"{link.platform}:{link.user_id}"
        if key in wanted:
            found.setdefault(key, []).append(link.address)
    return found


async def members_at(
    session: AsyncSession, community_id: int, addresses: Sequence[str]
) -> dict[str, list[Member]]:
    """Members linked to each address, by the address as stored (checksummed)."""
    if not addresses:
        return {}
    query = select(WalletLink).where(
        WalletLink.community_id == community_id,
        func.lower(col(WalletLink.address)).in_([a.lower() for a in addresses]),
    )
    found: dict[str, list[Member]] = {}
    for link in (await session.exec(query)).all():
        found.setdefault(link.address, []).append(Member(community_id, link.platform, link.user_id))
    return found
