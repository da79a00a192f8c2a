"""Safe and ERC-20 events, decoded whichever Safe version emitted them.

Safe 1.4.1 indexes arguments that 1.3.0 keeps in the data, under the same topic0 (indexing does
not change an event's signature). A log is decoded with the variant whose number of indexed
arguments matches its topics, so one filter serves Safes of both versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak


@dataclass(frozen=True)
class EventSpec:
    name: str
    # (type, name, indexed in 1.3.0, indexed in 1.4.1)
    params: tuple[tuple[str, str, bool, bool], ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(p[0] for p in self.params)})"

    @property
    def topic(self) -> str:
        return "0x" + keccak(text=self.signature).hex()


def _e(name: str, *params: tuple[str, str, bool, bool]) -> EventSpec:
    return EventSpec(name, params)


SAFE_EVENTS = (
    _e(
        "ExecutionSuccess", ("bytes32", "txHash", False, True), ("uint256", "payment", False, False)
    ),
    _e(
        "ExecutionFailure", ("bytes32", "txHash", False, True), ("uint256", "payment", False, False)
    ),
    _e("SafeReceived", ("address", "sender", True, True), ("uint256", "value", False, False)),
    _e("AddedOwner", ("address", "owner", False, True)),
    _e("RemovedOwner", ("address", "owner", False, True)),
    _e("ChangedThreshold", ("uint256", "threshold", False, False)),
    _e("EnabledModule", ("address", "module", False, True)),
    _e("DisabledModule", ("address", "module", False, True)),
    _e("ChangedGuard", ("address", "guard", False, True)),
    _e("ChangedFallbackHandler", ("address", "handler", False, True)),
    _e("ExecutionFromModuleSuccess", ("address", "module", True, True)),
    _e("ExecutionFromModuleFailure", ("address", "module", True, True)),
    _e(
        "SafeMultiSigTransaction",
        ("address", "to", False, False),
        ("uint256", "value", False, False),
        ("bytes", "data", False, False),
        ("uint8", "operation", False, False),
        ("uint256", "safeTxGas", False, False),
        ("uint256", "baseGas", False, False),
        ("uint256", "gasPrice", False, False),
        ("address", "gasToken", False, False),
        ("address", "refundReceiver", False, False),
        ("bytes", "signatures", False, False),
        ("bytes", "additionalInfo", False, False),
    ),
    _e(
        "SafeModuleTransaction",
        ("address", "module", False, False),
        ("address", "to", False, False),
        ("uint256", "value", False, False),
        ("bytes", "data", False, False),
        ("uint8", "operation", False, False),
    ),
)
TRANSFER = _e(
    "Transfer",
    ("address", "from", True, True),
    ("address", "to", True, True),
    ("uint256", "value", False, False),
)
SAFE_TOPICS = [event.topic for event in SAFE_EVENTS]
_BY_TOPIC = {event.topic: event for event in (*SAFE_EVENTS, TRANSFER)}
SECURITY_EVENTS = frozenset(
    {
        "AddedOwner",
        "RemovedOwner",
        "ChangedThreshold",
        "EnabledModule",
        "DisabledModule",
        "ChangedGuard",
        "ChangedFallbackHandler",
    }
)


@dataclass(frozen=True)
class DecodedLog:
    name: str
    address: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int


class UndecodableLog(ValueError):
    pass


def decode_log(log: dict[str, Any]) -> DecodedLog:
    topics = [t if isinstance(t, str) else "0x" + bytes(t).hex() for t in log["topics"]]
    event = _BY_TOPIC.get(topics[0].lower()) if topics else None
    if event is None:
        raise UndecodableLog(f"unknown topic {topics[:1]}")
    for version in (1, 0):  # 1.4.1 layout first, then 1.3.0
        indexed = [p for p in event.params if p[2 + version]]
        if len(indexed) == len(topics) - 1:
            break
    else:
        raise UndecodableLog(f"{event.name} with {len(topics) - 1} indexed arguments")
    plain = [p for p in event.params if not p[2 + version]]
    data = bytes.fromhex(str(log.get("data", "0x"))[2:])
    values = abi_decode([p[0] for p in plain], data) if plain else ()
    args: dict[str, Any] = {p[1]: _normal(p[0], v) for p, v in zip(plain, values, strict=True)}
    for param, topic in zip(indexed, topics[1:], strict=True):
        (value,) = abi_decode([param[0]], bytes.fromhex(topic[2:]))
        args[param[1]] = _normal(param[0], value)
    return DecodedLog(
        name=event.name,
        address=to_checksum_address(log["address"]),
        args=args,
        block_number=int(log["blockNumber"], 16),
        block_hash=str(log.get("blockHash", "")),
        tx_hash=str(log["transactionHash"]),
        log_index=int(log["logIndex"], 16),
    )


def _normal(kind: str, value: Any) -> Any:
    if kind == "address":
        return to_checksum_address(value)
    if kind.startswith("bytes") and isinstance(value, bytes):
        return "0x" + value.hex()
    return value


def address_topic(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")
