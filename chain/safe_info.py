"""Reading a Safe's state in one batch: owners, threshold, nonce, version, modules, guard and
fallback handler, with the Safe's ABI from safe-eth-py.

One batch of eth_calls and storage reads through our node, so failures are reported in one place
(safe-eth-py's retrieve_all_info batches the same calls but turns any failure into None fields).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from chain import abis
from chain.errors import NotASafe, RpcError
from chain.node import Answer, ChainNode

SENTINEL = "0x0000000000000000000000000000000000000001"
# Where a Safe keeps its guard and its fallback handler (keccak of these names).
GUARD_SLOT = "0x" + keccak(text="guard_manager.guard.address").hex()
FALLBACK_SLOT = "0x" + keccak(text="fallback_manager.handler.address").hex()
MODULES_PAGE = 50


@dataclass(frozen=True)
class SafeState:
    address: str
    owners: list[str]
    threshold: int
    nonce: int
    version: str
    modules: list[str]
    guard: str | None
    fallback_handler: str | None


@cache
def _calls() -> dict[str, tuple[str, list[str]]]:
    """selector and output types of the getters we read, from the 1.4.1 ABI."""
    wanted = {"getOwners", "getThreshold", "nonce", "VERSION", "getModulesPaginated"}
    found = {}
    for entry in abis.functions(abis.safe_abi("1.4.1")):
        if entry["name"] in wanted:
            outputs = [abis.abi_type(o) for o in entry["outputs"]]
            found[entry["name"]] = ("0x" + abis.selector(entry), outputs)
    return found


def _call(
    address: str, name: str, args: tuple[list[str], list[Any]] = ([], [])
) -> tuple[str, list[Any]]:
    selector = _calls()[name][0]
    data = selector + (abi_encode(args[0], args[1]).hex() if args[0] else "")
    return ("eth_call", [{"to": address, "data": data}, "latest"])


def _decoded(answer: Answer, name: str) -> Any:
    raw = bytes.fromhex(str(answer.value()).removeprefix("0x"))
    values = abi_decode(_calls()[name][1], raw)
    return values[0] if len(values) == 1 else values


async def safe_version(node: ChainNode, address: str) -> str | None:
    """The Safe's version, or None when the address has no code or code that is not a Safe."""
    code, version, threshold = await node.batch(
        [
            ("eth_getCode", [address, "latest"]),
            _call(address, "VERSION"),
            _call(address, "getThreshold"),
        ]
    )
    if code.error and code.error.retryable:
        raise code.error
    if not code.result or str(code.result) in ("0x", "0x0"):
        return None
    for answer in (version, threshold):
        if answer.error is not None and answer.error.retryable:
            raise answer.error
    try:
        return (
            str(_decoded(version, "VERSION")) if int(_decoded(threshold, "getThreshold")) else None
        )
    except (RpcError, ValueError, Exception):  # reverted, or answered something else: not a Safe
        return None


async def read_state(node: ChainNode, address: str, chain: str = "") -> SafeState:
    answers = await node.batch(
        [
            _call(address, "getOwners"),
            _call(address, "getThreshold"),
            _call(address, "nonce"),
            _call(address, "VERSION"),
            _call(
                address, "getModulesPaginated", (["address", "uint256"], [SENTINEL, MODULES_PAGE])
            ),
            ("eth_getStorageAt", [address, GUARD_SLOT, "latest"]),
            ("eth_getStorageAt", [address, FALLBACK_SLOT, "latest"]),
        ]
    )
    owners, threshold, nonce, version, modules, guard, handler = answers
    try:
        modules_list, _next = _decoded(modules, "getModulesPaginated")
        return SafeState(
            address=address,
            owners=[to_checksum_address(o) for o in _decoded(owners, "getOwners")],
            threshold=int(_decoded(threshold, "getThreshold")),
            nonce=int(_decoded(nonce, "nonce")),
            version=str(_decoded(version, "VERSION")),
            modules=[to_checksum_address(m) for m in modules_list],
            guard=_slot_address(guard),
            fallback_handler=_slot_address(handler),
        )
    except RpcError as exc:
        if exc.retryable:
            raise
        raise NotASafe(address, chain) from exc
    except ValueError as exc:  # an answer that is not what a Safe answers
        raise NotASafe(address, chain) from exc


def _slot_address(answer: Answer) -> str | None:
    value = int(str(answer.value()), 16)
    return to_checksum_address(value.to_bytes(32, "big")[-20:]) if value else None
