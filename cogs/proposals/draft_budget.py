"""Amounts, tokens and recipients as people type them in a proposal's budget.

"1,000,000 USDC", "50k", "$50,000", "50 000 USDC", "1.5M ARB", "75.000 DAI" (thousands as much
of Europe writes them, like the summarizer reads them), "0.5 ETH"; recipients as addresses
(checksummed or not) or ENS names. Pure functions: the checks and the drafting share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_NUMBER = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 1,000,000.50
    r"|\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?(?!\d)"  # 50 000 (SI and French spacing)
    r"|[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?(?![.\d])"  # 75.000 and 1.250.000,50
    r"|\d+(?:[.,]\d+)?"  # 50000 · 0.5 · 12,5
)
_MONEY = re.compile(
    r"(?<![\w.,])(?P<prefix>US\$|[$€£]|\b(?:USD|EUR|GBP)\s)?\s?"
    rf"(?P<number>{_NUMBER})"
    r"(?:\s?(?P<scale>thousand|million|billion|mm|MM|bn|k|K|m|M|b|B)(?![A-Za-z]))?"
    r"(?:\s?\$?(?P<token>[A-Za-z][A-Za-z0-9.]{0,11}))?",
)
_SCALES = {"thousand": 3, "k": 3, "million": 6, "mm": 6, "m": 6, "billion": 9, "bn": 9, "b": 9}
_PREFIX_TOKENS = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP"}
_PREFIX_TOKENS["gbp"] = "GBP"
# Words that may follow a number without being its token: "50k to alice.eth", "3 per month".
_NOT_TOKENS = frozenset(
    """to for of per a an and or in on at by from the with over each every from via as into
    is are was be x total month months week weeks year years day days""".split()
)
ADDRESS = re.compile(r"(?<![0-9a-zA-Z])0x[0-9a-fA-F]{40}(?![0-9a-zA-Z])")
ENS_NAME = re.compile(r"(?<![\w.-])(?:[a-z0-9-]+\.)+eth(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    token: str  # as written ("USDC", "stETH"); "USD"/"EUR"/"GBP" for a bare $/€/£; "" if none


@dataclass(frozen=True)
class BudgetLine:
    amount: Decimal | None  # None: the line has an amount nobody can read as a number
    token: str
    recipient: str  # the address or ENS name when the line has one, else the text written
    purpose: str
    raw: str  # the line as written, for messages that quote it


def parse_money(text: str) -> Money | None:
    """The first amount in the text with a currency or token ("Milestone 1: 20,000 USDC" is
    20,000 USDC), else its first number; None when there is none."""
    found = [m for m in (_money(match) for match in _MONEY.finditer(_plain(text))) if m]
    return next((m for m in found if m.token), found[0] if found else None)


def every_amount(text: str) -> list[Money]:
    """Every number the text writes, with its token where one follows: what a drafted budget
    may use."""
    found = (_money(match) for match in _MONEY.finditer(_plain(text)))
    return [money for money in found if money is not None]


def _money(match: re.Match[str]) -> Money | None:
    amount = _number(match["number"])
    if amount is None:
        return None
    scale = match["scale"]
    if scale:
        amount = amount.scaleb(_SCALES[scale.lower()])
    token = (match["token"] or "").rstrip(".")
    if token.lower() in _NOT_TOKENS or token.lower().startswith("0x"):
        token = ""
    prefix = (match["prefix"] or "").strip().lower()
    return Money(_normal(amount), token or _PREFIX_TOKENS.get(prefix, ""))


def _number(text: str) -> Decimal | None:
    digits = re.sub(r"[ \u00a0\u202f]", "", text)
    if "," in digits and "." in digits:
        decimal_mark = "," if digits.rindex(",") > digits.rindex(".") else "."
    elif "," in digits:
        # 1,000 groups thousands; 12,5 is a decimal comma.
        decimal_mark = "" if re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits) else ","
    elif "." in digits:
        decimal_mark = "" if re.fullmatch(r"[1-9]\d{0,2}(?:\.\d{3})+", digits) else "."
    else:
        decimal_mark = ""
    grouping = "." if decimal_mark == "," else ","
    digits = digits.replace(grouping, "")
    if decimal_mark == "":
        digits = digits.replace(".", "").replace(",", "")
    elif decimal_mark == ",":
        digits = digits.replace(",", ".")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _normal(amount: Decimal) -> Decimal:
    """50000, not 5.0E+4: amounts compare and print as people write them."""
    normal = amount.normalize()
    return normal.quantize(Decimal(1)) if normal == normal.to_integral_value() else normal


def find_recipient(text: str) -> str | None:
    """The first address or ENS name in the text."""
    cleaned = _plain(text)
    found = [m for m in (ADDRESS.search(cleaned), ENS_NAME.search(cleaned)) if m]
    return min(found, key=lambda m: m.start()).group() if found else None


def format_amount(amount: Decimal) -> str:
    """1,000,000 · 0.5 · 12,345.67"""
    return f"{amount:,f}" if amount != amount.to_integral_value() else f"{amount:,.0f}"


def _plain(text: str) -> str:
    """Markdown emphasis, code ticks and link brackets removed: `**50,000**`, `[x](url)`."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`~]+", "", text).strip()


_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
_SEPARATOR_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(?P<item>.+)$")
_TOTAL = re.compile(r"^\s*(?:[-*•+]\s+)?[*_]*total[*_]*\s*[:=]?\s*(?P<rest>.+)$", re.IGNORECASE)
_COLUMNS = {
    "amount": ("amount", "value", "sum", "qty", "quantity"),
    "token": ("token", "asset", "currency", "unit"),
    "recipient": ("recipient", "address", "payee", "to", "wallet", "receiver"),
    "purpose": ("purpose", "description", "for", "memo", "what", "item", "milestone"),
}
DEFAULT_COLUMNS = ("amount", "token", "recipient", "purpose")


def cells(line: str) -> list[str] | None:
    match = _ROW.match(line)
    return [_plain(c) for c in match.group(1).split("|")] if match else None


def _column_of(header: str) -> str | None:
    words = header.lower().split()
    for column, names in _COLUMNS.items():
        if any(word.strip(":") in names for word in words):
            return column
    return None


def parse_budget(text: str) -> list[BudgetLine]:
    """Every payment in a budget section: table rows (columns found by their headers) and bullet
    lines with an amount ("- 50k USDC to grants.ens.eth for audits"). Total lines are left out."""
    lines: list[BudgetLine] = []
    columns: tuple[str | None, ...] = DEFAULT_COLUMNS
    text_lines = text.splitlines()
    for at, line in enumerate(text_lines):
        row = cells(line)
        if row is not None:
            if _is_separator(row) or not any(row):
                continue
            following = cells(text_lines[at + 1]) if at + 1 < len(text_lines) else None
            if following is not None and _is_separator(following):
                # A header row: its columns name the cells of the rows below it.
                named = tuple(_column_of(c) for c in row)
                columns = named if "amount" in named else DEFAULT_COLUMNS
                continue
            if any(c.strip().lower() == "total" for c in row):
                continue
            lines.append(_table_line(dict(zip(columns, row, strict=False)), line))
            continue
        bullet = _BULLET.match(line)
        money = parse_money(bullet["item"]) if bullet and not _TOTAL.match(line) else None
        if bullet and money and money.token:
            lines.append(_bullet_line(bullet["item"], line))
    return lines


def _is_separator(row: list[str]) -> bool:
    return any(row) and all(_SEPARATOR_CELL.match(c) for c in row if c)


def _table_line(row: dict[str | None, str], raw: str) -> BudgetLine:
    amount_cell = row.get("amount", "")
    money = parse_money(amount_cell)
    token = row.get("token", "").strip() or (money.token if money else "")
    recipient_cell = row.get("recipient", "").strip()
    recipient = find_recipient(recipient_cell) or recipient_cell
    purpose = row.get("purpose", "").strip()
    return BudgetLine(money.amount if money else None, token, recipient, purpose, raw.strip())


_TO = re.compile(r"\bto\s+(?P<who>.+?)(?=\s+(?:for|—|-|:)\s|[,;(]|$)", re.IGNORECASE)
_FOR = re.compile(r"(?:\bfor\b|—|:|\s-\s)\s*(?P<why>.+)$", re.IGNORECASE)


def _bullet_line(item: str, raw: str) -> BudgetLine:
    money = parse_money(item)
    plain = _plain(item)
    to = _TO.search(plain)
    recipient = find_recipient(plain) or (to["who"].strip() if to else "")
    why = _FOR.search(plain[to.end() :] if to else plain)
    purpose = why["why"].strip() if why else ""
    return BudgetLine(
        money.amount if money else None, money.token if money else "", recipient, purpose, raw
    )


def parse_total(text: str) -> Money | None:
    """The stated total: a `Total: 100,000 USDC` line or a table row whose first cell is Total."""
    for line in text.splitlines():
        row = cells(line)
        if row is not None:
            if any(c.strip().lower() == "total" for c in row):
                rest = " ".join(c for c in row if c.strip().lower() != "total")
                return parse_money(rest)
            continue
        match = _TOTAL.match(line)
        if match:
            # "Total: TODO: ..." states no total, whatever numbers the note holds.
            return None if "TODO" in match["rest"] else parse_money(match["rest"])
    return None
