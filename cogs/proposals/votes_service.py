"""The votes part's service: which channels get announcements, the followed proposals as
/proposals lists them, and who wants a reminder before a vote ends."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.options import ChannelRef
from bot.errors import InvalidOption
from bot.storage.database import Database
from bot.storage.models import OutboxMessage, as_utc
from cogs.proposals.vote_models import FollowedProposal, VoteChannel, VoteReminderOptIn
from cogs.proposals.votes_event import CHANNEL_EVENTS, KEY_PREFIX


class SnapshotPoller(Protocol):
    async def poll(self, community_slug: str) -> int: ...


# States after which a proposal is decided.
CLOSED_STATES = ("closed", "queued", "executed", "canceled")


def parse_events(raw: str) -> tuple[str, ...]:
    """ "all" (the default), "none", or some of created, opened, ending, closed."""
    words = [w for w in re.split(r"[,\s]+", raw.strip().lower()) if w]
    if not words or words == ["all"]:
        return CHANNEL_EVENTS
    if words == ["none"]:
        return ()
    unknown = [w for w in words if w not in CHANNEL_EVENTS]
    if unknown:
        raise InvalidOption(
            "events",
            f"has {unknown[0]!r}; choose from {', '.join(CHANNEL_EVENTS)}, or all, or none",
        )
    return tuple(e for e in CHANNEL_EVENTS if e in words)


@dataclass(frozen=True)
class ProposalLine:
    key: str
    source: str
    title: str
    link: str
    state: str
    starts_at: datetime | None
    ends_at: datetime | None
    result: str

    @property
    def closed(self) -> bool:
        return self.state in CLOSED_STATES


class VotesService:
    def __init__(self, db: Database, clock: Clock, snapshot: SnapshotPoller) -> None:
        self.db = db
        self.clock = clock
        # Polls a community's Snapshot spaces (the scheduled job; tests run it directly).
        self.snapshot = snapshot

    async def subscribe(
        self, community_id: int, channel: ChannelRef, events: tuple[str, ...], by: str
    ) -> bool:
        """Set the channel's events (none: stop); whether it had any before."""
        async with self.db.transaction() as session:
            found = await session.exec(
                select(VoteChannel).where(
                    VoteChannel.community_id == community_id,
                    VoteChannel.platform == channel.platform,
                    VoteChannel.channel_id == channel.id,
                )
            )
            row = found.first()
            if not events:
                if row is not None:
                    await session.delete(row)
                return row is not None
            existed = row is not None
            row = row or VoteChannel(
                community_id=community_id,
                platform=channel.platform,
                channel_id=channel.id,
                events="",
            )
            row.events, row.added_by, row.created_at = ",".join(events), by, self.clock.now()
            session.add(row)
        return existed

    async def channels(self, community_id: int) -> list[VoteChannel]:
        async with self.db.read() as session:
            found = await session.exec(
                select(VoteChannel)
                .where(VoteChannel.community_id == community_id)
                .order_by(col(VoteChannel.id))
            )
            return list(found.all())

    async def followed(self, community_id: int, *, closed: bool) -> list[ProposalLine]:
        """Open proposals, soonest end first; or decided ones, latest first."""
        async with self.db.read() as session:
            rows = await session.exec(
                select(FollowedProposal).where(FollowedProposal.community_id == community_id)
            )
            lines = [
                ProposalLine(
                    r.key,
                    r.source,
                    r.title,
                    r.link,
                    r.state,
                    as_utc(r.starts_at),
                    as_utc(r.ends_at),
                    r.result,
                )
                for r in rows.all()
            ]
        chosen = [line for line in lines if line.closed == closed]
        far = datetime.max.replace(tzinfo=self.clock.now().tzinfo)
        chosen.sort(key=lambda line: line.ends_at or far, reverse=closed)
        return chosen

    async def set_reminders(self, community_id: int, platform: str, user_id: str, on: bool) -> None:
        async with self.db.transaction() as session:
            await session.exec(
                delete(VoteReminderOptIn).where(
                    col(VoteReminderOptIn.community_id) == community_id,
                    col(VoteReminderOptIn.platform) == platform,
                    col(VoteReminderOptIn.user_id) == user_id,
                )
            )
            if on:
                session.add(
                    VoteReminderOptIn(
                        community_id=community_id,
                        platform=platform,
                        user_id=user_id,
                        created_at=self.clock.now(),
                    )
                )


async def forget_member(
    session: AsyncSession, community_id: int, platform: str, user_id: str
) -> int:
    """/forget: the member's reminder opt-in, and the reminders sent to them."""
    opted = await session.exec(
        delete(VoteReminderOptIn).where(
            col(VoteReminderOptIn.community_id) == community_id,
            col(VoteReminderOptIn.platform) == platform,
            col(VoteReminderOptIn.user_id) == user_id,
        )
    )
    await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.community_id) == community_id,
            col(OutboxMessage.platform) == platform,
            col(OutboxMessage.destination) == f"dm:{user_id}",
            col(OutboxMessage.key).startswith(f"{KEY_PREFIX}:"),
        )
    )
    return int(opted.rowcount or 0)
