"""Reminders before a Governor vote ends: members who opted in and whose linked wallets have not
voted get a direct message once, when the vote enters its last `[proposals.votes] remind_hours`.

It runs on the scheduler, not in the log handler: `votes_remind.remind_members` opens its own
transactions, and the handler runs inside the treasury's. It reads the chain through the node the
treasury's last poll of that chain handed the watcher, and asks `hasVoted` for every linked
wallet in one batch (`chain.governor.read_proposal(..., voters=...)`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlmodel import col, select

from chain.governor import GovernorFacts, read_proposal
from chain.node import ChainNode
from cogs.proposals.config import GovernorConfig
from cogs.proposals.governor_models import GovernorProposal
from cogs.proposals.governor_vote import when
from cogs.proposals.runtime import Proposals
from cogs.proposals.votes_remind import OpenVote, VotedAmong, remind_members

REMIND_EVERY = timedelta(minutes=1)
# A governor's facts (clock, token), as the watcher caches them.
FactsOf = Callable[[ChainNode, GovernorConfig], Awaitable[GovernorFacts]]


def voted_among(node: ChainNode, row: GovernorProposal) -> VotedAmong:
    async def ask(addresses: Sequence[str]) -> set[str]:
        reading = await read_proposal(
            node, row.governor, int(row.proposal_id), snapshot=row.vote_start, voters=addresses
        )
        return {address for address, voted in reading.voted.items() if voted}

    return ask


async def remind_open_votes(
    proposals: Proposals,
    config_of: dict[tuple[str, str], GovernorConfig],
    nodes: dict[str, tuple[ChainNode, int]],
    facts_of: FactsOf,
) -> int:
    """Remind for every followed vote now within `remind_hours` of its end; how many messages."""
    ctx = proposals.ctx
    window = timedelta(hours=proposals.config.votes.remind_hours)
    async with ctx.db.read() as session:
        rows = (
            await session.exec(
                select(GovernorProposal).where(
                    col(GovernorProposal.stage).in_(["opened", "ending"])
                )
            )
        ).all()
    sent = 0
    for row in rows:
        config = config_of.get((row.chain, row.governor.lower()))
        reached = nodes.get(row.chain)
        if config is None or reached is None:
            continue  # not configured any more, or its chain not polled yet
        node, head = reached
        facts = await facts_of(node, config)
        now = ctx.clock.now()
        ends_at = when(row.vote_end, facts, config, head, now)
        if not timedelta(0) < ends_at - now <= window:
            continue
        link = config.link.replace("{id}", row.proposal_id) if config.link else ""
        vote = OpenVote(row.key, row.title, link, ends_at, config.name or "the Governor")
        sent += await remind_members(proposals, row.community_id, vote, voted_among(node, row))
    return sent
