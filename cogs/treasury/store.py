"""Repository functions of the treasury store. They add and query; callers own the transaction."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from cogs.treasury.models import TreasuryAlert, WatchedSafe


async def add_new_alerts(session: AsyncSession, alerts: list[TreasuryAlert]) -> list[TreasuryAlert]:
    """Add the alerts whose key is not stored yet; the key makes each alert happen once."""
    if not alerts:
        return []
    query = select(TreasuryAlert.key).where(col(TreasuryAlert.key).in_([a.key for a in alerts]))
    known = set((await session.exec(query)).all())
    fresh = {a.key: a for a in alerts if a.key not in known}
    session.add_all(fresh.values())
    return list(fresh.values())


async def watched_one(
    session: AsyncSession, community_id: int, chain: str, address: str
) -> WatchedSafe | None:
    query = select(WatchedSafe).where(
        WatchedSafe.community_id == community_id,
        WatchedSafe.chain == chain,
        WatchedSafe.address == address,
    )
    return (await session.exec(query)).first()
