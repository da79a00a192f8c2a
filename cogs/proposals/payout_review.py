"""Each payment of a queued Safe transaction held against what the community's passed proposals
ask: "matches proposal X (passed, 71 % for)", or, as a mismatch (high severity), "no passed
proposal asks for this payment" or "asks 50,000 USDC, this pays 500,000".

How payments meet asks:
- Payments of one transaction to the same recipient in the same token are added up first (a
  MultiSend that pays one ask in several items is one payout).
- An ask matches when its recipient address, token (by address; by symbol when the proposal
  wrote only a symbol, which the verdict says) and window (`not_before`..`not_after`, when the
  proposal stated one) fit. Amounts are compared exactly, in token units via the token's
  decimals, or in base units for asks read from calldata.
- Paying exactly one ask, or exactly the sum of several asks to the same recipient (two
  proposals each paying a contributor), matches. Paying less than what those asks add up to is
  a partial payment (a milestone) and matches, worded as such: earlier payments are not
  subtracted, since the check sees one queued transaction at a time. Paying more is a mismatch.
- An ask that names its recipient only in words matches by amount and token alone, and the
  verdict says the recipient could not be checked.
- A community with no passed proposal recorded gets no verdict: it follows no votes here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.payouts import Payment, PayoutVerdict
from bot.storage.database import Database
from cogs.proposals.payout_book import Ask, PassedProposal, passed_proposals

# Units that mean "dollars" in a proposal's text, and the stablecoins that pay them.
_DOLLARS = frozenset({"USD", "$", "US$"})
_STABLECOINS = frozenset({"USDC", "USDT", "DAI", "USDS", "GHO", "LUSD", "PYUSD", "FRAX", "USDC.E"})


@dataclass(frozen=True)
class _Payout:
    """The payments of one transaction to one recipient in one token, added up."""

    recipient: str
    token: str | None
    symbol: str
    decimals: int
    amount: int  # base units

    def units(self, base: Decimal) -> str:
        return f"{amount_words(base.scaleb(-self.decimals))}"

    def words(self) -> str:
        return f"{self.units(Decimal(self.amount))} {self.symbol} to {self.recipient}"


@dataclass(frozen=True)
class _Candidate:
    proposal: PassedProposal
    ask: Ask
    by_symbol: bool

    def base(self, payout: _Payout) -> Decimal:
        """The ask in the payout's base units."""
        if self.ask.raw is not None:
            return Decimal(self.ask.raw)
        return self.ask.amount.scaleb(payout.decimals)

    def open_at(self, at: datetime) -> bool:
        ask = self.ask
        return (ask.not_before is None or at >= ask.not_before) and (
            ask.not_after is None or at <= ask.not_after
        )


class ProposalPayoutReviewer:
    """The payouts part's `PayoutReviewer`, registered with the app's `PayoutReviews`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def review(
        self,
        community_id: int,
        chain: str,
        safe: str,
        payments: Sequence[Payment],
        at: datetime,
    ) -> PayoutVerdict | None:
        if not payments:
            return None
        async with self._db.read() as session:
            proposals = await passed_proposals(session, community_id)
        if not proposals:
            return None
        return review_payments(proposals, payments, at)


def review_payments(
    proposals: Sequence[PassedProposal], payments: Sequence[Payment], at: datetime
) -> PayoutVerdict:
    lines: list[str] = []
    mismatch = False
    for payout in _payouts(payments):
        line, bad = _verdict(payout, proposals, at)
        lines.append(f"Payout check, {payout.words()}: {line}")
        mismatch = mismatch or bad
    return PayoutVerdict(tuple(lines), mismatch)


def _payouts(payments: Sequence[Payment]) -> list[_Payout]:
    grouped: dict[tuple[str, str], _Payout] = {}
    for p in payments:
        key = (p.recipient.lower(), (p.token or "native").lower())
        seen = grouped.get(key)
        total = p.amount + (seen.amount if seen else 0)
        grouped[key] = _Payout(p.recipient, p.token, p.symbol, p.decimals, total)
    return list(grouped.values())


def _verdict(
    payout: _Payout, proposals: Sequence[PassedProposal], at: datetime
) -> tuple[str, bool]:
    addressed: list[_Candidate] = []
    named: list[_Candidate] = []
    for proposal in proposals:
        for ask in proposal.asks:
            by_symbol = _token_match(ask, payout)
            if by_symbol is None:
                continue
            candidate = _Candidate(proposal, ask, by_symbol)
            if ask.recipient is None:
                named.append(candidate)
            elif ask.recipient.lower() == payout.recipient.lower():
                addressed.append(candidate)
    paid = Decimal(payout.amount)
    open_now = [c for c in addressed if c.open_at(at)]
    if open_now:
        return _against(payout, open_now, paid)
    for c in named:
        if c.open_at(at) and c.base(payout) == paid:
            who = f" (“{c.ask.recipient_name}”)" if c.ask.recipient_name else ""
            return (
                f"matches {_name(c)} by amount and token only: it names its recipient{who} "
                "without an address, so the recipient is not checked",
                False,
            )
    if addressed:
        c = addressed[0]
        return f"{_name(c)} asks for this payment, but {_window(c.ask)}", True
    return "no passed proposal asks for this payment", True


def _against(payout: _Payout, candidates: list[_Candidate], paid: Decimal) -> tuple[str, bool]:
    symbol_note = (
        "; the proposal names its token by symbol only, not by address"
        if payout.token and all(c.by_symbol for c in candidates)
        else ""
    )
    for c in candidates:
        if c.base(payout) == paid:
            return f"matches {_name(c)}{symbol_note}", False
    asked = sum((c.base(payout) for c in candidates), Decimal(0))
    names = " and ".join(_name(c) for c in candidates)
    if paid == asked:
        return f"matches {names} together{symbol_note}", False
    asked_words = f"{payout.units(asked)} {payout.symbol}"
    if paid < asked:
        return (
            f"a partial payment of {names}: pays {payout.units(paid)} of the {asked_words} "
            f"asked{symbol_note}",
            False,
        )
    return f"{names} asks {asked_words}, this pays {payout.units(paid)}", True


def _token_match(ask: Ask, payout: _Payout) -> bool | None:
    """None when the ask's token is not the payout's; else whether it matched by symbol only."""
    if ask.token is None:
        return False if payout.token is None else None
    if ask.token.startswith("0x") and len(ask.token) == 42:
        return False if payout.token and ask.token.lower() == payout.token.lower() else None
    wanted, paid = ask.token.upper(), payout.symbol.upper()
    if wanted == paid or (wanted in _DOLLARS and paid in _STABLECOINS):
        return True
    return None


def _name(c: _Candidate) -> str:
    share = c.proposal.for_share
    tally = f"passed, {round(share * 100)} % for" if share is not None else "passed"
    return f"proposal “{c.proposal.title}” ({tally})"


def _window(ask: Ask) -> str:
    start = ask.not_before.date().isoformat() if ask.not_before else None
    end = ask.not_after.date().isoformat() if ask.not_after else None
    if start and end:
        return f"only from {start} to {end}"
    return f"not before {start}" if start else f"not after {end}"


def amount_words(value: Decimal) -> str:
    """50000 -> "50,000"; 1.50 -> "1.5"."""
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
