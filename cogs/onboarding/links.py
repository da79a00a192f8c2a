"""Wallet links as the directory reads them: which member proved which address.

The links are written by wallet verification (its own module and migration); the directory only
reads the `wallet_link` table by its columns, so it does not depend on how proofs are made.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.onboarding.store import Member

WALLET_LINK = sa.table(
    "wallet_link",
    sa.column("community_id", sa.Integer),
    sa.column("platform", sa.String),
    sa.column("user_id", sa.String),
    sa.column("address", sa.String),
)


async def addresses_of(
    session: AsyncSession, community_id: int, members: Iterable[Member] | None = None
) -> dict[str, list[str]]:
    """Linked addresses by member key ("platform:user id"); all members' when none are named."""
    query = select(WALLET_LINK.c.platform, WALLET_LINK.c.user_id, WALLET_LINK.c.address).where(
        WALLET_LINK.c.community_id == community_id
    )
    if not await _linked_yet(session):
        return {}
    wanted = {m.key for m in members} if members is not None else None
    found: dict[str, list[str]] = {}
    for platform, user_id, address in (await session.exec(query)).all():
        key = f"{platform}:{user_id}"
        if wanted is None or key in wanted:
            found.setdefault(key, []).append(address)
    return found


async def members_at(
    session: AsyncSession, community_id: int, addresses: Sequence[str]
) -> dict[str, list[Member]]:
    """Members linked to each address, by the address as stored (checksummed)."""
    if not addresses or not await _linked_yet(session):
        return {}
    query = select(WALLET_LINK.c.platform, WALLET_LINK.c.user_id, WALLET_LINK.c.address).where(
        WALLET_LINK.c.community_id == community_id,
        sa.func.lower(WALLET_LINK.c.address).in_([a.lower() for a in addresses]),
    )
    found: dict[str, list[Member]] = {}
    for platform, user_id, address in (await session.exec(query)).all():
        found.setdefault(address, []).append(Member(community_id, platform, user_id))
    return found


async def _linked_yet(session: AsyncSession) -> bool:
    """Whether wallet verification's table exists (its migration comes with that part)."""
    connection = await session.connection()
    return await connection.run_sync(lambda sync: sa.inspect(sync).has_table("wallet_link"))
