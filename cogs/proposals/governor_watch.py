"""Following on-chain OpenZeppelin Governors: their proposals announced from creation to
execution, exactly once each step.

Governor watching rides on the treasury's configured chains (`[treasury.chains.<name>]`): at
start this part registers, per chain, a `bot.chain_logs.LogInterest` for the configured
governors' events, and the treasury's poll of that chain asks for them in the same JSON-RPC
batch as its own filters, confirmation-deep, behind its stored cursor. The handler runs in the
transaction that advances that cursor, so what it stores and enqueues commits with the range:
exactly once. A chain not configured under `[treasury.chains]` (or the treasury feature off)
means the governor is never read.

Steps: ProposalCreated is stored (with its calls, for payout checks) and announced "created";
as the range passes the proposal's snapshot it is announced "opened"; within a day of its
deadline "ending"; past the deadline "closed" with the result read from the contract; then
ProposalQueued, ProposalExecuted and ProposalCanceled as they come. VoteCast events count the
voters. Each announcement carries the tally, quorum and state read from the contract in one
batch (`chain.governor.read_proposal`) at the range's last block. The announcer
(`votes_announce.announce`) keys each (proposal, step) so nothing is announced twice.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chain_logs import LogInterest, RawLog
from bot.frontend import Health
from bot.storage.models import Community
from chain.governor import GovernorFacts, ProposalReading, read_governor, read_proposal
from chain.governor_events import (
    GOVERNOR_TOPICS,
    GovernorEvent,
    ProposalCanceled,
    ProposalCreated,
    ProposalExecuted,
    ProposalQueued,
    VoteCast,
    decode_governor_logs,
)
from chain.node import ChainNode
from cogs.proposals.config import GovernorConfig
from cogs.proposals.digest_votes import record_vote
from cogs.proposals.governor_models import FINAL_STAGES, GovernorProposal, new_row
from cogs.proposals.governor_payouts import passed, passed_proposal
from cogs.proposals.governor_remind import REMIND_EVERY, remind_open_votes
from cogs.proposals.governor_vote import vote_event, when
from cogs.proposals.payout_book import record_passed
from cogs.proposals.runtime import Proposals
from cogs.proposals.votes_announce import announce

log = logging.getLogger(__name__)
_EVENT_STAGE = {
    ProposalQueued: "queued",
    ProposalExecuted: "executed",
    ProposalCanceled: "canceled",
}


class GovernorWatch:
    def __init__(self, proposals: Proposals) -> None:
        self.proposals = proposals
        self.governors = list(proposals.config.governors)
        self._facts: dict[tuple[str, str], GovernorFacts] = {}
        self._communities: dict[str, int | None] = {}
        # Each chain's node and last block read, from the treasury's last poll: for reminders.
        self.nodes: dict[str, tuple[ChainNode, int]] = {}

    def interests(self) -> list[LogInterest]:
        chains = sorted({g.chain for g in self.governors})
        return [
            LogInterest(
                "proposals.governors",
                chain,
                tuple(sorted({g.address for g in self.governors if g.chain == chain})),
                tuple(GOVERNOR_TOPICS),
                self.handle,
            )
            for chain in chains
        ]

    async def health(self) -> list[Health]:
        """Governors on a chain the treasury does not poll are never read: say so in /about."""
        chain_logs = self.proposals.ctx.chain_logs
        unread = sorted({g.chain for g in self.governors if not chain_logs.served(g.chain)})
        if unread:
            detail = f"not read: no [treasury.chains.{unread[0]}]" + (
                f" (nor {', '.join(unread[1:])})" if unread[1:] else ""
            )
            return [Health("governors", False, detail)]
        chains = sorted({g.chain for g in self.governors})
        return [Health("governors", True, f"{len(self.governors)} on {', '.join(chains)}")]

    async def remind_job(self) -> None:
        await self.remind()

    async def remind(self) -> int:
        """Direct messages before votes end (`governor_remind`); how many were enqueued."""
        first = {(g.chain, g.address.lower()): g for g in reversed(self.governors)}
        return await remind_open_votes(self.proposals, first, self.nodes, self.facts)

    def configs(self, chain: str, address: str) -> list[GovernorConfig]:
        return [
            g for g in self.governors if g.chain == chain and g.address.lower() == address.lower()
        ]

    async def handle(
        self, session: AsyncSession, chain: str, node: ChainNode, logs: list[RawLog], to_block: int
    ) -> None:
        """A confirmed range of `chain`: its governor events, then the steps its end reached."""
        self.nodes[chain] = (node, to_block)
        for event in decode_governor_logs(logs):
            for config in self.configs(chain, event.governor):
                community_id = await self._community(session, config.community)
                if community_id is not None:
                    await self._apply(session, node, config, community_id, event, to_block)
        open_rows = await session.exec(
            select(GovernorProposal)
            .where(GovernorProposal.chain == chain)
            .where(col(GovernorProposal.stage).not_in(["closed", "queued", *FINAL_STAGES]))
            .order_by(col(GovernorProposal.id))
        )
        for row in open_rows.all():
            for config in self.configs(chain, row.governor):
                if await self._community(session, config.community) == row.community_id:
                    await self._advance(session, node, config, row, to_block)

    async def _apply(
        self,
        session: AsyncSession,
        node: ChainNode,
        config: GovernorConfig,
        community_id: int,
        event: GovernorEvent,
        to_block: int,
    ) -> None:
        row = await self._row(session, community_id, config.chain, event)
        if isinstance(event, ProposalCreated):
            if row is None:
                row = new_row(community_id, config.chain, event)
                session.add(row)
                await self._announce(session, node, config, row, "created", to_block, read=False)
            return
        if row is None:
            return  # a proposal created before we followed this governor
        if (event.block_number, event.log_index) <= (row.seen_block, row.seen_log):
            return  # applied when this range was read before
        row.seen_block, row.seen_log = event.block_number, event.log_index
        if isinstance(event, VoteCast):
            row.voters += 1
            session.add(row)
            now = self.proposals.ctx.clock.now()
            await record_vote(session, community_id, row.key, event.voter, now)  # for digests
            return
        if isinstance(event, ProposalQueued):
            row.eta = event.eta
        if not isinstance(event, ProposalCanceled):  # a canceled vote never opened or closed
            await self._advance(session, node, config, row, to_block)  # closed comes first
        row.stage = _EVENT_STAGE[type(event)]
        session.add(row)
        await self._announce(session, node, config, row, row.stage, to_block)

    async def _advance(
        self,
        session: AsyncSession,
        node: ChainNode,
        config: GovernorConfig,
        row: GovernorProposal,
        to_block: int,
    ) -> None:
        """Announce the steps of the vote the range's end has reached, in order."""
        facts = await self.facts(node, config)
        now = self.proposals.ctx.clock.now()
        current = to_block if facts.clock_is_blocks else int(now.timestamp())
        ends_at = when(row.vote_end, facts, config, to_block, now)
        due = []
        if row.stage == "created" and current > row.vote_start:
            due.append("opened")
        voting = row.vote_start < current <= row.vote_end
        ending = timedelta(hours=self.proposals.config.votes.ending_hours)
        if row.stage in ("created", "opened") and voting and ends_at - now <= ending:
            due.append("ending")
        if row.stage in ("created", "opened", "ending") and current > row.vote_end:
            due.append("closed")
        for kind in due:
            row.stage = kind
            session.add(row)
            await self._announce(session, node, config, row, kind, to_block)

    async def _announce(
        self,
        session: AsyncSession,
        node: ChainNode,
        config: GovernorConfig,
        row: GovernorProposal,
        kind: str,
        to_block: int,
        *,
        read: bool = True,
    ) -> None:
        facts = await self.facts(node, config)
        reading: ProposalReading | None = None
        if read:
            reading = await read_proposal(
                node,
                row.governor,
                int(row.proposal_id),
                snapshot=row.vote_start,
                block=hex(to_block),
            )
        now = self.proposals.ctx.clock.now()
        event = vote_event(kind, row.community_id, row, config, facts, reading, to_block, now)
        await announce(session, self.proposals, row.community_id, event)
        if reading is not None and kind in ("closed", "queued") and passed(reading):
            await record_passed(session, passed_proposal(row, event, facts, reading))

    async def facts(self, node: ChainNode, config: GovernorConfig) -> GovernorFacts:
        key = (config.chain, config.address)
        if key not in self._facts:
            self._facts[key] = await read_governor(node, config.address)
        return self._facts[key]

    async def _community(self, session: AsyncSession, slug: str) -> int | None:
        if slug not in self._communities:
            found = await session.exec(select(Community.id).where(Community.slug == slug))
            self._communities[slug] = found.first()
            if self._communities[slug] is None:
                log.warning("a governor's community is not configured", extra={"community": slug})
        return self._communities[slug]

    async def _row(
        self, session: AsyncSession, community_id: int, chain: str, event: GovernorEvent
    ) -> GovernorProposal | None:
        found = await session.exec(
            select(GovernorProposal).where(
                GovernorProposal.community_id == community_id,
                GovernorProposal.chain == chain,
                GovernorProposal.governor == event.governor,
                GovernorProposal.proposal_id == str(event.proposal_id),
            )
        )
        return found.first()


@asynccontextmanager
async def start_governors(proposals: Proposals) -> AsyncIterator[None]:
    """Register the governors' log interests with the treasury's polls; withdraw them at stop."""
    watch = GovernorWatch(proposals)
    interests = watch.interests()
    for interest in interests:
        proposals.ctx.chain_logs.register(interest)
    proposals.governors = watch
    if watch.governors:
        proposals.ctx.health.add(watch.health)
        proposals.ctx.scheduler.every("proposals.governors.remind", REMIND_EVERY, watch.remind_job)
    try:
        yield
    finally:
        for interest in interests:
            proposals.ctx.chain_logs.unregister(interest)
