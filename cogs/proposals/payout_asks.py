"""What a proposal asks to be paid, read from its text or from a Governor proposal's calls.

Text: the budget as drafts write it (`## Budget`: a `| Amount | Token | Recipient | Purpose |`
table or bullet lines, read by the drafts' own parser, draft_budget.parse_budget; totals and
TODO lines left out). A body without a budget section is read for budget tables anywhere, and
failing that through the summarizer's ask extraction, an amount paired with the address on its
own line, if any. A payment window is taken from the first "from YYYY-MM-DD to YYYY-MM-DD" (or
"between ... and ...") the text states.

Calls: each (target, value, calldata) is decoded with chain.calldata's decoders (the standard
ABIs safe-eth-py ships): native value, ERC-20 transfer and transferFrom, MultiSend batches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal

from eth_utils.address import is_address, to_checksum_address

from chain.calldata import Action, SafeCall, describe_call
from cogs.proposals.draft_budget import ADDRESS, BudgetLine, parse_budget, parse_money
from cogs.proposals.draft_doc import TODO
from cogs.proposals.payout_book import Ask
from summarizer.asks import proposal_asks

NATIVE_DECIMALS = 18
_HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<title>.+?)\s*#*\s*$")
_TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")
_DATE = r"(20\d\d-\d\d-\d\d)"
_WINDOW = re.compile(
    rf"\b(?:from|between)\s+{_DATE}\s*(?:to|until|through|and|[–—-])\s*{_DATE}", re.IGNORECASE
)


def asks_from_text(body: str) -> list[Ask]:
    """The payments a proposal's body asks for."""
    not_before, not_after = _window(body)
    budget = _budget_section(body)
    if budget is None:
        tables = "\n".join(line for line in body.splitlines() if _TABLE_LINE.match(line))
        budget = tables if "amount" in tables.lower() else None
    if budget is None:
        return [
            Ask(a.recipient, a.token, a.amount, not_before, not_after, purpose=a.purpose)
            for a in _free_text_asks(body)
        ]
    asks = []
    for line in parse_budget(budget):
        ask = _line_ask(line)
        if ask is not None:
            asks.append(
                Ask(ask.recipient, ask.token, ask.amount, not_before, not_after, *_rest(ask))
            )
    return asks


def _rest(ask: Ask) -> tuple[str, str]:
    return ask.recipient_name, ask.purpose


def _budget_section(body: str) -> str | None:
    """The text under the first heading that names the budget, up to the next heading."""
    lines = body.splitlines()
    for at, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading is None or "budget" not in heading["title"].lower():
            continue
        level = len(heading["level"])
        section = []
        for following in lines[at + 1 :]:
            nested = _HEADING.match(following)
            if nested is not None and len(nested["level"]) <= level:
                break
            section.append(following)
        return "\n".join(section)
    return None


def _line_ask(line: BudgetLine) -> Ask | None:
    """A budget line as an ask; None when its amount or token is missing or still a TODO."""
    if line.amount is None or not line.token or TODO in line.token or TODO in line.raw[:12]:
        return None
    token_address = ADDRESS.search(line.token)
    token = (
        to_checksum_address(token_address.group())
        if token_address
        else line.token.split()[0].lstrip("$")
    )
    address = ADDRESS.fullmatch(line.recipient.strip())
    recipient = to_checksum_address(address.group()) if address else None
    # An ENS name or a name in words: matched by amount and token only, and said so.
    name = "" if recipient or TODO in line.recipient else line.recipient.strip()
    if recipient:
        cell = next((c for c in line.raw.split("|") if recipient.lower() in c.lower()), "")
        name = ADDRESS.sub("", cell).strip(" *`()–—-")
    return Ask(recipient, token, line.amount, recipient_name=name, purpose=line.purpose)


def _free_text_asks(body: str) -> list[Ask]:
    """Amounts the body asks for, each with the address written on its own line, if any."""
    asks = []
    for found in proposal_asks("", body):
        money = parse_money(found.text) if found.kind == "amount" else None
        if money is None or not money.token:
            continue
        line = next((ln for ln in body.splitlines() if found.text in ln), "")
        addresses = ADDRESS.findall(line)
        recipient = to_checksum_address(addresses[0]) if len(addresses) == 1 else None
        asks.append(Ask(recipient, money.token, money.amount, purpose=line.strip()[:300]))
    return asks


def _window(body: str) -> tuple[datetime | None, datetime | None]:
    match = _WINDOW.search(body)
    if match is None:
        return None, None
    try:
        start = datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        end = datetime.fromisoformat(match.group(2)).date()
    except ValueError:
        return None, None
    return start, datetime.combine(end, time.max, tzinfo=UTC)


def asks_from_calls(
    targets: Sequence[str],
    values: Sequence[int],
    calldatas: Sequence[bytes | str],
    decimals: Mapping[str, int] | None = None,
) -> list[Ask]:
    """The payments a Governor proposal's calls make. Amounts are exact (`raw`); `decimals`
    (token address, any case -> decimals), when given, also puts them in token units."""
    known = {k.lower(): v for k, v in (decimals or {}).items()}
    asks: list[Ask] = []
    for target, value, data in zip(targets, values, calldatas, strict=True):
        raw = data if isinstance(data, bytes) else bytes.fromhex(data.removeprefix("0x"))
        call = SafeCall(to_checksum_address(target), int(value), raw)
        asks += _payments(describe_call(call, safe=""), known)
    return asks


def _payments(actions: Iterable[Action], decimals: Mapping[str, int]) -> list[Ask]:
    asks: list[Ask] = []
    for action in actions:
        if action.kind == "batch":
            asks += _payments(action.items, decimals)
        elif action.kind == "native" and action.value:
            amount = _plain(Decimal(action.value).scaleb(-NATIVE_DECIMALS))
            asks.append(Ask(action.target, None, amount, raw=action.value))
        elif action.kind in ("erc20_transfer", "erc20_transfer_from"):
            recipient = str(action.args[-2])
            units = int(str(action.args[-1]))
            if not is_address(recipient):
                continue
            places = decimals.get(action.target.lower())
            amount = Decimal(units) if places is None else _plain(Decimal(units).scaleb(-places))
            asks.append(Ask(to_checksum_address(recipient), action.target, amount, raw=units))
    return asks


def _plain(number: Decimal) -> Decimal:
    """Without exponent or trailing zeros: 1.000000000000000000 -> 1, 0.30 -> 0.3."""
    integral = number.to_integral_value()
    return integral if number == integral else number.normalize()
