"""A vote's event, as a follower (Snapshot's poller, a Governor's watcher) saw it; announced by
`votes_announce.announce`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# Outbox keys of the votes part start with it.
KEY_PREFIX = "proposals.votes"
SOURCES = ("snapshot", "governor")
KINDS = ("created", "opened", "ending", "closed", "queued", "executed", "canceled")
# What a channel can choose; the Governor's last steps come with "closed".
CHANNEL_EVENTS = ("created", "opened", "ending", "closed")
_CHANNEL_EVENT_OF = {"queued": "closed", "executed": "closed", "canceled": "closed"}


@dataclass(frozen=True)
class VoteEvent:
    """Something that happened to a proposal's vote, as its follower saw it.

    `proposal` is the proposal's key: "snapshot:<id>" or "governor:<chain>:<address>:<id>".
    `tally` is (choice, score) in the order of `choices`; `total` their sum (Snapshot's
    scores_total; a Governor's for + against + abstain), `quorum` 0 when there is none, and
    `quorum_reached` None when unknown. Times are timezone-aware. `result` is the outcome in
    words for closed, queued, executed and canceled ("Passed: For 71 %").
    """

    source: str
    community_id: int
    proposal: str
    title: str
    link: str
    kind: str
    choices: tuple[str, ...] = ()
    tally: tuple[tuple[str, float], ...] = ()
    total: float = 0.0
    quorum: float = 0.0
    quorum_reached: bool | None = None
    # The votes that count toward the quorum when not all of them do (an OpenZeppelin Governor
    # counts For and Abstain, not Against); None: the total.
    toward_quorum: float | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    result: str = ""
    voters: int = 0
    voting_type: str = "single-choice"
    # A unit for scores (a Governor token's symbol; Snapshot's space symbol), "" for none.
    symbol: str = ""
    # When the event happened, for the listing (defaults to the store time).
    at: datetime | None = None
    # What the proposal asks (its Markdown body), kept for /ask; "" when the follower has none.
    body: str = ""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"a vote event's source is one of {SOURCES}, not {self.source!r}")
        if self.kind not in KINDS:
            raise ValueError(f"a vote event's kind is one of {KINDS}, not {self.kind!r}")

    @property
    def channel_event(self) -> str:
        return _CHANNEL_EVENT_OF.get(self.kind, self.kind)
