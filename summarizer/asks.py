"""What a proposal asks for, as its author wrote it: amounts with their units, recipients,
durations and milestones.

Used by the offline summarizer's TL;DR and to check a model's TL;DR: a summary of a funding
proposal that leaves out "$200,000" or "45M ARB" hides what a steward votes on. Numbers that are
not asks (dates like 2022-10-26 or 12/12-17, percentages, years, times, vote counts) are left
alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

AskKind = Literal["amount", "recipient", "duration", "milestone"]

# Words that follow a number but are not a currency or token.
_NOT_UNITS = frozenset(
    """AM PM UTC GMT CET EST PST DAO DAOS RFC AIP SIP TL DR ID KPI KPIS Q QS ETA FAQ API UI UX
    IT OK TBD TBA EOD EOW FYI PR PRS NFT NFTS APR APY TVL ROI BPS OF TO IN ON AT BY FOR AND OR
    THE A AN IS ARE X""".split()
)
_SCALE = r"(?:k|K|m|M|mm|MM|b|B|bn|BN|thousand|million|billion)"
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# $200,000 · €50k · $1.2M · US$ 30,000 · 200k USD · 2.5 ETH · 45M ARB · 1,000,000 USDC
_CURRENCY_FIRST = re.compile(
    rf"(?<![\w.])(?:US)?[$€£]\s?(?:{_NUMBER})(?:\s?{_SCALE}\b)?", re.UNICODE
)
_UNIT_AFTER = re.compile(
    rf"(?<![\w.$€£/-])(?:{_NUMBER})(?:\s?{_SCALE})?\s?(?P<unit>[A-Z][A-Za-z0-9]{{1,7}}|[A-Z]{{2,8}}e?)\b"
)
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{40}\b|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.eth\b")
_RECIPIENT = re.compile(
    r"\b(?:to|into|for|by|recipient:?|paid to|sent to|granted to|allocated to)\s+(?:the\s+)?"
    r"(?P<who>(?:[A-Z][\w&.-]*\s){1,4}(?:multisig|multi-sig|Safe|safe|wallet|team|committee|"
    r"Committee|Foundation|foundation|council|Council|treasury|Treasury|DAO|Labs|labs))\b"
)
_DURATION = re.compile(
    r"\b(?:over|for|during|within|across)\s+(?:the\s+next\s+)?"
    r"(?:\d+|one|two|three|four|five|six|nine|twelve|eighteen|twenty-four)\s+"
    r"(?:days?|weeks?|months?|quarters?|years?)\b"
    r"|\b\d+-(?:day|week|month|quarter|year)\b"
    r"|\b(?:by|until|through|before|from)\s+(?:Q[1-4]\s+)?20\d\d\b"
    r"|\bfrom\s+(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december)(?:\s+20\d\d)?\s+(?:to|until|through)\s+(?:january|february|march|april|"
    r"may|june|july|august|september|october|november|december)\s+20\d\d\b",
    re.IGNORECASE,
)
_MILESTONE = re.compile(r"\b(?:milestone|phase|stage|tranche)\s*#?\s*\d+\b", re.IGNORECASE)


@dataclass(frozen=True)
class Ask:
    kind: AskKind
    text: str


def extract_asks(text: str) -> list[Ask]:
    """Every ask in the text, in order of first appearance, each once."""
    found: list[tuple[int, Ask]] = []
    for match in _CURRENCY_FIRST.finditer(text):
        found.append((match.start(), Ask("amount", _clean(match.group()))))
    for match in _UNIT_AFTER.finditer(text):
        unit = match.group("unit")
        if unit.upper() in _NOT_UNITS or not _looks_like_symbol(unit):
            continue
        if any(start <= match.start() < start + len(a.text) + 3 for start, a in found):
            continue  # "$200,000 USDC": the currency form already has it
        found.append((match.start(), Ask("amount", _clean(match.group()))))
    for match in _ADDRESS.finditer(text):
        found.append((match.start(), Ask("recipient", match.group())))
    for match in _RECIPIENT.finditer(text):
        found.append((match.start("who"), Ask("recipient", _clean(match.group("who")))))
    for match in _DURATION.finditer(text):
        found.append((match.start(), Ask("duration", _clean(match.group()))))
    milestones = {m.group().lower() for m in _MILESTONE.finditer(text)}
    if milestones:
        first = _MILESTONE.search(text)
        where = first.start() if first else 0
        found.append((where, Ask("milestone", f"{len(milestones)} milestones")))
    ordered: list[Ask] = []
    for _, ask in sorted(found, key=lambda pair: pair[0]):
        if all(ask.text.lower() != known.text.lower() for known in ordered):
            ordered.append(ask)
    return ordered


# Words that make a sentence's amounts part of what is asked for, not context.
_ASK_CUES = re.compile(
    r"\b(?:request(?:s|ed|ing)?|ask(?:s|ing)?\s+for|seek(?:s|ing)?|fund(?:s|ed|ing)?|budget|"
    r"grant(?:s|ed)?|allocat\w*|pay(?:s|ing|ment|out)?|paid|spend(?:ing)?|compensat\w*|transfer\w*|"
    r"sell(?:ing)?|swap\w*|mov(?:e|es|ing)|deploy\w*|distribut\w*|incentives?|prizes?|"
    r"rewards?|cost(?:s|ing)?|total(?:ling|ing)?|tranche|milestone|per\s+(?:month|year|quarter))\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def proposal_asks(title: str, body: str) -> list[Ask]:
    """What a proposal asks for: amounts in the title or in sentences that ask, fund, pay or
    move something (not the treasury's size or last season's spend), with every recipient,
    duration and milestone of the opening post."""
    asking = " ".join(sentence for sentence in _SENTENCES.split(body) if _ASK_CUES.search(sentence))
    in_title = {a.text.lower() for a in extract_asks(title) if a.kind == "amount"}
    asks = []
    for ask in extract_asks(body):
        context = ask.kind == "amount" and ask.text.lower() not in in_title
        if context and ask.text not in asking:
            continue
        asks.append(ask)
    titled = [a for a in extract_asks(title) if a.kind == "amount"]
    return [*titled, *(a for a in asks if a.text.lower() not in in_title)]


def _looks_like_symbol(unit: str) -> bool:
    """ETH, USDC, ARB, stETH, wETH, DAI: mostly capitals, no ordinary capitalised word."""
    capitals = sum(1 for c in unit if c.isupper())
    return capitals >= max(2, len(unit) - 2)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def asks_phrase(asks: list[Ask]) -> str:
    """The asks in words for a TL;DR: "$200,000 and 2.5 ETH to the Grants multisig over six
    months in 3 milestones"; empty when there are none."""
    # The first two amounts: the ask and its other unit or total; a breakdown would bury them.
    amounts = [a.text for a in asks if a.kind == "amount"][:2]
    if not amounts:
        return ""
    phrase = _join(amounts)
    recipients = [a.text for a in asks if a.kind == "recipient"][:3]
    if recipients:
        phrase += f" to {_join(recipients)}"
    durations = [a.text for a in asks if a.kind == "duration"][:2]
    if durations:
        phrase += f", {_join(durations)}"
    milestones = [a.text for a in asks if a.kind == "milestone"]
    if milestones:
        phrase += f", in {milestones[0]}"
    return phrase


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
