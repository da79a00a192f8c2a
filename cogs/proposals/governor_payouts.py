"""A passed Governor proposal for the payouts book: its calls' transfers, exact to the base unit.

The payouts part checks a Safe's queued payment against the passed proposals of its community
(`payout_book`); for a Governor proposal the asks are what its calls would pay, decoded by
`payout_asks.asks_from_calls` (token transfers and native value), in the governor token's units
where the token is the governor's own.
"""

from __future__ import annotations

from chain.governor import GovernorFacts, ProposalReading
from cogs.proposals.governor_models import GovernorProposal
from cogs.proposals.payout_asks import asks_from_calls
from cogs.proposals.payout_book import PassedProposal
from cogs.proposals.votes_announce import VoteEvent

PASSED_STATES = frozenset({"succeeded", "queued", "executed"})


def passed(reading: ProposalReading) -> bool:
    return reading.state in PASSED_STATES


def passed_proposal(
    row: GovernorProposal, event: VoteEvent, facts: GovernorFacts, reading: ProposalReading
) -> PassedProposal:
    decided = reading.for_ + reading.against
    asks = asks_from_calls(
        row.targets,
        [int(v) for v in row.values],
        row.calldatas,
        {facts.token: facts.token_decimals},
    )
    return PassedProposal(
        community_id=row.community_id,
        key=row.key,
        title=row.title,
        link=event.link,
        for_share=reading.for_ / decided if decided else None,
        decided_at=event.at or event.ends_at or row.updated_at,
        asks=tuple(asks),
    )
