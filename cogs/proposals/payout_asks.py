"""What a proposal asks to be paid, read from its text or from a Governor proposal's calls.

Text: the drafts' budget table (`| Amount | Token | Recipient | Purpose |`, one row per payment,
a Total row left out) is read exactly; a body without one is read through the summarizer's ask
extraction, an amount paired with the address on its own line, if any. A payment window is taken
from the first "from YYYY-MM-DD to YYYY-MM-DD" (or "between ... and ...") the text states.

Calls: each (target, value, calldata) is decoded with chain.calldata's decoders (the standard
ABIs safe-eth-py ships): native value, ERC-20 transfer and transferFrom, MultiSend batches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal, InvalidOperation

from eth_utils.address import is_address, to_checksum_address

from chain.calldata import Action, SafeCall, describe_call
from cogs.proposals.payout_book import Ask
from summarizer.asks import amount_value, proposal_asks

NATIVE_DECIMALS = 18
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_ROW = re.compile(r"^\s*\|(.+)\|\s*$")
_SEPARATOR = re.compile(r"^[\s|:-]+$")
_NUMBER = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<scale>k|m|mm|b|bn|thousand|million)?$")
_SCALES = {"k": 3, "thousand": 3, "m": 6, "mm": 6, "million": 6, "b": 9, "bn": 9}
_DATE = r"(20\d\d-\d\d-\d\d)"
_WINDOW = re.compile(
    rf"\b(?:from|between)\s+{_DATE}\s*(?:to|until|through|and|[–—-])\s*{_DATE}", re.IGNORECASE
)
# Words of a table row that is a sum, not a payment.
_TOTAL = re.compile(r"^\W*(?:total|sum|subtotal)\b", re.IGNORECASE)
_DOLLAR_UNITS = {"$": "USD"}


def asks_from_text(body: str) -> list[Ask]:
    """The payments a proposal's body asks for."""
    window = _window(body)
    table = _table_asks(body)
    asks = table if table is not None else _free_text_asks(body)
    return [
        Ask(
            a.recipient,
            a.token,
            a.amount,
            window[0],
            window[1],
            a.recipient_name,
            a.purpose,
            a.raw,
        )
        for a in asks
    ]


def _table_asks(body: str) -> list[Ask] | None:
    """The budget table's rows, or None when the body has no budget table."""
    lines = body.splitlines()
    for at, line in enumerate(lines):
        header = _cells(line)
        if header is None:
            continue
        names = [h.strip("* ").lower() for h in header]
        if "amount" not in names or "token" not in names:
            continue
        column = {name: i for i, name in enumerate(names)}
        asks = []
        for row_line in lines[at + 1 :]:
            if _SEPARATOR.fullmatch(row_line) and "|" in row_line:
                continue
            row = _cells(row_line)
            if row is None:
                break
            ask = _row_ask(row, column)
            if ask is not None:
                asks.append(ask)
        return asks
    return None


def _row_ask(row: list[str], column: Mapping[str, int]) -> Ask | None:
    def cell(name: str) -> str:
        at = column.get(name)
        return row[at].strip().strip("*").strip() if at is not None and at < len(row) else ""

    if _TOTAL.match(cell("amount")) or any(_TOTAL.match(c.strip("* ")) for c in row[:1]):
        return None
    amount = decimal_amount(cell("amount"))
    if amount is None:
        return None
    token_text = cell("token")
    token_address = _ADDRESS.search(token_text)
    token = (
        to_checksum_address(token_address.group())
        if token_address
        else (token_text.split()[0].lstrip("$").upper() if token_text.split() else None)
    )
    who = cell("recipient")
    address = _ADDRESS.search(who)
    recipient = to_checksum_address(address.group()) if address else None
    name = _ADDRESS.sub("", who).strip(" ()`–—-") if address else who
    return Ask(recipient, token or None, amount, recipient_name=name, purpose=cell("purpose"))


def _cells(line: str) -> list[str] | None:
    match = _ROW.match(line)
    return None if match is None else [c.strip() for c in match.group(1).split("|")]


def _free_text_asks(body: str) -> list[Ask]:
    """Amounts the body asks for, each with the address written on its own line, if any."""
    asks = []
    for found in proposal_asks("", body):
        if found.kind != "amount":
            continue
        value = amount_value(found.text)
        if value is None or not value[1]:
            continue
        number = decimal_amount(found.text)
        amount = number if number is not None else Decimal(str(value[0]))
        line = next((ln for ln in body.splitlines() if found.text in ln), "")
        addresses = _ADDRESS.findall(line)
        recipient = to_checksum_address(addresses[0]) if len(addresses) == 1 else None
        unit = _DOLLAR_UNITS.get(value[1], value[1].upper())
        asks.append(Ask(recipient, unit, amount, purpose=line.strip()[:300]))
    return asks


def decimal_amount(text: str) -> Decimal | None:
    """ "50,000", "50 000", "1.5", "200k", "$1.2M", "50,000 USDC" as an exact Decimal; None when
    the text holds no amount."""
    cleaned = re.sub(r"[,\u00a0\u202f_]|(?<=\d) (?=\d{3}\b)", "", text).strip().lstrip("$€£")
    cleaned = re.sub(r"\s*\$?[A-Za-z][A-Za-z0-9]*$", _scale_only, cleaned).strip()
    match = _NUMBER.match(cleaned.casefold())
    if match is None:
        return None
    try:
        number = Decimal(match["number"])
    except InvalidOperation:
        return None
    return _plain(number.scaleb(_SCALES.get(match["scale"] or "", 0)))


def _plain(number: Decimal) -> Decimal:
    """Without exponent or trailing zeros: 2.00E+5 -> 200000, 1.500 -> 1.5."""
    integral = number.to_integral_value()
    return integral if number == integral else number.normalize()


def _scale_only(match: re.Match[str]) -> str:
    """Keep a scale word ("200k", "1.2 million") and drop a unit ("USDC")."""
    word = match.group().strip().casefold()
    return match.group() if word in _SCALES else ""


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
