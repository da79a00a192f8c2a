"""The treasury's digest lines in words: amounts in token units, what a transaction does in one
short clause, links to the Safe app, and untrusted text (token symbols from the chain, Safe
names, members' handles) made plain so it can neither ping nor format anything."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from bot.commands.options import clean_text
from bot.commands.sanitize import neutralize_all_mentions
from cogs.treasury.config import ChainConfig

# Markdown and mention syntax untrusted text must not bring into a digest (parentheses stay:
# the treasury's own words use them, and without brackets they make no link).
_UNSAFE = re.compile(r"[`*_~|\[\]<>\\]")
# The raw amount an alert adds after the amount in units: a digest is short.
_RAW = re.compile(r" \(\d+ (?:raw|wei)\)")
_NUMBERED = re.compile(r"^\s*\d+\.\s+")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
MAX_WHAT = 220


def plain(text: str) -> str:
    """Untrusted text as plain words: no pings, no Markdown, no control characters."""
    return _UNSAFE.sub("", neutralize_all_mentions(clean_text(text))).strip()


def short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def units(raw: int, decimals: int) -> Decimal:
    return Decimal(raw).scaleb(-decimals)


def amount(value: Decimal, *, signed: bool = False) -> str:
    """1234.5 -> "1,234.5"; at most six decimals; "+"/"−" in front when `signed`."""
    text = f"{abs(value):,.6f}".rstrip("0").rstrip(".") or "0"
    if not signed:
        return f"-{text}" if value < 0 else text
    return f"{'−' if value < 0 else '+'}{text}"


def what(lines: Sequence[str], limit: int = MAX_WHAT) -> str:
    """What a transaction does, in one clause: its first actions (a batch's items), joined."""
    if not lines:
        return "a transaction whose contents are not stored yet"
    heads = [line for line in lines if not line.startswith(" ")]
    items = [_NUMBERED.sub("", line) for line in lines if line.startswith("  ") and line.strip()]
    if len(heads) == 1 and heads[0].endswith(":") and items:
        heading = heads[0].rstrip(":").split(" (MultiSend)")[0]
        text = f"{heading}: {'; '.join(items[:2])}"
        if len(items) > 2:
            text += f"; and {len(items) - 2} more"
    else:
        text = "; ".join(heads[:2]) + (f"; and {len(heads) - 2} more" if len(heads) > 2 else "")
    # The alert's risk flags: a digest flags the whole item instead.
    text = _RAW.sub("", text).replace(" ⚠", "").rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _prefix(chain: ChainConfig) -> str:
    return f"{chain.short_name}:" if chain.short_name else ""


def queued_link(chain: ChainConfig | None, safe: str, safe_tx_hash: str) -> str | None:
    """The queued transaction in the Safe web app, where an owner signs it."""
    if chain is None:
        return None
    base = chain.safe_app_url.rstrip("/")
    return f"{base}/transactions/tx?safe={_prefix(chain)}{safe}&id=multisig_{safe}_{safe_tx_hash}"


def balances_link(chain: ChainConfig | None, safe: str) -> str | None:
    if chain is None:
        return None
    return f"{chain.safe_app_url.rstrip('/')}/balances?safe={_prefix(chain)}{safe}"


def alert_link(links: dict[str, str]) -> str | None:
    """An alert's best link: the transaction on the explorer, else the Safe app."""
    for label in ("explorer", "Safe app", "Safe app queue"):
        if links.get(label):
            return links[label]
    return next(iter(links.values()), None)
