"""Checks a draft must pass before it is published: pure, over what the draft says.

Each check yields findings with one precise line each; an error blocks publishing, a warning
does not. The command (`/draft check`) gathers what is not in the draft itself (the names the
directory knows for recipient addresses, the target's limits) and passes it in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from eth_utils.address import is_checksum_address, to_checksum_address

from cogs.proposals.publish_limits import Limits

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
ENS_NAME = re.compile(r"^(?:[a-z0-9-]+\.)+eth$", re.IGNORECASE)
TODO = re.compile(r"\bTODO\b:?")
ABSTAIN = re.compile(r"^\s*abstain\b", re.IGNORECASE)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Finding:
    check: str  # sections, budget, recipients, discussion, limits, voting
    severity: Severity
    message: str


@dataclass(frozen=True)
class Ask:
    """One budget line: an amount of a token to a recipient. `amount` is None when the line
    has an amount nobody can read as a number; `raw` is the line as written."""

    amount: Decimal | None
    token: str
    recipient: str | None
    raw: str = ""


@dataclass(frozen=True)
class CheckedDraft:
    """What the checks read of a draft (built from the stored draft by the command)."""

    title: str
    # Section name -> its text, in the template's order.
    sections: Mapping[str, str]
    required_sections: Sequence[str]
    asks: Sequence[Ask]
    # The total the draft states, per token symbol.
    stated_total: Mapping[str, Decimal]
    voting_options: Sequence[str]
    abstain_required: bool
    discussion_link: str | None
    # The text as it would be published (Markdown).
    body: str


def check_draft(
    draft: CheckedDraft, limits: Limits, names: Mapping[str, Sequence[str]] | None = None
) -> list[Finding]:
    """Every finding, in the order a steward fixes them. `names`: checksummed address -> the
    names the directory knows for it."""
    return [
        *check_sections(draft),
        *check_budget(draft),
        *check_recipients(draft, names or {}),
        *check_discussion(draft),
        *check_limits(draft, limits),
        *check_voting(draft),
    ]


def blocking(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def check_sections(draft: CheckedDraft) -> Iterator[Finding]:
    for name in draft.required_sections:
        text = draft.sections.get(name)
        if text is None:
            yield Finding("sections", Severity.ERROR, f"The section “{name}” is missing.")
        elif not text.strip():
            yield Finding("sections", Severity.ERROR, f"The section “{name}” is empty.")
    for name, text in draft.sections.items():
        if TODO.search(text):
            line = next(line.strip() for line in text.splitlines() if TODO.search(line))
            yield Finding(
                "sections",
                Severity.ERROR,
                f"The section “{name}” still has a TODO: “{_clip(line)}”.",
            )
    if not draft.title.strip():
        yield Finding("sections", Severity.ERROR, "The title is empty.")
    elif TODO.search(draft.title):
        yield Finding("sections", Severity.ERROR, "The title still has a TODO.")


def check_budget(draft: CheckedDraft) -> Iterator[Finding]:
    added: dict[str, Decimal] = {}
    for number, ask in enumerate(draft.asks, start=1):
        if ask.amount is None:
            yield Finding(
                "budget",
                Severity.ERROR,
                f"Budget line {number} (“{_clip(ask.raw)}”) has an amount that is not a number.",
            )
            continue
        if not ask.token.strip():
            yield Finding(
                "budget",
                Severity.ERROR,
                f"Budget line {number} ({_amount(ask.amount)}) names no token.",
            )
            continue
        added[ask.token.upper()] = added.get(ask.token.upper(), Decimal(0)) + ask.amount
    stated = {token.upper(): amount for token, amount in draft.stated_total.items()}
    for token in sorted(added.keys() | stated.keys()):
        lines, total = added.get(token), stated.get(token)
        if total is None:
            yield Finding(
                "budget",
                Severity.ERROR,
                f"The budget lines ask {_amount(lines)} {token}, but the draft states no "
                f"total in {token}.",
            )
        elif lines is None:
            yield Finding(
                "budget",
                Severity.ERROR,
                f"The draft states a total of {_amount(total)} {token}, but no budget line "
                f"asks for {token}.",
            )
        elif lines != total:
            yield Finding(
                "budget",
                Severity.ERROR,
                f"The budget lines add up to {_amount(lines)} {token}, but the stated total "
                f"is {_amount(total)} {token}.",
            )


def check_recipients(draft: CheckedDraft, names: Mapping[str, Sequence[str]]) -> Iterator[Finding]:
    for number, ask in enumerate(draft.asks, start=1):
        where = f"Budget line {number} ({_amount(ask.amount)} {ask.token})"
        recipient = (ask.recipient or "").strip()
        if not recipient:
            yield Finding("recipients", Severity.ERROR, f"{where} has no recipient address.")
            continue
        if ENS_NAME.match(recipient):
            yield Finding(
                "recipients",
                Severity.WARNING,
                f"{where} pays the ENS name {recipient}: write its address, so voters see "
                "exactly who is paid.",
            )
            continue
        if not ADDRESS.match(recipient):
            yield Finding(
                "recipients",
                Severity.ERROR,
                f"{where}: “{_clip(recipient)}” is not an address (0x and 40 hex digits).",
            )
            continue
        checksummed = to_checksum_address(recipient)
        if recipient == recipient.lower() or recipient[2:] == recipient[2:].upper():
            yield Finding(
                "recipients",
                Severity.WARNING,
                f"{where}: {recipient} has no EIP-55 checksum; write it as {checksummed}.",
            )
        elif not is_checksum_address(recipient):
            yield Finding(
                "recipients",
                Severity.ERROR,
                f"{where}: {recipient} has a wrong EIP-55 checksum (a typo?); "
                "check the address with its owner.",
            )
            continue
        known = names.get(checksummed)
        if known:
            yield Finding(
                "recipients", Severity.NOTE, f"{where} pays {checksummed}: {', '.join(known)}."
            )
        else:
            yield Finding(
                "recipients",
                Severity.NOTE,
                f"{where} pays {checksummed}, which no member has linked.",
            )


def check_discussion(draft: CheckedDraft) -> Iterator[Finding]:
    link = (draft.discussion_link or "").strip()
    if not link:
        yield Finding("discussion", Severity.ERROR, "There is no link to the discussion.")
    elif not re.match(r"^https?://[^\s/]+", link):
        yield Finding(
            "discussion",
            Severity.ERROR,
            f"The discussion link “{_clip(link)}” is not an http(s) address.",
        )


def check_limits(draft: CheckedDraft, limits: Limits) -> Iterator[Finding]:
    title, body = len(draft.title), len(draft.body)
    if title > limits.title:
        yield Finding(
            "limits",
            Severity.ERROR,
            f"The title has {title} characters; {limits.target} takes at most {limits.title}.",
        )
    if body > limits.body:
        yield Finding(
            "limits",
            Severity.ERROR,
            f"The body has {body:,} characters; {limits.target} takes at most "
            f"{limits.body:,}: shorten it by {body - limits.body:,}.",
        )
    link = draft.discussion_link or ""
    if limits.discussion is not None and len(link) > limits.discussion:
        yield Finding(
            "limits",
            Severity.ERROR,
            f"The discussion link has {len(link)} characters; {limits.target} takes at most "
            f"{limits.discussion}.",
        )


def check_voting(draft: CheckedDraft) -> Iterator[Finding]:
    options = [o.strip() for o in draft.voting_options if o.strip()]
    if len(options) < 2:
        yield Finding(
            "voting",
            Severity.ERROR,
            f"A vote needs at least two options; the draft has {len(options)}.",
        )
    seen: set[str] = set()
    for option in options:
        if option.casefold() in seen:
            yield Finding("voting", Severity.ERROR, f"The option “{option}” is listed twice.")
        seen.add(option.casefold())
    if draft.abstain_required and not any(ABSTAIN.match(o) for o in options):
        yield Finding("voting", Severity.ERROR, "The template asks for an Abstain option; add one.")


def _amount(value: Decimal | None) -> str:
    if value is None:
        return "0"
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _clip(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
