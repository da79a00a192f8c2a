"""Reminders before a vote ends: a direct message to each member who opted in
(/proposals remind on) and whose linked wallets (from the directory) have not voted.

Sent once per proposal, when the vote enters its last `remind_hours`: the run is recorded as the
proposal's "reminders" event with the messages in the outbox. Members without a linked wallet
are not reminded (nothing tells whether they voted); nor are members who asked to be forgotten
(the directory has no wallet of theirs).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.reply import Link, Reply
from bot.outbox import ToMember
from cogs.proposals.runtime import Proposals
from cogs.proposals.snapshot_events import when
from cogs.proposals.snapshot_hub import HubProposal, SnapshotHub
from cogs.proposals.vote_models import VoteAnnouncement, VoteReminderOptIn
from cogs.proposals.votes_announce import KEY_PREFIX
from cogs.proposals.votes_render import moment

REMINDERS = "reminders"


async def remind_voters(
    proposals: Proposals, hub: SnapshotHub, community_id: int, proposal: HubProposal
) -> int:
    """Enqueue the proposal's reminders unless they were sent; how many."""
    ctx = proposals.ctx
    key = f"snapshot:{proposal.id}"
    async with ctx.db.read() as session:
        if await _reminded(session, community_id, key):
            return 0
        rows = await session.exec(
            select(VoteReminderOptIn).where(VoteReminderOptIn.community_id == community_id)
        )
        members = [(row.platform, row.user_id) for row in rows.all()]
    if not members:
        return 0  # nobody to remind yet: someone who opts in later still is
    wallets = {
        member: await ctx.directory.addresses_of(community_id, *member) for member in members
    }
    addresses = [a for linked in wallets.values() for a in linked]
    voted = await hub.voters(proposals.config.snapshot.hub_url, proposal.id, addresses)
    added = 0
    async with ctx.db.transaction() as session:
        if await _reminded(session, community_id, key):
            return 0
        session.add(
            VoteAnnouncement(
                community_id=community_id,
                proposal_key=key,
                kind=REMINDERS,
                announced_at=ctx.clock.now(),
            )
        )
        reply = reminder(proposal, ctx.clock.now())
        for (platform, user_id), linked in wallets.items():
            if not linked or any(address in voted for address in linked):
                continue
            added += await ctx.outbox.enqueue(
                session,
                key=f"{KEY_PREFIX}:{key}:remind:{platform}:{user_id}",
                community_id=community_id,
                reply=reply,
                to=ToMember(platform, user_id),
            )
    return added


def reminder(proposal: HubProposal, now: datetime) -> Reply:
    return Reply(
        title=f"Vote reminder: {proposal.title}"[:250],
        body=f"Voting ends {moment(when(proposal.end), now)} and your linked wallet has not "
        "voted yet. (You asked for this with /proposals remind on; /proposals remind off stops "
        "it.)",
        links=(Link("Vote on Snapshot", proposal.link),) if proposal.link else (),
    )


async def _reminded(session: AsyncSession, community_id: int, key: str) -> bool:
    found = await session.exec(
        select(VoteAnnouncement.id).where(
            VoteAnnouncement.community_id == community_id,
            VoteAnnouncement.proposal_key == key,
            VoteAnnouncement.kind == REMINDERS,
        )
    )
    return found.first() is not None
