"""How a vote's events read in chat: the tally, the quorum's progress, when it ends, the link,
and, while a single-choice vote with at most five choices is open, one button per choice that
opens the proposal's page (where the vote is cast)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from bot.commands.reply import Button, Field, Link, Reply, Tone
from cogs.proposals.votes_event import VoteEvent

# Voting types whose members pick one choice (Snapshot's "basic" is For/Against/Abstain).
SINGLE_CHOICE = ("single-choice", "basic")
MAX_CHOICE_BUTTONS = 5
_HEADINGS = {
    "created": "New proposal",
    "opened": "Voting is open",
    "ending": "Voting ends soon",
    "closed": "Vote closed",
    "queued": "Queued for execution",
    "executed": "Executed",
    "canceled": "Canceled",
}
_TONES = {"closed": Tone.SUCCESS, "executed": Tone.SUCCESS, "canceled": Tone.WARNING}
_SOURCE_NAMES = {"snapshot": "Snapshot", "governor": "on-chain Governor"}


def render_event(event: VoteEvent, now: datetime) -> Reply:
    fields: list[Field] = []
    if event.tally and event.kind != "created":
        fields.append(Field("Tally", tally_lines(event.tally, event.total, event.symbol)))
    if event.quorum and event.kind != "created":
        fields.append(Field("Quorum", quorum_progress(event), inline=True))
    if event.voters and event.kind != "created":
        fields.append(Field("Voters", f"{event.voters:,}", inline=True))
    timing = timing_line(event, now)
    if timing:
        fields.append(Field("Voting", timing, inline=True))
    body = event.result if event.result else ""
    if event.kind == "created" and event.choices:
        body = f"Choices: {', '.join(event.choices)}"
    return Reply(
        title=f"{_HEADINGS[event.kind]}: {event.title or event.proposal}"[:250],
        body=body,
        fields=tuple(fields),
        links=(Link("Open the proposal", event.link),) if event.link else (),
        buttons=choice_buttons(event),
        footer=f"{_SOURCE_NAMES.get(event.source, event.source)} · {event.proposal}"[:200],
        tone=_TONES.get(event.kind, Tone.INFO),
    )


def choice_buttons(event: VoteEvent) -> tuple[Button, ...]:
    """One link per choice while the vote can still be cast, for single-choice votes."""
    if (
        event.kind not in ("created", "opened", "ending")
        or not event.link
        or event.voting_type not in SINGLE_CHOICE
        or not 1 <= len(event.choices) <= MAX_CHOICE_BUTTONS
    ):
        return ()
    return tuple(Button(f"Vote {choice}"[:60], url=event.link) for choice in event.choices)


def tally_lines(tally: Sequence[tuple[str, float]], total: float, symbol: str = "") -> str:
    unit = f" {symbol}" if symbol else ""
    lines = []
    for choice, score in tally:
        share = f" ({score / total:.0%})" if total else ""
        lines.append(f"{choice}: {amount(score)}{unit}{share}")
    return "\n".join(lines) or "no votes yet"


def quorum_progress(event: VoteEvent) -> str:
    counted = event.total if event.toward_quorum is None else event.toward_quorum
    reached = event.quorum_reached
    if reached is None:
        reached = counted >= event.quorum
    share = counted / event.quorum if event.quorum else 0.0
    state = "reached" if reached else f"{share:.0%} of it so far"
    which = "" if event.toward_quorum is None else " (For and Abstain count)"
    return f"{amount(counted)} of {amount(event.quorum)}{which}: {state}"


def timing_line(event: VoteEvent, now: datetime) -> str:
    if event.kind == "created" and event.starts_at is not None and event.starts_at > now:
        return f"opens {moment(event.starts_at, now)}"
    if event.ends_at is None:
        return ""
    if event.ends_at > now:
        return f"ends {moment(event.ends_at, now)}"
    return f"ended {event.ends_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def moment(when: datetime, now: datetime) -> str:
    """'in 23 h (2026-12-02 14:00 UTC)'."""
    return f"in {span(when - now)} ({when.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"


def span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h"
    return f"{hours // 24} days"


def amount(value: float) -> str:
    if value >= 100 or value == int(value):
        return f"{value:,.0f}"
    return f"{value:,.2f}"
