"""The payments of a queued Safe transaction, for the payout check (bot/payouts.py): native value
and ERC-20 transfer / transferFrom, including those inside a MultiSend batch."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.payouts import Payment, PayoutReviews
from chain.calldata import Action
from chain.tokens import TokenBook

NATIVE_DECIMALS = 18


async def payments_of(actions: Iterable[Action], tokens: TokenBook, native: str) -> list[Payment]:
    found: list[Payment] = []
    for action in actions:
        if action.items:  # a batch, or a delegatecall that claims to batch: its items pay
            found += await payments_of(action.items, tokens, native)
        elif action.kind == "native" and action.value:
            found.append(Payment(action.target, None, native, action.value, NATIVE_DECIMALS))
        elif action.kind in ("erc20_transfer", "erc20_transfer_from"):
            token = await tokens.get(action.target)
            if token.is_nft:
                continue
            recipient, amount = str(action.args[-2]), int(str(action.args[-1]))
            found.append(Payment(recipient, token.address, token.symbol, amount, token.decimals))
    return found


async def payout_check(
    payouts: PayoutReviews,
    community_id: int,
    chain: str,
    safe: str,
    payments: list[Payment],
    at: datetime,
) -> tuple[list[str], bool]:
    """The reviewers' lines for an alert, and whether to raise it to high severity."""
    if not payments or not payouts.active:
        return [], False
    verdict = await payouts.review(community_id, chain, safe, payments, at)
    if verdict is None:
        return [], False
    return list(verdict.lines), verdict.mismatch
