"""The proposals feature's digest items, as pure functions over stored rows: votes that need
the reader, drafts of theirs that fail a check, votes opened and closed with their results and
quorum, and what is coming up (votes ending, queued Governor proposals, timeline deadlines).

Text from outside (proposal titles from Snapshot or a Governor's description, draft titles and
timelines written by members) goes through `plain`: no pings, no control characters, no
Markdown that could turn into a link or break the emphasis around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.commands.options import clean_text
from bot.commands.sanitize import neutralize_all_mentions
from bot.digest_parts import DigestItem, Section
from cogs.proposals.digest_timeline import Deadline
from cogs.proposals.publish_checks import Finding
from cogs.proposals.votes_render import amount, span

NEEDS_YOU_WITHIN = timedelta(hours=48)
COMING_UP_WITHIN = timedelta(days=7)
DEADLINES_WITHIN = timedelta(days=30)
VENUES = {"snapshot": "Snapshot", "governor": "the Governor"}
AFTER_PASSING = {"queued": "Passed, and queued", "executed": "Passed, and executed"}
_MARKUP = re.compile(r"[*_`~|]")


def plain(text: str, limit: int = 120) -> str:
    """Untrusted text as it may stand in a digest line."""
    text = " ".join(clean_text(text).split())
    text = _MARKUP.sub("", text).replace("[", "(").replace("]", ")").replace("<", "‹")
    text = neutralize_all_mentions(text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Vote:
    """A followed proposal as stored (`vote_models.FollowedProposal`), times in UTC."""

    key: str
    source: str  # snapshot, governor
    title: str
    link: str
    state: str
    choices: tuple[str, ...]
    scores: tuple[float, ...]
    total: float
    quorum: float
    voters: int
    result: str
    starts_at: datetime | None
    ends_at: datetime | None

    @property
    def closed(self) -> bool:
        return self.state in ("closed", "queued", "executed", "canceled")

    @property
    def venue(self) -> str:
        return VENUES.get(self.source, self.source)

    @property
    def name(self) -> str:
        return f"**{plain(self.title) or self.key}**"

    def quorum_reached(self) -> bool | None:
        """None when the vote has no quorum (or none is known)."""
        if self.quorum <= 0:
            return None
        if self.source == "governor" and len(self.scores) >= 3:
            # GovernorCountingSimple: For and Abstain count toward the quorum.
            return self.scores[0] + self.scores[2] >= self.quorum
        return self.total >= self.quorum


def needs_vote(vote: Vote, end: datetime, addresses: tuple[str, ...]) -> DigestItem:
    """A vote ending within 48 h that no linked wallet of the reader has cast."""
    ends_at = vote.ends_at or end
    wallets = ", ".join(_short(a) for a in addresses[:2]) + (
        f" and {len(addresses) - 2} more" if len(addresses) > 2 else ""
    )
    return DigestItem(
        Section.NEEDS_YOU,
        f"Vote on {vote.name} on {vote.venue}: it ends in {span(ends_at - end)}, and no vote "
        f"from your linked wallet{'s' if len(addresses) > 1 else ''} {wallets} has been seen.",
        url=vote.link or None,
        at=ends_at,
        rank=100 - (ends_at - end).total_seconds() / 3600,
        key=f"proposals:vote:{vote.key}",
    )


def failing_draft(
    number: int, title: str, findings: list[Finding], url: str | None, at: datetime
) -> DigestItem:
    first = findings[0]
    more = f" (and {len(findings) - 1} more problem{'s' if len(findings) > 2 else ''})"
    return DigestItem(
        Section.NEEDS_YOU,
        f"Your draft #{number} {f'**{plain(title)}** ' if plain(title) else ''}fails the "
        f"{first.check} check: {plain(first.message, 200)}"
        f"{more if len(findings) > 1 else ''} See /draft check id={number}.",
        url=url,
        at=at,
        rank=10,
        key=f"proposals:draft:{number}",
    )


def opened(vote: Vote, end: datetime) -> DigestItem:
    when = f" It ends in {span(vote.ends_at - end)}." if vote.ends_at and vote.ends_at > end else ""
    return DigestItem(
        Section.VOTES,
        f"Voting opened on {vote.name} on {vote.venue}.{when}",
        url=vote.link or None,
        at=vote.starts_at,
        rank=1 + _recent(vote.starts_at, end),
        key=f"proposals:opened:{vote.key}",
    )


def closed(vote: Vote, end: datetime) -> DigestItem:
    # A Governor's result moves on to its queueing and execution; what was decided stays passed.
    outcome = AFTER_PASSING.get(vote.state) or plain(vote.result, 160) or "Closed"
    reached = vote.quorum_reached()
    if reached is False and "quorum" in outcome.lower():
        reached = None  # the result says it already ("No quorum: 100 of 500 needed")
    quorum = {
        None: "",
        True: f" Quorum reached ({amount(_toward(vote))} of {amount(vote.quorum)}).",
        False: f" Quorum not reached ({amount(_toward(vote))} of {amount(vote.quorum)}).",
    }[reached]
    return DigestItem(
        Section.VOTES,
        f"{vote.name} on {vote.venue}: {outcome}{_tally(vote)}.{quorum}",
        url=vote.link or None,
        at=vote.ends_at,
        rank=2 + _recent(vote.ends_at, end),
        key=f"proposals:closed:{vote.key}",
    )


def ending(vote: Vote, end: datetime) -> DigestItem:
    ends_at = vote.ends_at or end
    return DigestItem(
        Section.COMING_UP,
        f"Voting on {vote.name} on {vote.venue} ends in {span(ends_at - end)}"
        f"{_tally(vote, so_far=True)}.",
        url=vote.link or None,
        at=ends_at,
        rank=_soon(ends_at, end),
        key=f"proposals:ending:{vote.key}",
    )


def queued(
    key: str, title: str, eta: datetime | None, url: str | None, tx: str, end: datetime
) -> DigestItem:
    if eta is None:
        when = "queued for execution"
    elif eta > end:
        when = f"queued; it can be executed in {span(eta - end)}"
    else:
        when = "queued and can be executed now"
    name = f"**{plain(title)}**" if plain(title) else f"Proposal {key.rsplit(':', 1)[-1][:12]}"
    created = "" if url else f" (proposed in transaction {tx[:10]}…{tx[-4:]})"
    return DigestItem(
        Section.COMING_UP,
        f"{name} on the Governor is {when}{created}.",
        url=url,
        at=eta,
        rank=_soon(eta or end, end),
        key=f"proposals:queued:{key}",
    )


def deadline(
    number: int, title: str, found: Deadline, url: str | None, end: datetime
) -> DigestItem:
    # A calendar day, not a moment: it stands at noon UTC, which is that same day from UTC-11 to
    # UTC+11, so the renderer orders it among the other coming things and shows the right day.
    day = datetime.combine(found.day, time(12), UTC)
    return DigestItem(
        Section.COMING_UP,
        f"{found.day:%b} {found.day.day}, from the timeline of draft #{number} "
        f"{f'**{plain(title)}**' if plain(title) else ''}: “{plain(found.line, 160)}”",
        url=url,
        at=day,
        all_day=True,
        rank=_soon(day, end) - 0.5,
        key=f"proposals:deadline:{number}:{found.day.isoformat()}",
    )


def future(found: Deadline, end: datetime) -> bool:
    return end.date() <= found.day <= (end + DEADLINES_WITHIN).date()


def _tally(vote: Vote, *, so_far: bool = False) -> str:
    if vote.total <= 0 or not vote.scores:
        return ""
    shares = ", ".join(
        f"{plain(choice, 40)} {score / vote.total:.0%}"
        for choice, score in zip(vote.choices, vote.scores, strict=False)
    )
    return f" ({'so far: ' if so_far else ''}{shares})"


def _toward(vote: Vote) -> float:
    if vote.source == "governor" and len(vote.scores) >= 3:
        return vote.scores[0] + vote.scores[2]
    return vote.total


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}" if len(address) > 12 else address


def _recent(at: datetime | None, end: datetime) -> float:
    """Between 0 and 1: the more recent, the higher."""
    if at is None:
        return 0.0
    return 1 / (1 + max(0.0, (end - at).total_seconds()) / 86400)


def _soon(at: datetime, end: datetime) -> float:
    """Sooner first: higher for what comes first."""
    return -max(0.0, (at - end).total_seconds()) / 3600
