"""Actions in plain words, with amounts in token units and raw."""

from __future__ import annotations

from decimal import Decimal

from chain.calldata import Action
from chain.tokens import TokenBook

_SETTING_WORDS = {
    "addOwnerWithThreshold": "Add owner {0} and set the threshold to {1}",
    "removeOwner": "Remove owner {1} and set the threshold to {2}",
    "swapOwner": "Replace owner {1} with {2}",
    "changeThreshold": "Change the threshold to {0}",
    "enableModule": "Enable module {0}",
    "disableModule": "Disable module {1}",
    "setGuard": "Set the transaction guard to {0}",
    "setModuleGuard": "Set the module guard to {0}",
    "setFallbackHandler": "Set the fallback handler to {0}",
}
ZERO = "0x0000000000000000000000000000000000000000"


def native_amount(wei: int, symbol: str = "ETH") -> str:
    value = Decimal(wei) / Decimal(10**18)
    text = f"{value:,.6f}".rstrip("0").rstrip(".")
    return f"{text or '0'} {symbol} ({wei} wei)"


async def describe(action: Action, tokens: TokenBook, native: str = "ETH") -> list[str]:
    """One line per action; a batch gives a heading line and its items indented."""
    flag = " ⚠" if action.high_risk else ""
    if action.kind == "batch":
        return [
            f"Batch of {len(action.items)} actions (MultiSend){flag}:",
            *await _items(action, tokens, native),
        ]
    if action.kind == "delegatecall" and action.items:
        return [
            f"DELEGATECALL to {action.target} ({action.method}){flag}: {action.note}, "
            f"{len(action.items)} actions:",
            *await _items(action, tokens, native),
        ]
    if action.kind == "native":
        return [f"Send {native_amount(action.value, native)} to {action.target}"]
    if action.kind in ("nft_transfer", "nft_batch_transfer"):
        return [await _nft_words(action, tokens)]
    if action.kind == "approval_for_all":
        collection = (await tokens.get(action.target)).label
        if action.high_risk:
            return [f"Let {action.args[0]} move EVERY token of {collection}{flag}"]
        return [f"Withdraw {action.args[0]}'s approval for all of {collection}"]
    if action.kind in ("erc20_transfer", "erc20_transfer_from", "approve"):
        token = await tokens.get(action.target)
        if token.is_nft and action.kind == "erc20_transfer_from":
            # transferFrom has the same selector and arguments in ERC-20 and ERC-721.
            nft = Action("nft_transfer", action.target, args=(*action.args, 1), note=token.standard)
            return [await _nft_words(nft, tokens)]
        raw = int(str(action.args[-1]))
        amount = f"{token.amount(raw)} {token.symbol} ({raw} raw)"
        if action.kind == "erc20_transfer":
            return [f"Transfer {amount} to {action.args[0]}"]
        if action.kind == "erc20_transfer_from":
            return [f"Transfer {amount} from {action.args[0]} to {action.args[1]}"]
        if action.high_risk:
            return [f"Approve {action.args[0]} to spend UNLIMITED {token.symbol}{flag}"]
        return [f"Approve {action.args[0]} to spend {amount}"]
    if action.kind == "safe_setting" and action.method in _SETTING_WORDS:
        args = [str(a) for a in action.args]
        if action.method == "setGuard" and args[0] == ZERO:
            return [f"Remove the transaction guard{flag}"]
        return [_SETTING_WORDS[action.method].format(*args) + flag]
    if action.kind == "delegatecall":
        return [
            f"DELEGATECALL to {action.target} ({action.method or 'unknown function'}){flag}: "
            f"{action.note}"
        ]
    selector = action.note or action.method or "no data"
    value = f" with {native_amount(action.value, native)}" if action.value else ""
    return [f"Call {action.method or 'function ' + selector} on {action.target}{value}"]


async def _items(action: Action, tokens: TokenBook, native: str) -> list[str]:
    lines = []
    for index, item in enumerate(action.items, 1):
        described = await describe(item, tokens, native)
        lines.append(f"  {index}. {described[0]}")
        lines += [f"     {line}" for line in described[1:]]
    return lines


async def _nft_words(action: Action, tokens: TokenBook) -> str:
    collection = (await tokens.get(action.target)).label
    sender, receiver, ids, amounts = action.args[:4]
    if action.kind == "nft_batch_transfer":
        pairs = zip(_list(ids), _list(amounts), strict=False)
        listed = ", ".join(f"#{token_id} ×{amount}" for token_id, amount in pairs)
        return f"Transfer {collection} {listed} from {sender} to {receiver}"
    count = int(str(amounts))
    quantity = f" ×{count}" if action.note == "erc1155" else ""
    return f"Transfer {collection} #{ids}{quantity} from {sender} to {receiver}"


def _list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else [value]
