"""Scheduled delivery, exactly once: the leader's job finds the subscriptions that are due,
builds each digest, and in ONE transaction moves the subscription's period end forward and
stores the digest in the outbox under `digest:<subscription id>:<period end>`.

- A restart or retry before that transaction commits builds the same period again (its end is
  a slot, not the time of the run), and stores it once.
- A second process doing the same at the same time loses the move of the period end (it is a
  compare-and-set on the old end) and rolls back what it stored; the outbox's key is unique too.
- After the commit the outbox owns delivery: retries, and a report to the steward channel when
  a member's DMs are closed or the API keeps failing.
- A digest with nothing in it is skipped for subscribers who chose so (the period still moves).
- A subscription that fails (a source raising past its guard, the database) is logged and tried
  again at the next check; the others go on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.commands.options import ChannelRef
from bot.outbox import Destination, Outbox, ToChannel, ToMember
from bot.storage.database import Database
from cogs.digests import store
from cogs.digests.building import DigestBuilder
from cogs.digests.models import MEMBER, DigestDelivery, DigestSubscription
from cogs.digests.schedule import Period, due_period

log = logging.getLogger(__name__)


@dataclass
class Round:
    """What one check did, for tests and the log."""

    sent: list[str] = field(default_factory=list)  # outbox keys stored
    skipped: int = 0  # empty digests not wanted
    lost: int = 0  # periods another process took first
    failed: int = 0


def outbox_key(subscription_id: int, end: datetime) -> str:
    return f"digest:{subscription_id}:{end:%Y-%m-%dT%H:%M:%SZ}"


def destination_of(subscription: DigestSubscription) -> Destination:
    if subscription.kind == MEMBER:
        return ToMember(subscription.platform, subscription.target_id)
    return ToChannel(ChannelRef(subscription.platform, subscription.target_id))


class DueDigests:
    def __init__(self, db: Database, outbox: Outbox, clock: Clock, builder: DigestBuilder) -> None:
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._builder = builder

    async def run(self) -> None:
        """The scheduler's job."""
        done = await self.deliver_due()
        if done.sent or done.failed:
            log.info(
                "digests stored for delivery",
                extra={"sent": len(done.sent), "skipped": done.skipped, "failed": done.failed},
            )

    async def deliver_due(self) -> Round:
        now = self._clock.now()
        async with self._db.read() as session:
            subscriptions = await store.everyone(session)
        done = Round()
        for subscription in subscriptions:
            try:
                period = due_period(
                    store.schedule_of(subscription),
                    store.last_end(subscription),
                    now,
                    not_before=store.schedule_from(subscription),
                )
                if period is not None:
                    await self._deliver(subscription, period, done)
            except Exception:  # one subscription's failure never stops the others
                done.failed += 1
                log.exception(
                    "digest could not be built or stored; will try again",
                    extra={"subscription": subscription.id},
                )
        return done

    async def _deliver(self, subscription: DigestSubscription, period: Period, done: Round) -> None:
        if subscription.id is None:
            return
        reader = await self._builder.reader_of(subscription)
        built = await self._builder.build(
            subscription.community_id, reader, subscription.timezone, period
        )
        skip = built.digest.empty and not subscription.send_empty
        key = "" if skip else outbox_key(subscription.id, period.end)
        try:
            async with self._db.transaction() as session:
                if not await store.advance(
                    session, subscription.id, store.last_end(subscription), period.end
                ):
                    raise _Taken
                if key:
                    await self._outbox.enqueue(
                        session,
                        key=key,
                        community_id=subscription.community_id,
                        reply=built.reply,
                        to=destination_of(subscription),
                    )
                how = "skipped" if skip else "catch_up" if period.catch_up else "scheduled"
                session.add(
                    DigestDelivery(
                        subscription_id=subscription.id,
                        period_start=period.start,
                        period_end=period.end,
                        outbox_key=key,
                        how=how,
                        recorded_at=self._clock.now(),
                    )
                )
        except (_Taken, IntegrityError):
            done.lost += 1
            return
        if skip:
            done.skipped += 1
        else:
            done.sent.append(key)


class _Taken(Exception):
    """Another process moved the period end first: roll back and leave it to them."""
