"""Who voted on the followed proposals, stored so a digest can say whether a member's linked
wallet still has to vote without a network call while it is built (`digest_models.VoteSeen`).

Governor votes are recorded by the watcher from each VoteCast event, in the transaction that
reads its range (`record_vote`). Snapshot votes are asked of the hub by a leader-only job every
`VOTES_EVERY`, for each followed proposal still open: only the votes cast since the last one
recorded (`SnapshotHub.votes_since`), so a poll costs one request per open proposal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlmodel import col, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import as_utc
from cogs.proposals.digest_models import VoteSeen
from cogs.proposals.runtime import Proposals
from cogs.proposals.snapshot_hub import SnapshotHub
from cogs.proposals.vote_models import FollowedProposal
from cogs.proposals.votes_service import CLOSED_STATES

VOTES_EVERY = timedelta(minutes=5)
# A vote that ended this long ago may still have late votes to count; older ones are done.
GRACE = timedelta(hours=1)
CHUNK = 500


async def record_vote(
    session: AsyncSession, community_id: int, key: str, voter: str, at: datetime
) -> None:
    """One vote, in the caller's transaction (once per voter and proposal)."""
    await _add_new(session, community_id, key, [(voter, at)])


class SnapshotVotes:
    def __init__(self, proposals: Proposals, hub: SnapshotHub) -> None:
        self.proposals = proposals
        self.hub = hub

    async def record(self, community_slug: str) -> int:
        """Ask the hub for new votes on the community's open Snapshot proposals; how many were
        recorded."""
        ctx = self.proposals.ctx
        community = await ctx.communities.by_slug(community_slug)
        if community is None:
            return 0
        now = ctx.clock.now()
        async with ctx.db.read() as session:
            keys = (
                await session.exec(
                    select(FollowedProposal.key).where(
                        FollowedProposal.community_id == community.id,
                        FollowedProposal.source == "snapshot",
                        or_(
                            col(FollowedProposal.state).not_in(CLOSED_STATES),
                            col(FollowedProposal.ends_at) >= now - GRACE,
                        ),
                    )
                )
            ).all()
            if not keys:
                return 0
            cursors = dict(
                (
                    await session.exec(
                        select(VoteSeen.proposal_key, func.max(VoteSeen.voted_at))
                        .where(
                            VoteSeen.community_id == community.id,
                            col(VoteSeen.proposal_key).in_(keys),
                        )
                        .group_by(col(VoteSeen.proposal_key))
                    )
                ).all()
            )
        recorded = 0
        hub_url = self.proposals.config.snapshot.hub_url
        for key in keys:
            last = as_utc(cursors.get(key))
            since = int(last.timestamp()) if last is not None else 0
            votes = await self.hub.votes_since(hub_url, key.removeprefix("snapshot:"), since)
            if not votes:
                continue
            seen = [(voter, datetime.fromtimestamp(created, UTC)) for voter, created in votes]
            async with ctx.db.transaction() as session:
                recorded += await _add_new(session, community.id or 0, key, seen)
        return recorded


async def _add_new(
    session: AsyncSession, community_id: int, key: str, votes: Sequence[tuple[str, datetime]]
) -> int:
    wanted = {voter.lower(): at for voter, at in votes}
    known: set[str] = set()
    voters = list(wanted)
    for start in range(0, len(voters), CHUNK):
        found = await session.exec(
            select(VoteSeen.voter).where(
                VoteSeen.community_id == community_id,
                VoteSeen.proposal_key == key,
                col(VoteSeen.voter).in_(voters[start : start + CHUNK]),
            )
        )
        known.update(found.all())
    added = 0
    for voter, at in wanted.items():
        if voter not in known:
            session.add(
                VoteSeen(community_id=community_id, proposal_key=key, voter=voter, voted_at=at)
            )
            added += 1
    return added
