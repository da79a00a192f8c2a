"""Safe transactions in plain words: what an execTransaction or a queued transaction does.

Each call becomes one or more `Action`s: native transfers, ERC-20 transfers and approvals (with
unlimited approvals flagged), MultiSend batches expanded item by item, the Safe's own settings
changes named, and DELEGATECALL flagged: to anything but a known MultiSend deployment it is the
pattern behind the largest Safe theft to date, and a high-severity finding.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address

EXEC_TRANSACTION = "6a761202"
_TYPES = {
    "a9059cbb": ("transfer", ["address", "uint256"]),
    "23b872dd": ("transferFrom", ["address", "address", "uint256"]),
    "095ea7b3": ("approve", ["address", "uint256"]),
    "8d80ff0a": ("multiSend", ["bytes"]),
    "0d582f13": ("addOwnerWithThreshold", ["address", "uint256"]),
    "f8dc5dd9": ("removeOwner", ["address", "address", "uint256"]),
    "e318b52b": ("swapOwner", ["address", "address", "address"]),
    "694e80c3": ("changeThreshold", ["uint256"]),
    "610b5925": ("enableModule", ["address"]),
    "e009cfde": ("disableModule", ["address", "address"]),
    "e19a9dd9": ("setGuard", ["address"]),
    "f08a0323": ("setFallbackHandler", ["address"]),
}
_SAFE_SETTINGS = {
    "addOwnerWithThreshold",
    "removeOwner",
    "swapOwner",
    "changeThreshold",
    "enableModule",
    "disableModule",
    "setGuard",
    "setFallbackHandler",
}
UNLIMITED = 2**255  # approvals at or above this are "unlimited" in practice
CALL, DELEGATECALL = 0, 1

# Canonical MultiSend and MultiSendCallOnly deployments (safe-deployments), 1.3.0 and 1.4.1.
KNOWN_MULTISEND = frozenset(
    a.lower()
    for a in (
        "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761",
        "0x998739BFdAAdde7C933B942a68053933098f9EDa",
        "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D",
        "0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B",
        "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526",
        "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",
    )
)


@dataclass(frozen=True)
class SafeCall:
    to: str
    value: int
    data: bytes
    operation: int = CALL


@dataclass(frozen=True)
class Action:
    """One thing a transaction does. `kind` is stable for code; renderers word it."""

    kind: str  # native, erc20_transfer, erc20_transfer_from, approve, safe_setting, delegatecall,
    # contract_call, batch
    target: str
    value: int = 0
    method: str | None = None
    args: tuple[object, ...] = ()
    high_risk: bool = False
    note: str | None = None
    items: tuple[Action, ...] = field(default=())


def decode_exec_transaction(input_data: str) -> SafeCall | None:
    """The Safe call inside an execTransaction's calldata, or None if it is not one."""
    raw = bytes.fromhex(input_data.removeprefix("0x"))
    if raw[:4].hex() != EXEC_TRANSACTION:
        return None
    to, value, data, operation, *_ = abi_decode(
        [
            "address",
            "uint256",
            "bytes",
            "uint8",
            "uint256",
            "uint256",
            "uint256",
            "address",
            "address",
            "bytes",
        ],
        raw[4:],
    )
    return SafeCall(to_checksum_address(to), value, data, operation)


def describe_call(call: SafeCall, safe: str, known_multisend: Collection[str] = ()) -> list[Action]:
    multisends = KNOWN_MULTISEND | {a.lower() for a in known_multisend}
    actions: list[Action] = []
    method, args = _method(call.data)
    if call.operation == DELEGATECALL:
        if call.to.lower() in multisends and method == "multiSend":
            items = tuple(
                action
                for item in _multisend_items(_bytes(args[0]))
                for action in describe_call(item, safe, known_multisend)
            )
            return [
                Action(
                    "batch",
                    call.to,
                    method="multiSend",
                    items=items,
                    high_risk=any(a.high_risk for a in items),
                )
            ]
        return [
            Action(
                "delegatecall",
                call.to,
                call.value,
                method,
                tuple(args),
                high_risk=True,
                note="DELEGATECALL to a contract that is not a known MultiSend: it can rewrite the "
                "Safe itself",
            )
        ]
    if call.value and (not call.data or method is not None):
        actions.append(Action("native", call.to, call.value))
    if not call.data:
        return actions or [Action("native", call.to, 0)]
    if method is None:
        actions.append(
            Action("contract_call", call.to, call.value, note=f"0x{call.data[:4].hex()}")
        )
        return actions
    if method == "multiSend":
        items = tuple(
            a for item in _multisend_items(_bytes(args[0])) for a in describe_call(item, safe, ())
        )
        actions.append(
            Action(
                "batch",
                call.to,
                method=method,
                items=items,
                high_risk=any(a.high_risk for a in items),
            )
        )
    elif call.to.lower() == safe.lower() and method in _SAFE_SETTINGS:
        actions.append(
            Action("safe_setting", call.to, method=method, args=tuple(args), high_risk=True)
        )
    elif method == "transfer":
        actions.append(Action("erc20_transfer", call.to, method=method, args=tuple(args)))
    elif method == "transferFrom":
        actions.append(Action("erc20_transfer_from", call.to, method=method, args=tuple(args)))
    elif method == "approve":
        unlimited = int(str(args[1])) >= UNLIMITED
        actions.append(
            Action(
                "approve",
                call.to,
                method=method,
                args=tuple(args),
                high_risk=unlimited,
                note="unlimited approval" if unlimited else None,
            )
        )
    else:
        actions.append(
            Action("contract_call", call.to, call.value, method=method, args=tuple(args))
        )
    return actions


def _method(data: bytes) -> tuple[str | None, list[object]]:
    if len(data) < 4:
        return None, []
    known = _TYPES.get(data[:4].hex())
    if known is None:
        return None, []
    name, types = known
    try:
        values = abi_decode(types, data[4:])
    except Exception:  # malformed arguments: report the selector, not a crash
        return None, []
    return name, [
        to_checksum_address(v) if t == "address" else v for t, v in zip(types, values, strict=True)
    ]


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
