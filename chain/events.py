"""Safe and token events, decoded with the ABIs safe-eth-py ships, whichever version emitted them.

Safe 1.4.1 and 1.5.0 index arguments that 1.3.0 keeps in the data, under the same topic0
(indexing does not change an event's signature), and ERC-721's Transfer is ERC-20's with the
third argument indexed. A log is decoded with the layout whose number of indexed arguments
matches its topics, so one filter serves every version and both standards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address

from chain import abis

# The Safe events that make an alert: money in, a transaction or module execution, a settings
# change. (Setup, ApproveHash and SignMsg are signing steps, not activity.)
WATCHED_SAFE_EVENTS = frozenset(
    {
        "ExecutionSuccess",
        "ExecutionFailure",
        "SafeReceived",
        "AddedOwner",
        "RemovedOwner",
        "ChangedThreshold",
        "EnabledModule",
        "DisabledModule",
        "ChangedGuard",
        "ChangedModuleGuard",
        "ChangedFallbackHandler",
        "ExecutionFromModuleSuccess",
        "ExecutionFromModuleFailure",
        "SafeMultiSigTransaction",
        "SafeModuleTransaction",
    }
)
SECURITY_EVENTS = frozenset(
    {
        "AddedOwner",
        "RemovedOwner",
        "ChangedThreshold",
        "EnabledModule",
        "DisabledModule",
        "ChangedGuard",
        "ChangedModuleGuard",
        "ChangedFallbackHandler",
    }
)


@dataclass(frozen=True)
class EventLayout:
    name: str
    standard: str  # safe, erc20, erc721, erc1155
    inputs: tuple[tuple[str, str, bool], ...]  # (type, name, indexed)

    @property
    def indexed(self) -> int:
        return sum(1 for _, _, indexed in self.inputs if indexed)


def _layouts() -> dict[str, list[EventLayout]]:
    sources: list[tuple[str, abis.ABI, frozenset[str] | None]] = [
        *(("safe", abis.safe_abi(v), WATCHED_SAFE_EVENTS) for v in abis.SAFE_VERSIONS),
        ("erc20", abis.erc20_abi(), frozenset({"Transfer"})),
        ("erc721", abis.erc721_abi(), frozenset({"Transfer"})),
        ("erc1155", abis.erc1155_abi(), frozenset({"TransferSingle", "TransferBatch"})),
    ]
    found: dict[str, list[EventLayout]] = {}
    for standard, interface, wanted in sources:
        for entry in abis.events(interface):
            if wanted is not None and entry["name"] not in wanted:
                continue
            layout = EventLayout(
                entry["name"],
                standard,
                tuple((abis.abi_type(i), i["name"], bool(i["indexed"])) for i in entry["inputs"]),
            )
            variants = found.setdefault(abis.event_topic(entry), [])
            if all(v.indexed != layout.indexed for v in variants):
                variants.append(layout)
    return found


_BY_TOPIC = _layouts()
SAFE_TOPICS = sorted(
    topic for topic, variants in _BY_TOPIC.items() if variants[0].standard == "safe"
)
TRANSFER_TOPIC = next(t for t, v in _BY_TOPIC.items() if v[0].name == "Transfer")
NFT_1155_TOPICS = sorted(
    t for t, v in _BY_TOPIC.items() if v[0].name in ("TransferSingle", "TransferBatch")
)


@dataclass(frozen=True)
class DecodedLog:
    name: str
    standard: str
    address: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int

    @property
    def is_transfer(self) -> bool:
        return self.standard != "safe"


class UndecodableLog(ValueError):
    pass


def decode_log(log: dict[str, Any]) -> DecodedLog:
    topics = [_hex(t) for t in log["topics"]]
    variants = _BY_TOPIC.get(topics[0].lower()) if topics else None
    if not variants:
        raise UndecodableLog(f"unknown topic {topics[:1]}")
    layout = next((v for v in variants if v.indexed == len(topics) - 1), None)
    if layout is None:
        raise UndecodableLog(f"{variants[0].name} with {len(topics) - 1} indexed arguments")
    plain = [(kind, name) for kind, name, indexed in layout.inputs if not indexed]
    data = bytes.fromhex(_hex(log.get("data", "0x"))[2:])
    values = abi_decode([kind for kind, _ in plain], data) if plain else ()
    args: dict[str, Any] = {
        name: _normal(kind, value) for (kind, name), value in zip(plain, values, strict=True)
    }
    indexed = [(kind, name) for kind, name, is_indexed in layout.inputs if is_indexed]
    for (kind, name), topic in zip(indexed, topics[1:], strict=True):
        (value,) = abi_decode([kind], bytes.fromhex(topic[2:]))
        args[name] = _normal(kind, value)
    return DecodedLog(
        name=layout.name,
        standard=layout.standard,
        address=to_checksum_address(log["address"]),
        args=args,
        block_number=_int(log["blockNumber"]),
        block_hash=_hex(log.get("blockHash", "")),
        tx_hash=_hex(log["transactionHash"]),
        log_index=_int(log["logIndex"]),
    )


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") or not text else "0x" + text


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value), 16)


def _normal(kind: str, value: Any) -> Any:
    if kind == "address":
        return to_checksum_address(value)
    if kind.startswith("bytes") and isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [_normal(kind.removesuffix("[]"), item) for item in value]
    return value


def address_topic(address: str) -> str:
    return "0x" + "0" * 24 + address.lower().removeprefix("0x")
