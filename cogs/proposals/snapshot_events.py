"""What a Snapshot proposal's state calls for, as pure functions over the hub's answer: which
event is due (created, opened, ending, closed), the outcome in words, and whether it passed.

When a proposal is first seen its "created" is due, and of opened, ending and closed only the
latest that applies: a proposal found already in its last day is not announced as just opened.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from cogs.proposals.snapshot_hub import HubProposal
from cogs.proposals.votes_event import VoteEvent

# Choices that reject a proposal when they win (Snapshot's basic voting is For/Against/Abstain).
REJECTING = frozenset({"against", "no", "reject", "nay", "abstain", "do nothing", "none"})
# A closed vote's scores are final a little after its end; past this, they are taken as they are.
FINAL_SCORES_WAIT = timedelta(hours=1)


def when(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def due_kinds(
    proposal: HubProposal, now: datetime, announced: Collection[str], ending_before: timedelta
) -> list[str]:
    """The events to announce now, in order (none that was announced already)."""
    due = [] if "created" in announced else ["created"]
    phase = phase_of(proposal, now, ending_before)
    if phase is not None and phase not in announced:
        due.append(phase)
    return due


def phase_of(proposal: HubProposal, now: datetime, ending_before: timedelta) -> str | None:
    if proposal.state == "closed":
        waited = now >= when(proposal.end) + FINAL_SCORES_WAIT
        return "closed" if proposal.scores_state != "pending" or waited else None
    if proposal.state != "active":
        return None
    if now >= when(proposal.end) - ending_before:
        return "ending"
    return "opened"


def single_choice(proposal: HubProposal) -> bool:
    return proposal.type in ("single-choice", "basic", "")


def quorum_reached(proposal: HubProposal) -> bool:
    return proposal.quorum <= 0 or proposal.scores_total >= proposal.quorum


def winner(proposal: HubProposal) -> tuple[str, float] | None:
    """The leading choice and its share of the votes; None without votes or on a tie."""
    if not proposal.scores or proposal.scores_total <= 0:
        return None
    ranked = sorted(zip(proposal.choices, proposal.scores, strict=False), key=lambda c: -c[1])
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    choice, score = ranked[0]
    return choice, score / proposal.scores_total


def passed(proposal: HubProposal) -> bool:
    """A single-choice vote whose leading choice approves, with its quorum; other voting types
    (approval, ranked, weighted) name no single outcome and are never taken as passed."""
    top = winner(proposal)
    return (
        single_choice(proposal)
        and top is not None
        and top[0].strip().lower() not in REJECTING
        and quorum_reached(proposal)
    )


def result_text(proposal: HubProposal) -> str:
    if not quorum_reached(proposal):
        return f"No quorum: {proposal.scores_total:,.0f} of {proposal.quorum:,.0f} needed"
    top = winner(proposal)
    if top is None:
        return "No outcome: no votes, or a tie"
    choice, share = top
    if not single_choice(proposal):
        return f"Leading choice: {choice} ({share:.0%})"
    verdict = "Passed" if passed(proposal) else "Not passed"
    return f"{verdict}: {choice} {share:.0%}"


def vote_event(proposal: HubProposal, community_id: int, kind: str) -> VoteEvent:
    return VoteEvent(
        source="snapshot",
        community_id=community_id,
        proposal=f"snapshot:{proposal.id}",
        title=proposal.title,
        link=proposal.link,
        kind=kind,
        choices=proposal.choices,
        tally=tuple(zip(proposal.choices, proposal.scores, strict=False)),
        total=proposal.scores_total,
        quorum=proposal.quorum,
        quorum_reached=quorum_reached(proposal) if proposal.quorum > 0 else None,
        starts_at=when(proposal.start),
        ends_at=when(proposal.end),
        result=result_text(proposal) if kind == "closed" else "",
        voters=proposal.votes,
        voting_type=proposal.type or "single-choice",
        body=proposal.body,
    )
