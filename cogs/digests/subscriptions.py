"""Subscriptions as the commands change them: subscribe, schedule, unsubscribe, empty digests,
and the period `/digest now` consumes. Each method is one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.community import CommunityContext
from bot.storage.database import Database
from cogs.digests import store
from cogs.digests.models import DigestDelivery, DigestSubscription
from cogs.digests.schedule import (
    DEFAULT_SCHEDULE,
    Schedule,
    ScheduleError,
    next_slot,
    parse_schedule,
    previous_slot,
)

SCHEDULE_SETTING = "digest_schedule"


@dataclass(frozen=True)
class Target:
    """Where a subscription's digests go: a member's DMs or a channel, on one platform."""

    community_id: int
    platform: str
    kind: str  # models.MEMBER or models.CHANNEL
    target_id: str


def default_schedule(community: CommunityContext) -> Schedule:
    """The community's schedule for new subscriptions: the `digest_schedule` setting, else
    daily at 09:00 in the community's time zone (UTC unless set)."""
    configured = community.get(SCHEDULE_SETTING)
    try:
        if configured:
            return parse_schedule(configured)
        return parse_schedule(f"{DEFAULT_SCHEDULE.rsplit(' ', 1)[0]} {community.zone.key}")
    except ScheduleError:
        return parse_schedule(DEFAULT_SCHEDULE)


def next_due(subscription: DigestSubscription) -> datetime:
    """When the subscription's next digest is due, UTC."""
    after = max(store.last_end(subscription), store.schedule_from(subscription))
    return next_slot(store.schedule_of(subscription), after)


class Subscriptions:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def get(self, target: Target) -> DigestSubscription | None:
        async with self._db.read() as session:
            return await store.find(session, *_where(target))

    async def subscribe(
        self, target: Target, schedule: Schedule, by: str
    ) -> tuple[DigestSubscription, bool]:
        """The target's subscription, made with `schedule` if it had none; (it, whether new)."""
        try:
            async with self._db.transaction() as session:
                found = await store.find(session, *_where(target))
                if found is not None:
                    return found, False
                return self._new(session, target, schedule, by), True
        except IntegrityError:
            # The same subscription made at the same moment (a double click): theirs stands.
            existing = await self.get(target)
            if existing is None:
                raise
            return existing, False

    async def set_schedule(
        self, target: Target, schedule: Schedule, by: str
    ) -> tuple[DigestSubscription, bool]:
        """Change (or make) the target's subscription's schedule; (it, whether new). The next
        digest still starts where the last ended; slots before the change are not due."""
        async with self._db.transaction() as session:
            found = await store.find(session, *_where(target))
            if found is None:
                return self._new(session, target, schedule, by), True
            store.apply_schedule(found, schedule)
            found.schedule_from = self._clock.now()
            session.add(found)
            return found, False

    async def unsubscribe(self, target: Target) -> bool:
        async with self._db.transaction() as session:
            found = await store.find(session, *_where(target))
            if found is None:
                return False
            await store.remove(session, found)
            return True

    async def set_send_empty(self, target: Target, send: bool) -> DigestSubscription | None:
        async with self._db.transaction() as session:
            found = await store.find(session, *_where(target))
            if found is not None:
                found.send_empty = send
                session.add(found)
            return found

    async def consume(self, subscription: DigestSubscription, end: datetime) -> bool:
        """`/digest now`: the period up to `end` counts as delivered; False when the scheduled
        digest took it meanwhile."""
        if subscription.id is None:
            raise RuntimeError("a subscription without id")
        was = store.last_end(subscription)
        async with self._db.transaction() as session:
            if not await store.advance(session, subscription.id, was, end):
                return False
            session.add(
                DigestDelivery(
                    subscription_id=subscription.id,
                    period_start=was,
                    period_end=end,
                    how="now",
                    recorded_at=self._clock.now(),
                )
            )
        subscription.last_period_end = end
        return True

    def _new(
        self, session: AsyncSession, target: Target, schedule: Schedule, by: str
    ) -> DigestSubscription:
        """A new subscription: its first digest covers the period since the slot before now,
        so it is a whole day's (or week's) from the start."""
        now = self._clock.now()
        subscription = DigestSubscription(
            community_id=target.community_id,
            platform=target.platform,
            kind=target.kind,
            target_id=target.target_id,
            cadence=schedule.cadence.value,
            at=f"{schedule.at:%H:%M}",
            weekday=schedule.weekday,
            timezone=schedule.timezone,
            last_period_end=previous_slot(schedule, now),
            schedule_from=now,
            created_by=by[:100],
            created_at=now,
        )
        session.add(subscription)
        return subscription


def _where(target: Target) -> tuple[int, str, str, str]:
    return target.community_id, target.platform, target.kind, target.target_id
