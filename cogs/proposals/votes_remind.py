"""Reminders before a vote ends: a direct message to each member who opted in
(/proposals remind on) and whose linked wallets (from the directory) have not voted.

Sent once per proposal, when the vote enters its last `remind_hours`: the run is recorded as the
proposal's "reminders" event with the messages in the outbox. Members without a linked wallet
are not reminded (nothing tells whether they voted); nor are members who asked to be forgotten
(the directory has no wallet of theirs).

`remind_members` serves any follower: it is given the proposal and a way to ask which of some
addresses voted (the Snapshot hub's votes; a Governor's `hasVoted`, batched through its node).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
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

# Which of these addresses voted on the proposal (as given).
VotedAmong = Callable[[Sequence[str]], Awaitable[set[str]]]


@dataclass(frozen=True)
class OpenVote:
    """A proposal whose vote is open: its key ("snapshot:<id>", "governor:<chain>:<address>:
    <id>"), title, link, end, and where members vote ("Snapshot", "the Governor")."""

    key: str
    title: str
    link: str
    ends_at: datetime
    venue: str


async def remind_voters(
    proposals: Proposals, hub: SnapshotHub, community_id: int, proposal: HubProposal
) -> int:
    """A Snapshot proposal's reminders, the hub telling who voted."""
    hub_url = proposals.config.snapshot.hub_url

    async def voted_among(addresses: Sequence[str]) -> set[str]:
        return await hub.voters(hub_url, proposal.id, addresses)

    vote = OpenVote(
        f"snapshot:{proposal.id}", proposal.title, proposal.link, when(proposal.end), "Snapshot"
    )
    return await remind_members(proposals, community_id, vote, voted_among)


async def remind_members(
    proposals: Proposals, community_id: int, vote: OpenVote, voted_among: VotedAmong
) -> int:
    """Enqueue the proposal's reminders unless they were sent; how many. The caller decides
    when the vote is close enough to its end (`[proposals.votes] remind_hours`)."""
    ctx = proposals.ctx
    async with ctx.db.read() as session:
        if await _reminded(session, community_id, vote.key):
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
    voted = await voted_among(addresses) if addresses else set()
    added = 0
    async with ctx.db.transaction() as session:
        if await _reminded(session, community_id, vote.key):
            return 0
        session.add(
            VoteAnnouncement(
                community_id=community_id,
                proposal_key=vote.key,
                kind=REMINDERS,
                announced_at=ctx.clock.now(),
            )
        )
        reply = reminder(vote, ctx.clock.now())
        for (platform, user_id), linked in wallets.items():
            if not linked or any(address in voted for address in linked):
                continue
            added += await ctx.outbox.enqueue(
                session,
                key=f"{KEY_PREFIX}:{vote.key}:remind:{platform}:{user_id}",
                community_id=community_id,
                reply=reply,
                to=ToMember(platform, user_id),
            )
    return added


def reminder(vote: OpenVote, now: datetime) -> Reply:
    return Reply(
        title=f"Vote reminder: {vote.title}"[:250],
        body=f"Voting ends {moment(vote.ends_at, now)} and your linked wallet has not voted "
        "yet. (You asked for this with /proposals remind on; /proposals remind off stops it.)",
        links=(Link(f"Vote on {vote.venue}", vote.link),) if vote.link else (),
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
