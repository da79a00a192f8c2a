"""Reading a Safe's state: owners, threshold, nonce, version, modules, guard, fallback handler.

Plain eth_calls and storage reads through our RPC client, so failures are retried and reported
in one place (safe-eth-py's retrieve_all_info batches the same calls but turns any failure into
silent None fields).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address

from chain.errors import RpcError
from chain.rpc import JsonRpc

_GET_OWNERS, _GET_THRESHOLD, _NONCE, _VERSION = (
    "0xa0e67e2b",
    "0xe75235b8",
    "0xaffed0e0",
    "0xffa1ad74",
)
_GET_MODULES_PAGINATED = "0xcc2f8452"
_SENTINEL = "0x0000000000000000000000000000000000000001"
# keccak256("guard_manager.guard.address") and keccak256("fallback_manager.handler.address")
GUARD_SLOT = "0x4a204f620c8c5ccdca3fd54d003badd85ba500436a431f0cbda4f558c93c34c8"
FALLBACK_SLOT = "0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5"


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


async def is_safe(rpc: JsonRpc, address: str) -> str | None:
    """The Safe's version, or None when the address is not a Safe."""
    try:
        raw = await rpc.eth_call(address, _VERSION)
        (version,) = abi_decode(["string"], bytes.fromhex(raw[2:]))
        await rpc.eth_call(address, _GET_THRESHOLD)
    except (RpcError, ValueError, Exception) as exc:
        if isinstance(exc, RpcError) and exc.retryable:
            raise
        return None
    return str(version)


async def read_state(rpc: JsonRpc, address: str) -> SafeState:
    owners_raw = await rpc.eth_call(address, _GET_OWNERS)
    (owners,) = abi_decode(["address[]"], bytes.fromhex(owners_raw[2:]))
    threshold = int(await rpc.eth_call(address, _GET_THRESHOLD), 16)
    nonce = int(await rpc.eth_call(address, _NONCE), 16)
    (version,) = abi_decode(["string"], bytes.fromhex((await rpc.eth_call(address, _VERSION))[2:]))
    modules_call = (
        _GET_MODULES_PAGINATED + _SENTINEL[2:].rjust(64, "0") + hex(50)[2:].rjust(64, "0")
    )
    modules_raw = await rpc.eth_call(address, modules_call)
    modules, _next = abi_decode(["address[]", "address"], bytes.fromhex(modules_raw[2:]))
    return SafeState(
        address=address,
        owners=[to_checksum_address(o) for o in owners],
        threshold=threshold,
        nonce=nonce,
        version=str(version),
        modules=[to_checksum_address(m) for m in modules],
        guard=await _slot_address(rpc, address, GUARD_SLOT),
        fallback_handler=await _slot_address(rpc, address, FALLBACK_SLOT),
    )


async def _slot_address(rpc: JsonRpc, address: str, slot: str) -> str | None:
    raw = await rpc.call("eth_getStorageAt", [address, slot, "latest"])
    value = int(str(raw), 16)
    return to_checksum_address(value.to_bytes(32, "big")[-20:]) if value else None
