"""Money into and out of a watched Safe, as the chain poll sees it, stored for digests.

What counts, per (Safe, transaction):
- ERC-20 transfers to the Safe (+) and from it (-), whoever sent them (an approved spender's
  transferFrom too);
- native coin the Safe received (its SafeReceived event, +);
- native value the Safe's own successful transactions sent (-): plain sends and calls with value,
  also inside a MultiSend batch, as decoded from the executed call.
NFTs are not money and are left out, and so are gas refunds a Safe transaction pays its relayer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from chain.calldata import Action
from chain.tokens import TokenBook
from chain.watch import SafeActivity
from cogs.treasury.models import TreasuryFlow

NATIVE_DECIMALS = 18
_SUCCESS = frozenset({"ExecutionSuccess", "ExecutionFromModuleSuccess"})


async def flows_of(
    activity: SafeActivity, chain: str, tokens: TokenBook, native: str, at: datetime
) -> list[TreasuryFlow]:
    safe = activity.safe
    found: list[TreasuryFlow] = []

    def add(key: str, token: str, symbol: str, decimals: int, amount: int) -> None:
        if amount:
            found.append(
                TreasuryFlow(
                    key=f"{chain}:{activity.tx_hash}:{key}:{safe.lower()}",
                    chain=chain,
                    safe=safe,
                    token=token,
                    symbol=symbol[:40],
                    decimals=decimals,
                    amount=str(amount),
                    tx_hash=activity.tx_hash,
                    block=activity.block_number,
                    at=at,
                )
            )

    for log in activity.logs:
        if log.name == "SafeReceived":
            add(str(log.log_index), "", native, NATIVE_DECIMALS, int(log.args["value"]))
        elif log.standard == "erc20" and log.name == "Transfer":
            token = await tokens.get(log.address)
            if token.is_nft:
                continue
            value = int(log.args["value"])
            into = str(log.args["to"]).lower() == safe.lower()
            out_of = str(log.args["from"]).lower() == safe.lower()
            signed = (value if into else 0) - (value if out_of else 0)
            add(str(log.log_index), token.address, token.symbol, token.decimals, signed)
    if activity.names & _SUCCESS:
        for index, value in enumerate(native_sent(activity.actions)):
            add(f"{activity.first_log_index}:native:{index}", "", native, NATIVE_DECIMALS, -value)
    return found


def native_sent(actions: Iterable[Action]) -> list[int]:
    """The native values a call sends, item by item (a DELEGATECALL itself sends nothing)."""
    sent: list[int] = []
    for action in actions:
        if action.items:
            sent += native_sent(action.items)
        elif action.value and (
            action.kind == "native" or (action.kind == "contract_call" and not action.method)
        ):
            # A known function called with value gets its own "native" action; an unknown one
            # carries the value itself.
            sent.append(action.value)
    return sent


async def add_new_flows(session: AsyncSession, flows: Sequence[TreasuryFlow]) -> int:
    """Add the flows whose key is not stored yet (a range read twice adds nothing)."""
    if not flows:
        return 0
    query = select(TreasuryFlow.key).where(col(TreasuryFlow.key).in_([f.key for f in flows]))
    known = set((await session.exec(query)).all())
    fresh = {f.key: f for f in flows if f.key not in known}
    session.add_all(fresh.values())
    return len(fresh)
