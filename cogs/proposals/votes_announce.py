"""Announcing a vote's events: once each, to every channel subscribed to that kind of event.

Both followers use it: the Snapshot poller (`snapshot_follow.py`) and the Governor watcher
(`governor_watch.py`). A follower builds a `VoteEvent` and calls `announce` inside the
transaction that records what it saw; the event is stored (`vote_announcement`) with its posts
in the outbox, so a restart or a second replica never announces it twice.

Channels choose among created, opened, ending and closed; a Governor's queued, executed and
canceled go with closed (they are what became of the decision). In a Discord forum channel each
proposal gets a thread of its own (named after it): the first announcement opens it, later ones
are posted in it.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.options import ChannelRef
from bot.outbox import ToThread
from cogs.proposals.runtime import Proposals
from cogs.proposals.vote_models import (
    BODY_LIMIT,
    FollowedProposal,
    VoteAnnouncement,
    VoteChannel,
)
from cogs.proposals.votes_event import CHANNEL_EVENTS as CHANNEL_EVENTS
from cogs.proposals.votes_event import KEY_PREFIX as KEY_PREFIX
from cogs.proposals.votes_event import KINDS as KINDS
from cogs.proposals.votes_event import VoteEvent as VoteEvent
from cogs.proposals.votes_render import render_event


def announcement_key(event: VoteEvent) -> str:
    return f"{KEY_PREFIX}:{event.proposal}:{event.kind}"


async def announce(
    session: AsyncSession, proposals: Proposals, community_id: int, event: VoteEvent
) -> int:
    """Record the event and enqueue its announcement to each subscribed channel, in the
    caller's transaction; returns how many posts were added (0 when it was announced before,
    or no channel takes this kind of event). The proposal's row is updated either way."""
    await remember(session, community_id, event, proposals.ctx.clock.now())
    seen = await session.exec(
        select(VoteAnnouncement.id).where(
            VoteAnnouncement.community_id == community_id,
            VoteAnnouncement.proposal_key == event.proposal,
            VoteAnnouncement.kind == event.kind,
        )
    )
    if seen.first() is not None:
        return 0
    clock = proposals.ctx.clock
    session.add(
        VoteAnnouncement(
            community_id=community_id,
            proposal_key=event.proposal,
            kind=event.kind,
            announced_at=clock.now(),
        )
    )
    reply = render_event(event, clock.now())
    added = 0
    for channel in await channels_for(session, community_id, event.channel_event):
        added += await proposals.ctx.outbox.enqueue(
            session,
            key=announcement_key(event),
            community_id=community_id,
            reply=reply,
            to=ToThread(
                ChannelRef(channel.platform, channel.channel_id),
                topic=event.proposal,
                name=event.title or event.proposal,
            ),
        )
    return added


async def channels_for(session: AsyncSession, community_id: int, kind: str) -> list[VoteChannel]:
    rows = await session.exec(select(VoteChannel).where(VoteChannel.community_id == community_id))
    return [row for row in rows.all() if kind in row.events.split(",")]


async def remember(
    session: AsyncSession, community_id: int, event: VoteEvent, now: datetime
) -> None:
    """Store the proposal as this event shows it (for /proposals and reminders)."""
    found = await session.exec(
        select(FollowedProposal).where(
            FollowedProposal.community_id == community_id,
            FollowedProposal.key == event.proposal,
        )
    )
    row = found.first() or FollowedProposal(
        community_id=community_id, key=event.proposal, source=event.source
    )
    row.title = event.title[:300] or row.title
    row.link = event.link[:500] or row.link
    row.state = event.kind
    row.voting_type = event.voting_type[:32]
    if event.choices:
        row.choices = list(event.choices)
    if event.tally:
        row.scores = [score for _, score in event.tally]
        row.total = event.total
        row.voters = event.voters
    row.quorum = event.quorum or row.quorum
    row.result = event.result[:300] or row.result
    row.body = event.body[:BODY_LIMIT] or row.body
    row.starts_at = event.starts_at or row.starts_at
    row.ends_at = event.ends_at or row.ends_at
    row.updated_at = event.at or now
    session.add(row)
