"""Reading and writing subscriptions and deliveries inside a caller's transaction (never
commits: the service that calls owns the unit of work)."""

from __future__ import annotations

from datetime import datetime, time

from sqlmodel import col, delete, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import as_utc
from cogs.digests.models import MEMBER, DigestDelivery, DigestSubscription
from cogs.digests.schedule import Cadence, Schedule


def schedule_of(subscription: DigestSubscription) -> Schedule:
    hour, minute = (int(part) for part in subscription.at.split(":"))
    return Schedule(
        Cadence(subscription.cadence),
        time(hour, minute),
        subscription.timezone,
        subscription.weekday,
    )


def apply_schedule(subscription: DigestSubscription, schedule: Schedule) -> None:
    subscription.cadence = schedule.cadence.value
    subscription.at = f"{schedule.at:%H:%M}"
    subscription.weekday = schedule.weekday
    subscription.timezone = schedule.timezone


def last_end(subscription: DigestSubscription) -> datetime:
    found = as_utc(subscription.last_period_end)
    if found is None:
        raise RuntimeError("a subscription without a period end")
    return found


def schedule_from(subscription: DigestSubscription) -> datetime:
    return as_utc(subscription.schedule_from) or last_end(subscription)


async def find(
    session: AsyncSession, community_id: int, platform: str, kind: str, target_id: str
) -> DigestSubscription | None:
    query = select(DigestSubscription).where(
        DigestSubscription.community_id == community_id,
        DigestSubscription.platform == platform,
        DigestSubscription.kind == kind,
        DigestSubscription.target_id == target_id,
    )
    return (await session.exec(query)).first()


async def everyone(session: AsyncSession) -> list[DigestSubscription]:
    query = select(DigestSubscription).order_by(col(DigestSubscription.id))
    return list((await session.exec(query)).all())


async def advance(session: AsyncSession, subscription_id: int, was: datetime, to: datetime) -> bool:
    """Move the period end from `was` to `to`; False when another process moved it first (the
    caller then rolls back whatever it stored with it)."""
    moved = await session.exec(
        update(DigestSubscription)
        .where(
            col(DigestSubscription.id) == subscription_id,
            col(DigestSubscription.last_period_end) == was,
        )
        .values(last_period_end=to)
    )
    return moved.rowcount == 1


async def remove(session: AsyncSession, subscription: DigestSubscription) -> None:
    await session.exec(
        delete(DigestDelivery).where(col(DigestDelivery.subscription_id) == subscription.id)
    )
    await session.delete(subscription)


async def forget_member(
    session: AsyncSession, community_id: int, platform: str, user_id: str
) -> int:
    """/forget: the member's direct-message subscriptions and their deliveries go."""
    found = await find(session, community_id, platform, MEMBER, user_id)
    if found is None:
        return 0
    await remove(session, found)
    return 1


async def deliveries(session: AsyncSession, subscription_id: int) -> list[DigestDelivery]:
    query = (
        select(DigestDelivery)
        .where(DigestDelivery.subscription_id == subscription_id)
        .order_by(col(DigestDelivery.period_end))
    )
    return list((await session.exec(query)).all())
