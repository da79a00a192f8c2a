"""Who stands behind a signature of a 32-byte digest: a key (ecrecover) or a contract wallet
(EIP-1271).

Shared by every signature Steward checks (Sign-In with Ethereum, Snapshot proposals). A plain
account is checked here with no request at all; a contract wallet costs one JSON-RPC batch: the
address's code and `isValidSignature(bytes32 digest, bytes signature)` asked of it together. A
contract that accepts answers the magic value 0x1626ba7e; a Safe accepts its owners' signatures
of its own SafeMessage hash of the digest, up to its threshold.
"""

from __future__ import annotations

from functools import cache

from eth_abi.abi import encode as abi_encode
from eth_account import Account

from chain import abis
from chain.node import ChainNode

EIP1271_MAGIC = "1626ba7e"


def recover(digest: bytes, raw: bytes) -> str | None:
    """The checksummed address whose key signed `digest`, or None when `raw` is not a 65-byte
    signature any key made (a contract wallet's signature, garbage)."""
    if len(raw) != 65:
        return None
    try:
        return str(Account._recover_hash(digest, signature=raw))
    except Exception:  # eth-keys' BadSignature, ValueError: no key signed this
        return None


async def contract_accepts(node: ChainNode, address: str, digest: bytes, raw: bytes) -> bool | None:
    """EIP-1271's verdict on `raw` as `address`'s signature of `digest`, or None when the
    address has no code (a plain account). RpcError when the node fails (retryable)."""
    arguments = abi_encode(["bytes32", "bytes"], [digest, raw]).hex()
    data = "0x" + is_valid_signature_selector() + arguments
    code, answer = await node.batch(
        [
            ("eth_getCode", [address, "latest"]),
            ("eth_call", [{"to": address, "data": data}, "latest"]),
        ]
    )
    if str(code.value()) in ("0x", "0x0", ""):
        return None
    if answer.error is not None:
        if answer.error.retryable:
            raise answer.error
        return False  # reverted: a Safe says GS026 (not its owners) or GS020 (too few)
    result = str(answer.result or "").removeprefix("0x")
    return result[:8] == EIP1271_MAGIC and set(result[8:64]) <= {"0"}


@cache
def is_valid_signature_selector() -> str:
    for entry in abis.functions(abis.fallback_handler_abi()):
        if entry["name"] == "isValidSignature" and abis.input_types(entry) == ["bytes32", "bytes"]:
            return abis.selector(entry)
    raise LookupError("isValidSignature(bytes32,bytes) is missing from the handler's ABI")
