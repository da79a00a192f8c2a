"""Safe transactions in plain words: what an execTransaction or a queued transaction does.

Each call becomes one or more `Action`s: native transfers, ERC-20 transfers and approvals (with
unlimited approvals flagged), MultiSend batches expanded item by item, the Safe's own settings
changes named, and DELEGATECALL flagged: to anything but a known MultiSend deployment it is the
pattern behind the largest Safe theft to date, and a high-severity finding.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from functools import cache

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address

from chain import abis

# The Safe's own functions that change who controls it; named in words and always high risk.
SAFE_SETTINGS = frozenset(
    {
        "addOwnerWithThreshold",
        "removeOwner",
        "swapOwner",
        "changeThreshold",
        "enableModule",
        "disableModule",
        "setGuard",
        "setModuleGuard",
        "setFallbackHandler",
    }
)
# Token functions worth words, by the standard whose ABI declares them.
_TOKEN_FUNCTIONS = {
    "erc20": {"transfer", "transferFrom", "approve"},
    "erc721": {"safeTransferFrom", "setApprovalForAll"},
    "erc1155": {"safeTransferFrom", "safeBatchTransferFrom", "setApprovalForAll"},
}
UNLIMITED = 2**255  # approvals at or above this are "unlimited" in practice
CALL, DELEGATECALL = 0, 1


@dataclass(frozen=True)
class Function:
    name: str
    types: tuple[str, ...]
    standard: str  # safe, multisend, erc20, erc721, erc1155


@cache
def functions_by_selector() -> dict[str, Function]:
    """4-byte selector -> the function, from the ABIs safe-eth-py ships. ERC-20's and ERC-721's
    transferFrom share a selector (and arguments): it reads as ERC-20's until the token is
    known to be an NFT."""
    found: dict[str, Function] = {}
    sources: list[tuple[str, abis.ABI, set[str] | frozenset[str]]] = [
        ("erc20", abis.erc20_abi(), _TOKEN_FUNCTIONS["erc20"]),
        ("erc721", abis.erc721_abi(), _TOKEN_FUNCTIONS["erc721"]),
        ("erc1155", abis.erc1155_abi(), _TOKEN_FUNCTIONS["erc1155"]),
        ("multisend", abis.multisend_abi(), {"multiSend"}),
        *(("safe", abis.safe_abi(v), SAFE_SETTINGS) for v in abis.SAFE_VERSIONS),
    ]
    for standard, interface, wanted in sources:
        for entry in abis.functions(interface):
            if entry["name"] in wanted:
                found.setdefault(
                    abis.selector(entry),
                    Function(entry["name"], tuple(abis.input_types(entry)), standard),
                )
    return found


@cache
def _exec_transaction() -> tuple[str, tuple[str, ...]]:
    entry = next(
        f for f in abis.functions(abis.safe_abi("1.4.1")) if f["name"] == "execTransaction"
    )
    return abis.selector(entry), tuple(abis.input_types(entry))


@dataclass(frozen=True)
class SafeCall:
    to: str
    value: int
    data: bytes
    operation: int = CALL


@dataclass(frozen=True)
class Action:
    """One thing a transaction does. `kind` is stable for code; renderers word it."""

    kind: str  # native, erc20_transfer, erc20_transfer_from, approve, approval_for_all,
    # nft_transfer, nft_batch_transfer, safe_setting, delegatecall, contract_call, batch
    target: str
    value: int = 0
    method: str | None = None
    args: tuple[object, ...] = ()
    high_risk: bool = False
    note: str | None = None
    items: tuple[Action, ...] = field(default=())


def decode_exec_transaction(input_data: str | bytes) -> SafeCall | None:
    """The Safe call inside an execTransaction's calldata, or None if it is not one."""
    raw = input_data if isinstance(input_data, bytes) else bytes.fromhex(input_data[2:])
    selector, types = _exec_transaction()
    if raw[:4].hex() != selector:
        return None
    to, value, data, operation, *_ = abi_decode(list(types), raw[4:])
    return SafeCall(to_checksum_address(to), value, data, operation)


def describe_call(call: SafeCall, safe: str, multisends: Collection[str] = ()) -> list[Action]:
    """What a Safe call does. `multisends`: lower-case addresses of the MultiSend deployments
    known on the chain (see chain.deployments), the only DELEGATECALL targets expected."""
    function, args = _method(call.data)
    method = function.name if function else None
    if call.operation == DELEGATECALL:
        known = call.to.lower() in {m.lower() for m in multisends}
        items = _batch_items(args, safe, multisends) if method == "multiSend" else ()
        if known and method == "multiSend":
            return [_batch(call.to, items)]
        # Not a known MultiSend: high severity whatever it claims; a batch is still listed, so
        # signers see what it would do.
        note = "DELEGATECALL to a contract that is not a known MultiSend: it can rewrite the Safe"
        if items:
            note += "; it claims to batch"
        return [
            Action(
                "delegatecall",
                call.to,
                call.value,
                method,
                tuple(args) if not items else (),
                high_risk=True,
                note=note,
                items=items,
            )
        ]
    actions: list[Action] = []
    if call.value and (not call.data or function is not None):
        actions.append(Action("native", call.to, call.value))
    if not call.data:
        return actions or [Action("native", call.to, 0)]
    if function is None:
        actions.append(
            Action("contract_call", call.to, call.value, note=f"0x{call.data[:4].hex()}")
        )
        return actions
    actions.append(_action(call, function, args, safe, multisends))
    return actions


def _action(
    call: SafeCall, function: Function, args: list[object], safe: str, multisends: Collection[str]
) -> Action:
    name, standard, target = function.name, function.standard, call.to
    if name == "multiSend":
        return _batch(target, _batch_items(args, safe, multisends))
    if standard == "safe":
        if target.lower() == safe.lower():
            return Action("safe_setting", target, method=name, args=tuple(args), high_risk=True)
        return Action("contract_call", target, call.value, method=name, args=tuple(args))
    if name == "transfer":
        return Action("erc20_transfer", target, method=name, args=tuple(args))
    if name == "transferFrom":
        return Action("erc20_transfer_from", target, method=name, args=tuple(args))
    if name == "approve":
        unlimited = int(str(args[1])) >= UNLIMITED
        note = "unlimited approval" if unlimited else None
        return Action(
            "approve", target, method=name, args=tuple(args), high_risk=unlimited, note=note
        )
    if name == "setApprovalForAll":
        granted = bool(args[1])
        note = "may move every token of this collection" if granted else None
        return Action(
            "approval_for_all", target, method=name, args=tuple(args), high_risk=granted, note=note
        )
    if name == "safeBatchTransferFrom":
        return Action(
            "nft_batch_transfer", target, method=name, args=tuple(args[:4]), note=standard
        )
    # safeTransferFrom: ERC-721 (from, to, tokenId[, data]) or ERC-1155 (from, to, id, amount, data)
    amount = args[3] if standard == "erc1155" else 1
    return Action("nft_transfer", target, method=name, args=(*args[:3], amount), note=standard)


def _batch(target: str, items: tuple[Action, ...]) -> Action:
    return Action(
        "batch", target, method="multiSend", items=items, high_risk=any(a.high_risk for a in items)
    )


def _batch_items(args: list[object], safe: str, multisends: Collection[str]) -> tuple[Action, ...]:
    if not args:
        return ()
    return tuple(
        action
        for item in _multisend_items(_bytes(args[0]))
        for action in describe_call(item, safe, multisends)
    )


def _method(data: bytes) -> tuple[Function | None, list[object]]:
    if len(data) < 4:
        return None, []
    function = functions_by_selector().get(data[:4].hex())
    if function is None:
        return None, []
    try:
        values = abi_decode(list(function.types), data[4:])
    except Exception:  # malformed arguments: report the selector, not a crash
        return None, []
    return function, [
        _checksummed(kind, value) for kind, value in zip(function.types, values, strict=True)
    ]


def _checksummed(kind: str, value: object) -> object:
    if kind == "address" and isinstance(value, str):
        return to_checksum_address(value)
    if kind.endswith("[]") and isinstance(value, tuple | list):
        return [_checksummed(kind[:-2], item) for item in value]
    return value


def _bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else b""


def _multisend_items(packed: bytes) -> list[SafeCall]:
    """MultiSend's packed encoding: operation (1), to (20), value (32), length (32), data."""
    items = []
    offset = 0
    while offset + 85 <= len(packed):
        operation = packed[offset]
        to = to_checksum_address(packed[offset + 1 : offset + 21])
        value = int.from_bytes(packed[offset + 21 : offset + 53], "big")
        length = int.from_bytes(packed[offset + 53 : offset + 85], "big")
        data = packed[offset + 85 : offset + 85 + length]
        items.append(SafeCall(to, value, data, operation))
        offset += 85 + length
    return items
