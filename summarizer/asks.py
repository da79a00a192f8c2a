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

AskKind = Literal["amount", "share", "recipient", "duration", "milestone"]

# Words that follow a number but are not a currency or token.
_NOT_UNITS = frozenset(
    """AM PM UTC GMT CET EST PST DAO DAOS RFC AIP SIP TL DR ID KPI KPIS Q QS ETA FAQ API UI UX
    IT OK TBD TBA EOD EOW FYI PR PRS NFT NFTS APR APY TVL ROI BPS OF TO IN ON AT BY FOR AND OR
    THE A AN IS ARE X""".split()
)
_SCALE = r"(?:k|K|m|M|mm|MM|b|B|bn|BN|thousand|million|billion)"
# 200,000 · 1.5 · 85 000 and 85\u202f000 (spaces between thousands, as French and SI write them)
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)|\d+(?:\.\d+)?"
# $200,000 · €50k · $1.2M · US$ 30,000 · 200k USD · 2.5 ETH · 45M ARB · 1,000,000 USDC
_CURRENCY_FIRST = re.compile(
    rf"(?<![\w.])(?:(?:US)?[$€£]\s?|(?:USD|EUR|GBP|CHF)\s)(?:{_NUMBER})(?:\s?{_SCALE}\b)?",
    re.UNICODE,
)
# "250,000 $OP": a token's ticker is often written with a dollar sign.
_UNIT_AFTER = re.compile(
    rf"(?<![\w.$€£/-])(?:\d{{1,2}}\s?[x×]\s?)?(?:{_NUMBER})(?:\s?{_SCALE})?\s?\$?"
    rf"(?P<unit>[A-Z][A-Za-z0-9]{{1,7}}|[A-Z]{{2,8}}e?)\b"
)
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{40}\b|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.eth\b")
_ROLE = (
    r"(?:multisig|multi-sig|safe|wallet|team|committee|foundation|council|treasury|dao|labs|"
    r"working\s+group|association|associação|asociación|fundación|fundação|stiftung|e\.\s?V\.|"
    r"ltd\.?|llc|inc\.?|gmbh)"
)
_NAME = r"[A-ZÀ-Ý][\w&.'’-]*"
_RECIPIENT = re.compile(
    r"\b(?:to|into|for|by|recipient:?|paid to|sent to|granted to|allocated to)\s+"
    r"(?:(?:the|a|a\s+new|our|their)\s+)?"
    rf"(?P<who>(?:{_NAME}\s){{1,4}}(?i:{_ROLE}))(?!\w)"
    # "€85.000 to Associação Casa Norte": a named receiver right after the amount
    rf"|(?:{_NUMBER})(?:\s?[A-Za-z$]{{1,8}})?\s+to\s+(?P<org>(?:{_NAME}\s?){{2,4}})(?<!\s)"
    # "la multisig de Ceiba Argentina", "die Safe der Stiftung X"
    rf"|(?P<of>\b(?i:multisig|multi-sig|safe|wallet|billetera|carteira)\s+(?:de|da|do|du|der|von)\s+"
    rf"(?:la\s+|el\s+)?(?:{_NAME}\s?){{1,4}})(?<!\s)"
)
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)"
)
_MES = (  # Spanish, Portuguese, French and German months
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|"
    r"diciembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|"
    r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"januar|februar|märz|juni|juli|oktober|dezember)"
)
_COUNT = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four)"
)
_PERIOD = r"(?:days?|weeks?|months?|quarters?|years?)"
_DURATION = re.compile(
    rf"\b(?:over|for|during|within|across)\s+(?:the\s+next\s+|a\s+period\s+of\s+)?{_COUNT}\s+{_PERIOD}\b"
    rf"|\b(?:an?\s+)?{_COUNT}-(?:day|week|month|quarter|year)(?:\s+(?:pilot|term|trial|mandate|"
    r"program(?:me)?|contract|retainer|engagement|renewal|season|extension))?\b"
    r"|\bfrom\s+20\d\d-\d\d-\d\d\s*(?:to|until|through|[–—-])\s*20\d\d-\d\d-\d\d\b"
    rf"|\b(?:for\s+(?:an?|the)\s+(?:initial\s+|first\s+)?)?(?:term|period|duration|pilot|mandate)"
    rf"\s+of\s+{_COUNT}\s+{_PERIOD}\b"
    r"|\b(?:by|until|through|before|from)\s+(?:the\s+end\s+of\s+)?(?:Q[1-4]\s+)?20\d\d\b(?!-\d)"
    r"|\bfor\s+(?:the\s+)?20\d\d(?:\s+(?:season|term|cycle|edition|calendar\s+year))?\b"
    # July–December 2025 · from July 2025 to June 2026 · Q1–Q2 2027
    rf"|\b(?:from\s+)?{_MONTH}(?:\s+20\d\d)?\s*(?:[–—-]|to|until|through)\s*{_MONTH}\s+20\d\d\b"
    r"|\bQ[1-4]\s*(?:20\d\d\s*)?[–—-]\s*Q[1-4]\s+20\d\d\b"
    # by 30 November 2025 · before November 30, 2025 · through end of March 2027
    rf"|\b(?:by|before|until|through)\s+(?:the\s+)?(?:end\s+of\s+)?(?:\d{{1,2}}\s+)?{_MONTH}"
    r"(?:\s+\d{1,2},?)?\s+20\d\d\b"
    # antes del 30 de noviembre de 2025 · até 30 de novembro de 2025 · bis 30. November 2025
    rf"|\b(?:antes\s+del?|hasta\s+el|até|avant\s+le|bis\s+(?:zum\s+)?)\s*\d{{1,2}}\.?\s+"
    rf"(?:de\s+)?{_MES}\s+(?:de\s+)?20\d\d\b",
    re.IGNORECASE,
)
_MILESTONE = re.compile(r"\b(?:milestone|phase|stage|tranche)\s*#?\s*\d+\b", re.IGNORECASE)


@dataclass(frozen=True)
class Ask:
    kind: AskKind
    text: str


# "US$ 100,000 per month": a rate stays with its amount.
_RATE = re.compile(
    r"\s?(?:(?:per|a|/)\s?(?:month|year|quarter|week|mo|yr)\b|(?:monthly|annually|yearly|quarterly)\b)",
    re.IGNORECASE,
)


def _with_rate(text: str, match: re.Match[str]) -> str:
    rate = _RATE.match(text, match.end())
    return _clean(match.group() + (rate.group() if rate else ""))


def extract_asks(text: str) -> list[Ask]:
    """Every ask in the text, in order of first appearance, each once."""
    found: list[tuple[int, Ask]] = []
    for match in _CURRENCY_FIRST.finditer(text):
        found.append((match.start(), Ask("amount", _with_rate(text, match))))
    for match in _UNIT_AFTER.finditer(text):
        unit = match.group("unit")
        if unit.upper() in _NOT_UNITS or not _looks_like_symbol(unit):
            continue
        if any(start <= match.start() < start + len(a.text) + 3 for start, a in found):
            continue  # "$200,000 USDC": the currency form already has it
        found.append((match.start(), Ask("amount", _with_rate(text, match))))
    for match in _ADDRESS.finditer(text):
        found.append((match.start(), Ask("recipient", match.group())))
    for match in _RECIPIENT.finditer(text):
        group = next(name for name in ("who", "org", "of") if match.group(name))
        found.append((match.start(group), Ask("recipient", _clean(match.group(group)))))
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


# An amount right after these words is a threshold or a past figure, not what is asked for:
# "falls below 75,000 USDC", "capped at $500k", "fell from 9,100 OP to 6,300 OP".
_CONTEXT_BEFORE = re.compile(
    r"\b(?:below|above|under|over|exceed(?:s|ing)?|than|capped\s+at|a\s+cap\s+of|at\s+most|at\s+least|"
    r"(?:spend|spending|burn|revenue|balance|tvl|runway|holds|worth)\s+\(?(?:is|was|are|were|of|at)?\s*"
    r"(?:about|around|roughly|approximately|nearly|~)?|"
    r"up\s+to|(?:fell|rose|dropped|grew|went|increased|decreased|was|were|down|up)\s+from"
    r"(?:\s+[$€£]?[\d.,]+\s?[kKmM]?\s?\$?[A-Za-z]{0,8}\s+to)?)\s*$",
    re.IGNORECASE,
)
# "- Basalt: 50 ETH, for a setup guide": one recipient's share of the ask, on a line of its own.
_SHARE_LINE = re.compile(
    rf"^\s*(?:[-*•]\s*)?(?P<who>{_NAME}(?:\s{_NAME}){{0,3}})\s*[:–—]\s*(?P<amount>.+)$",
    re.MULTILINE,
)


def proposal_asks(title: str, body: str) -> list[Ask]:
    """What a proposal asks for: amounts in the title or in sentences that ask, fund, pay or
    move something (not the treasury's size, a threshold or last season's figures), each named
    recipient's share where the title names them, and every recipient, duration and milestone
    of the opening post."""
    asking = " ".join(sentence for sentence in _SENTENCES.split(body) if _ASK_CUES.search(sentence))
    titled = [a for a in extract_asks(title) if a.kind == "amount"]
    in_title = {a.text.lower() for a in titled}
    shares = _shares(title, body)
    shared = {amount.lower() for _, amount in shares}
    asks = []
    for ask in extract_asks(body):
        if ask.kind == "amount":
            if ask.text.lower() in in_title or ask.text.lower() in shared:
                continue
            if ask.text not in asking or _after_context(body, ask.text):
                continue
        asks.append(ask)
    share_asks = [Ask("share", f"{who} ({amount})") for who, amount in shares]
    return [*titled, *share_asks, *asks]


def _after_context(body: str, amount: str) -> bool:
    """Whether every mention of the amount follows a threshold or past-figure phrase."""
    starts = [m.start() for m in re.finditer(re.escape(amount), body)]
    return bool(starts) and all(_CONTEXT_BEFORE.search(body[max(0, at - 40) : at]) for at in starts)


def _shares(title: str, body: str) -> list[tuple[str, str]]:
    """(recipient, amount) for breakdown lines whose recipient the title names."""
    shares = []
    for match in _SHARE_LINE.finditer(body):
        who = match.group("who")
        amounts = [a for a in extract_asks(match.group("amount")) if a.kind == "amount"]
        if amounts and re.search(rf"(?<!\w){re.escape(who)}(?!\w)", title):
            shares.append((who, amounts[0].text))
    return shares if len(shares) >= 2 else []  # a breakdown has lines; one line is a heading


def _looks_like_symbol(unit: str) -> bool:
    """ETH, USDC, ARB, stETH, wETH, DAI: mostly capitals, no ordinary capitalised word."""
    capitals = sum(1 for c in unit if c.isupper())
    return capitals >= max(2, len(unit) - 2)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def asks_phrase(asks: list[Ask]) -> str:
    """The asks in words for a TL;DR: "$200,000 and 2.5 ETH to the Grants multisig, over six
    months, in 3 milestones"; a motion that asks for no money gets its period ("a 6-month
    pilot"); empty when there is nothing."""
    amounts = _headline_amounts([a.text for a in asks if a.kind == "amount"])
    # Named shares ("Basalt (50 ETH)") say who gets what; otherwise the recipients.
    shares = [a.text for a in asks if a.kind == "share"][:4]
    recipients = shares or [a.text for a in asks if a.kind == "recipient"][:3]
    durations = [a.text for a in asks if a.kind == "duration"]
    # "6-month" alone is the weakest way to say a period; shown only when nothing says more.
    durations = [d for d in durations if not _BARE_PERIOD.fullmatch(d)] or durations
    durations = durations[:3]
    milestones = [a.text for a in asks if a.kind == "milestone"]
    if not amounts:
        return _join(durations) if durations else ""
    phrase = _join(amounts)
    if recipients:
        phrase += f" to {_join(recipients)}"
    if durations:
        phrase += f", {_join(durations)}"
    if milestones:
        phrase += f", in {milestones[0]}"
    return phrase


_BARE_PERIOD = re.compile(rf"(?:an?\s+)?{_COUNT}-(?:day|week|month|quarter|year)", re.IGNORECASE)


_SCALES = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
           "billion": 1e9}  # fmt: skip
_CURRENCIES = {"us$": "$", "usd": "$", "eur": "€", "gbp": "£", "chf": "chf"}
_AMOUNT = re.compile(
    r"^(?P<currency>us\$|[$€£]|usd\s|eur\s|gbp\s|chf\s)?\s?(?P<number>\d+(?:\.\d+)?)"
    r"(?:\s?(?P<scale>thousand|million|billion|mm|bn|k|m|b)\b)?\s?\$?(?P<unit>[a-z][a-z0-9]*)?$"
)
# 75.000 and 1.250.000 are thousands as much of Europe writes them; 1.5 and 0.500 are not.
_DOT_THOUSANDS = re.compile(r"\b[1-9]\d{0,2}(?:\.\d{3})+\b(?!\.\d|,\d)")


_RATE_AT_END = re.compile(rf"(?:{_RATE.pattern})$", re.IGNORECASE)


def amount_value(amount: str) -> tuple[float, str] | None:
    """An amount as (value, unit), so "$200k", "$200,000" and "200,000 USD" compare equal, and
    "75.000 USDC" is seventy-five thousand; None when it is no amount."""
    times = _TIMES.match(amount)
    if times:
        each = amount_value(amount[times.end() :])
        factor = int(re.sub(r"\D", "", times.group()))
        return None if each is None else (round(each[0] * factor, 6), each[1])
    text = _DOT_THOUSANDS.sub(lambda m: m.group().replace(".", ""), _RATE_AT_END.sub("", amount))
    text = re.sub(r"(?<=\d)[ \u00a0\u202f](?=\d{3}(?!\d))", "", text)
    match = _AMOUNT.match(" ".join(text.replace(",", "").split()).casefold())
    if match is None:
        return None
    unit = (match["currency"] or match["unit"] or "").strip()
    value = float(match["number"]) * _SCALES.get(match["scale"] or "", 1.0)
    return round(value, 6), _CURRENCIES.get(unit, unit)


def _headline_amounts(amounts: list[str]) -> list[str]:
    """Up to three amounts: the ask, its other units, its total and its rate. An amount in a
    unit already shown and no larger is a part (a tranche, a line of the budget) and is left
    out, unless it is a rate ("per month"). A schedule that adds up to an amount shown ("3 x
    25,000 USDC") follows it in brackets."""
    shown: list[str] = []
    schedules = [a for a in amounts if _TIMES.match(a)]
    for amount in amounts:
        value = amount_value(amount)
        if amount in schedules:
            continue
        is_part = value is not None and any(
            (kept := amount_value(other)) is not None
            and kept[1] == value[1]
            and value[0] <= kept[0]
            for other in shown
        )
        if is_part and not _RATE_AT_END.search(amount):
            continue
        shown.append(amount)
        if len(shown) == 3:
            break
    for schedule in schedules:
        total = _comparable(schedule)
        for at, amount in enumerate(shown):
            if total is not None and _comparable(amount) == total:
                shown[at] = f"{amount} ({schedule})"
                break
    return shown


# Stablecoins count as dollars when amounts are compared: "USD 75,000" is "3 x 25,000 USDC".
_DOLLARS = frozenset({"$", "usdc", "usdt", "dai", "usds", "gho", "lusd", "pyusd", "frax"})


def _comparable(amount: str) -> tuple[float, str] | None:
    value = amount_value(amount)
    if value is None:
        return None
    return value[0], "$" if value[1] in _DOLLARS else value[1]


_TIMES = re.compile(r"\d{1,2}\s?[x×]\s?")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
