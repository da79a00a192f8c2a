"""Following Snapshot votes: a leader-only job per community polls the hub for its spaces and
announces each proposal's events once (see `snapshot_events.py` for which are due).

Each poll asks the hub for the spaces' pending and active proposals, and by id for the followed
ones not yet closed (to see them close). A proposal's events are announced in one transaction
with the record of what was announced, so a restart or a second replica never repeats one. A
proposal that closes passed is handed to the payout book with the payments its body asks for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import UpstreamError
from cogs.proposals.payout_asks import asks_from_text
from cogs.proposals.payout_book import PassedProposal, record_passed
from cogs.proposals.runtime import Proposals
from cogs.proposals.snapshot_events import due_kinds, passed, vote_event, when, winner
from cogs.proposals.snapshot_hub import HubProposal, SnapshotHub
from cogs.proposals.vote_models import FollowedProposal, VoteAnnouncement
from cogs.proposals.votes_announce import announce
from cogs.proposals.votes_remind import remind_voters
from cogs.proposals.votes_service import CLOSED_STATES


class SnapshotFollower:
    def __init__(self, proposals: Proposals, hub: SnapshotHub) -> None:
        self.proposals = proposals
        self.hub = hub
        # Per community slug: when its last poll went through, and the error of the last one
        # that did not (cleared by the next success), for the health report.
        self.last_poll: dict[str, datetime] = {}
        self.last_error: dict[str, str] = {}

    @property
    def _settings(self) -> tuple[str, timedelta, timedelta]:
        config = self.proposals.config
        return (
            config.snapshot.hub_url,
            timedelta(hours=config.votes.ending_hours),
            timedelta(hours=config.votes.remind_hours),
        )

    async def poll(self, community_slug: str) -> int:
        """One round for a community; returns how many announcements were added."""
        try:
            added = await self._poll(community_slug)
        except UpstreamError as exc:
            self.last_error[community_slug] = str(exc)
            raise
        self.last_error.pop(community_slug, None)
        self.last_poll[community_slug] = self.proposals.ctx.clock.now()
        return added

    async def _poll(self, community_slug: str) -> int:
        ctx = self.proposals.ctx
        spaces = self.proposals.config.snapshot.spaces_of(community_slug)
        community = await ctx.communities.by_slug(community_slug)
        if community is None or not spaces:
            return 0
        hub_url, ending_before, remind_before = self._settings
        seen = await self.hub.proposals(hub_url, spaces, state="pending")
        seen += await self.hub.proposals(hub_url, spaces, state="active")
        known = {p.id for p in seen}
        missing = [i for i in await self._open_ids(community.id) if i not in known]
        if missing:
            seen += await self.hub.proposals(hub_url, spaces, ids=missing)
        added = 0
        for proposal in seen:
            now = ctx.clock.now()
            added += await self._advance(community.id, proposal, now, ending_before)
            if proposal.state == "active" and now >= when(proposal.end) - remind_before:
                added += await remind_voters(self.proposals, self.hub, community.id, proposal)
        return added

    async def _open_ids(self, community_id: int) -> list[str]:
        async with self.proposals.ctx.db.read() as session:
            rows = await session.exec(
                select(FollowedProposal.key).where(
                    FollowedProposal.community_id == community_id,
                    FollowedProposal.source == "snapshot",
                    col(FollowedProposal.state).not_in(CLOSED_STATES),
                )
            )
            return [key.removeprefix("snapshot:") for key in rows.all()]

    async def _advance(
        self, community_id: int, proposal: HubProposal, now: datetime, ending_before: timedelta
    ) -> int:
        added = 0
        async with self.proposals.ctx.db.transaction() as session:
            announced = await announced_kinds(session, community_id, f"snapshot:{proposal.id}")
            kinds = due_kinds(proposal, now, announced, ending_before)
            for kind in kinds:
                event = vote_event(proposal, community_id, kind)
                added += await announce(session, self.proposals, community_id, event)
            if "closed" in kinds and passed(proposal):
                await record_passed(session, passed_proposal(proposal, community_id))
        return added


async def announced_kinds(session: AsyncSession, community_id: int, key: str) -> set[str]:
    rows = await session.exec(
        select(VoteAnnouncement.kind).where(
            VoteAnnouncement.community_id == community_id, VoteAnnouncement.proposal_key == key
        )
    )
    return set(rows.all())


def passed_proposal(proposal: HubProposal, community_id: int) -> PassedProposal:
    top = winner(proposal)
    return PassedProposal(
        community_id=community_id,
        key=f"snapshot:{proposal.id}",
        title=proposal.title,
        link=proposal.link,
        for_share=top[1] if top is not None else None,
        decided_at=when(proposal.end),
        asks=asks_from_text(proposal.body),
    )
