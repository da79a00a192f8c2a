"""A proposal as /ask quotes it: its outcome in words, and which later proposal supersedes it.

Pure functions over what the feature stored (records_load.py reads it). A proposal's outcome
comes from its followed vote: "Passed on 12 May 2026: 1,204 For, 310 Against, 0 Abstain
(decided by vote).",
then a Governor's later steps ("Queued for execution on …", "Executed on …"). A published draft
whose vote is not followed says where and when it was published.

Supersession, decided from the stored data alone. A later proposal B supersedes an earlier A
(earlier by publication, or the vote's start) when they are linked:
  * both are drafts made from the same forum topic (a chat channel holds many debates, so
    drafts from one channel are not linked by that alone);
  * their titles carry the same proposal number ("AIP-12: …" and "AIP-12 v2: …");
  * B's title or text says it replaces A: "replaces", "supersedes", "amends", "revises",
    "updates", "overrides" or "revision of" followed by A's number or A's title;
  * their titles are the same once tags ("[Grant]"), numbers and version marks ("v2",
    "revised", "updated") are taken out;
and B's outcome can replace A's: a rejected or canceled B replaces nothing, and a passed A is
replaced only by a passed B (a revision still being voted on does not undo a decision). A
proposal superseded several times over names the newest: "superseded by <title> (<date>)".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from cogs.proposals.votes_render import amount

# Statuses of a proposal's outcome; the first three are final decisions.
PASSED, REJECTED, DECIDED = "passed", "rejected", "decided"
CANCELED, OPEN, PUBLISHED = "canceled", "open", "published"
DECISIONS = frozenset({PASSED, REJECTED, DECIDED})
MAX_BODY = 2400
_PLACES = {"forum": "the forum", "snapshot": "Snapshot"}


@dataclass(frozen=True)
class VoteFacts:
    """A followed vote as last seen (vote_models.FollowedProposal) and when each of its last
    steps was recorded (vote_announcement: closed, queued, executed, canceled)."""

    state: str
    result: str
    choices: tuple[str, ...]
    scores: tuple[float, ...]
    total: float
    starts_at: datetime | None
    ends_at: datetime | None
    updated_at: datetime | None
    steps: Mapping[str, datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class ProposalRecord:
    key: str  # "draft:<number>", "snapshot:<id>", "governor:<chain>:<address>:<id>"
    title: str
    body: str  # what it asks, as published
    url: str
    published_at: datetime | None
    vote: VoteFacts | None = None
    places: tuple[str, ...] = ()  # where a draft was published: "forum", "snapshot"
    discussion: str = ""  # the forum topic a draft was made from ("discourse:…"), else ""

    @property
    def put_forward(self) -> datetime | None:
        """When it was published, or its vote started (or was last seen, lacking both)."""
        if self.published_at is not None or self.vote is None:
            return self.published_at
        return self.vote.starts_at or self.vote.updated_at

    @property
    def since(self) -> datetime:
        """What "later" means between two proposals."""
        return self.put_forward or datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Outcome:
    status: str
    sentence: str
    decided_at: datetime | None = None

    @property
    def final(self) -> bool:
        return self.status in DECISIONS


def day(moment: datetime) -> str:
    moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y}"


def tally(vote: VoteFacts) -> str:
    if not vote.scores or vote.total <= 0:
        return "no votes"
    pairs = zip(vote.choices, vote.scores, strict=False)
    return ", ".join(f"{amount(score)} {choice}" for choice, score in pairs)


def outcome(record: ProposalRecord) -> Outcome:
    vote = record.vote
    if vote is None:
        places = " and ".join(_PLACES.get(p, p) for p in record.places) or "the forum"
        when = f" on {day(record.published_at)}" if record.published_at else ""
        return Outcome(PUBLISHED, f"Published on {places}{when}; no vote on it is followed.")
    if vote.state == "canceled":
        canceled_at = vote.steps.get("canceled") or vote.updated_at
        on = f" on {day(canceled_at)}" if canceled_at else ""
        return Outcome(CANCELED, f"Canceled{on}.", canceled_at)
    if vote.state not in ("closed", "queued", "executed"):
        if vote.ends_at is None:
            return Outcome(OPEN, "The vote is not closed yet.")
        so_far = f": {tally(vote)} so far" if vote.total > 0 else ""
        return Outcome(OPEN, f"Voting until {day(vote.ends_at)}{so_far}.")
    closed_at = vote.ends_at or vote.steps.get("closed") or vote.updated_at
    status, verdict = _verdict(vote)
    when = f" on {day(closed_at)}" if closed_at else ""
    # "decided" in words: questions ask "what did we decide", and a vote's outcome is that.
    sentence = f"{verdict}{when}: {tally(vote)} (decided by vote)."
    if status != PASSED and vote.result:
        sentence += f" {vote.result.rstrip('.')}."
    for step, words in (("queued", "Queued for execution"), ("executed", "Executed")):
        if step in vote.steps or vote.state == step:
            at = vote.steps.get(step)
            sentence += f" {words}{f' on {day(at)}' if at else ''}."
    return Outcome(status, sentence, closed_at)


def _verdict(vote: VoteFacts) -> tuple[str, str]:
    if vote.state in ("queued", "executed") or vote.result.startswith("Passed"):
        return PASSED, "Passed"
    if vote.result.startswith("Leading choice"):
        return DECIDED, "Vote closed"
    return REJECTED, "Rejected"


# -- supersession ----------------------------------------------------------------------------

_NUMBER = re.compile(r"\b([A-Z]{2,10})-(\d{1,5})\b")
# Standards titles cite, not proposal numbers: "Adopt ERC-20 votes" names no proposal.
_STANDARDS = frozenset({"ERC", "EIP", "BIP", "CAIP", "SLIP", "RFC", "ISO"})
_REPLACING = re.compile(
    r"\b(?:replaces|replacing|supersedes|superseding|amends|amending|revises|revising|"
    r"updates|overrides|revision of|new version of)\b\s*([^.\n;]{1,160})",
    re.IGNORECASE,
)
_TAGS = re.compile(r"\[[^\]]*\]")
_VERSION = re.compile(r"\b(?:v\d+(?:\.\d+)*|version \d+|revised|updated|amended)\b", re.IGNORECASE)


def numbers_in(text: str) -> list[str]:
    """Proposal numbers ("AIP-12") in the text, in order; standards ("ERC-20") left out."""
    return [f"{m[1]}-{m[2]}" for m in _NUMBER.finditer(text) if m[1] not in _STANDARDS]


def number_of(title: str) -> str | None:
    """The proposal's number as its title gives it first ("AIP-12"), if any."""
    found = numbers_in(title)
    return found[0] if found else None


def plain_title(title: str) -> str:
    """The title without tags, numbers, version marks and punctuation, lower-cased."""
    text = _VERSION.sub(" ", _NUMBER.sub(" ", _TAGS.sub(" ", title)))
    return " ".join(re.findall(r"\w+", text.lower()))


@dataclass(frozen=True)
class _Marks:
    number: str | None
    plain: str
    replaces: tuple[str, ...]  # what follows each "replaces …", as plain text
    replaced_numbers: frozenset[str]


def _marks(record: ProposalRecord) -> _Marks:
    return _marks_of(record.title, record.body)


@lru_cache(maxsize=20_000)
def _marks_of(title: str, body: str) -> _Marks:
    """Read once per text: a community's proposals are read again on every question."""
    clauses = [m[1] for m in _REPLACING.finditer(f"{title}\n{body}")]
    numbers = frozenset(n for c in clauses for n in numbers_in(c))
    return _Marks(
        number_of(title),
        plain_title(title),
        tuple(" ".join(re.findall(r"\w+", c.lower())) for c in clauses),
        numbers,
    )


def linked(earlier: ProposalRecord, later: ProposalRecord) -> bool:
    return _linked(earlier, _marks(earlier), later, _marks(later))


def _forum_topic(record: ProposalRecord) -> str:
    return record.discussion if record.discussion.startswith("discourse:") else ""


def _linked(a: ProposalRecord, am: _Marks, b: ProposalRecord, bm: _Marks) -> bool:
    if _forum_topic(a) and _forum_topic(a) == _forum_topic(b):
        return True
    if am.number is not None and (am.number == bm.number or am.number in bm.replaced_numbers):
        return True
    if am.plain and any(am.plain in clause for clause in bm.replaces):
        return True
    return bool(am.plain) and am.plain == bm.plain


def can_replace(earlier: Outcome, later: Outcome) -> bool:
    if later.status in (REJECTED, CANCELED):
        return False
    return earlier.status not in (PASSED, DECIDED) or later.status in (PASSED, DECIDED)


def successors(
    records: Sequence[ProposalRecord], outcomes: Mapping[str, Outcome]
) -> dict[str, ProposalRecord]:
    """For each superseded proposal's key, the newest proposal that supersedes it.

    Each proposal is compared only with the earlier ones that share something it could be
    linked by (a forum topic, a number, a plain title), or, when it says it replaces
    something, with every earlier one: not every pair, which grew as the square of the count.
    """
    ordered = sorted(((r.since, r.key, r) for r in records), key=lambda t: (t[0], t[1]))
    marks = {key: _marks(r) for _, key, r in ordered}
    by_clue: dict[tuple[str, str], list[tuple[datetime, ProposalRecord]]] = defaultdict(list)
    earlier_ones: list[tuple[datetime, ProposalRecord]] = []
    direct: dict[str, ProposalRecord] = {}
    for since, key, later in ordered:
        mark = marks[key]
        own = [("number", mark.number or ""), ("topic", _forum_topic(later)), ("plain", mark.plain)]
        clues = own + [("number", n) for n in mark.replaced_numbers]
        pool = earlier_ones if mark.replaces else [c for k in clues for c in by_clue.get(k, [])]
        for before, earlier in pool:
            if before == since or not can_replace(outcomes[earlier.key], outcomes[key]):
                continue
            if _linked(earlier, marks[earlier.key], later, mark):
                direct[earlier.key] = later  # proposals come in order: the latest wins
        for clue in own:
            if clue[1]:
                by_clue[clue].append((since, later))
        earlier_ones.append((since, later))
    newest: dict[str, ProposalRecord] = {}
    for key, successor in direct.items():
        seen = {key}
        while successor.key in direct and successor.key not in seen:
            seen.add(successor.key)
            successor = direct[successor.key]
        newest[key] = successor
    return newest


def superseded_note(successor: ProposalRecord, outcome_of_successor: Outcome) -> str:
    when = outcome_of_successor.decided_at or successor.since
    return f"superseded by {successor.title} ({day(when)})"


def clip(text: str, limit: int = MAX_BODY) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
