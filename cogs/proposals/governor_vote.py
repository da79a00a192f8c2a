"""A followed Governor proposal as a `VoteEvent` for the announcer: title, link, tally in token
units, quorum, times and the result in words. Pure: the watcher reads, this describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chain.governor import GovernorFacts, ProposalReading
from cogs.proposals.config import GovernorConfig
from cogs.proposals.governor_models import GovernorProposal
from cogs.proposals.votes_announce import VoteEvent

CHOICES = ("For", "Against", "Abstain")


def when(
    timepoint: int, facts: GovernorFacts, config: GovernorConfig, head: int, now: datetime
) -> datetime:
    """A timepoint of the governor's clock as a time: exact for mode=timestamp, estimated from
    the block time for block numbers."""
    if not facts.clock_is_blocks:
        return datetime.fromtimestamp(timepoint, UTC)
    return now + timedelta(seconds=(timepoint - head) * config.seconds_per_block)


def result_of(kind: str, reading: ProposalReading | None, row: GovernorProposal) -> str:
    if kind == "canceled":
        return "Canceled"
    if kind == "executed":
        return "Executed"
    if kind == "queued":
        if row.eta:
            return (
                f"Queued: executable from {datetime.fromtimestamp(row.eta, UTC):%Y-%m-%d %H:%M} UTC"
            )
        return "Queued"
    if kind != "closed" or reading is None:
        return ""
    share = _for_share(reading)
    if reading.state in ("succeeded", "queued", "executed"):
        return f"Passed: For {share}"
    if reading.quorum_reached is False:
        return f"Defeated: quorum not reached (For {share})"
    return f"Defeated: For {share}"


def _for_share(reading: ProposalReading) -> str:
    decided = reading.for_ + reading.against
    return f"{round(100 * reading.for_ / decided)} %" if decided else "0 %"


def vote_event(
    kind: str,
    community_id: int,
    row: GovernorProposal,
    config: GovernorConfig,
    facts: GovernorFacts,
    reading: ProposalReading | None,
    head: int,
    now: datetime,
) -> VoteEvent:
    unit = 10**facts.token_decimals
    tally: tuple[tuple[str, float], ...] = ()
    quorum = 0.0
    reached = None
    toward: float | None = None
    if reading is not None:
        # GovernorCountingSimple: For and Abstain count toward the quorum, Against does not.
        toward = (reading.for_ + reading.abstain) / unit
        scores = (reading.for_, reading.against, reading.abstain)
        tally = tuple((choice, score / unit) for choice, score in zip(CHOICES, scores, strict=True))
        quorum = (reading.quorum or 0) / unit
        reached = reading.quorum_reached
    return VoteEvent(
        source="governor",
        community_id=community_id,
        proposal=row.key,
        title=row.title,
        link=config.link.replace("{id}", row.proposal_id) if config.link else "",
        kind=kind,
        choices=CHOICES,
        tally=tally,
        total=sum(score for _, score in tally),
        quorum=quorum,
        quorum_reached=reached,
        toward_quorum=toward,
        starts_at=when(row.vote_start, facts, config, head, now),
        ends_at=when(row.vote_end, facts, config, head, now),
        result=result_of(kind, reading, row),
        voters=row.voters,
        symbol=facts.token_symbol,
        at=now,
    )
