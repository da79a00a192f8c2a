"""What the fake Snapshot sequencer checks of an envelope, in the real one's order and words.

From snapshot-labs/snapshot-sequencer `src/ingestor.ts` and `src/helpers/envelope.json`, and
snapshot.js `src/verify/evm.ts`: the envelope's shape (exactly `address`, `sig`, `data` with
`domain`, `types`, `message` and optionally `primaryType`), its size, the timestamp window, the
domain, the hash of `types` (after dropping `EIP712Domain`) among the known ones, a known space,
`address` equal to `message.from` (aliases are not enabled on the fake's spaces), then the
signature: ecrecover of the EIP-712 hash, else EIP-1271 `isValidSignature(hash, sig)` asked of
the address over JSON-RPC. Each refusal is a `Refused` carrying the sequencer's own phrase.

Written independently of `chain/snapshot.py` (eth-account and eth-abi directly, JSON-RPC by
hand) so that the tests check Steward's code against the protocol, not against itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection
from typing import Any

import aiohttp
from eth_abi.abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils.address import is_address
from eth_utils.crypto import keccak

NAME, VERSION = "snapshot", "0.1.4"
MAX_FUTURE = 300  # seconds
MAX_AGE = 60 * 60 * 24 * 3  # `under` in ingestor.ts: 3 days
MAX_BODY = 100_000  # JSON.stringify(body).length
IS_VALID_SIGNATURE = "1626ba7e"  # selector of isValidSignature(bytes32,bytes), and its magic

# Proposal entries of snapshot.js `src/sign/hashedTypes.json` (the version stored with the
# sequencer's source), and the current `Proposal` type (`from` as a string, labels, privacy,
# app; ../shared/PROTOCOLS.md §5 and §12), whose hash that stored version predates.
KNOWN_TYPES: dict[str, str] = {
    "a7bf2991bf4ff9053f1b19085ddc6febaa711e7a95cf90a797605dadc40b4079": "proposal",
    "6fee59b7db10fabbb0c6420c0a18c9d2c36306e342042826a355bfc7fe733870": "proposal",
    "18ad1db546f164fbf3584d2c145ebc0c73d1f60409a3257714790a6a24c63714": "proposal",
    "d1b38fb01c3b9d1eadb755a28b6a8c8325f6d26d451b18e4c793a8afa5be7d77": "proposal",
    "9fecffaa3ddb7666a390be8db0aa6b8732e7679ffeebba069e4372597c0eb6c8": "proposal",
    "d56782e3b50ac86c25ae292923da8c367e3c9e8e7ea9d8baa435051fe2f430fa": "proposal",
    "e037b37311c75c995f732b57cd456bdc685e5eac29668698be34388cafb14097": "proposal",
}


class Refused(Exception):
    """The sequencer's answer: HTTP 400 `{error: "client_error", error_description}`."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def check_shape(body: Any) -> None:
    if not isinstance(body, dict) or set(body) != {"address", "sig", "data"}:
        raise Refused("wrong envelope format")
    data, address, sig = body["data"], body["address"], body["sig"]
    if not isinstance(address, str) or not is_address(address) or not isinstance(sig, str):
        raise Refused("wrong envelope format")
    if not isinstance(data, dict) or not {"domain", "message", "types"} <= set(data):
        raise Refused("wrong envelope format")
    if not set(data) <= {"domain", "message", "types", "primaryType"}:
        raise Refused("wrong envelope format")
    domain, message, types = data["domain"], data["message"], data["types"]
    if not isinstance(domain, dict) or not isinstance(types, dict) or not isinstance(message, dict):
        raise Refused("wrong envelope format")
    if not all(isinstance(domain.get(key), str) for key in ("name", "version")):
        raise Refused("wrong envelope format")
    sender, timestamp = message.get("from"), message.get("timestamp")
    if not isinstance(sender, str) or not is_address(sender):
        raise Refused("wrong envelope format")
    if not isinstance(timestamp, int | float) or isinstance(timestamp, bool):
        raise Refused("wrong envelope format")
    if "space" in message and not isinstance(message["space"], str):
        raise Refused("wrong envelope format")


def js_stringify(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def check_message(
    body: dict[str, Any],
    *,
    now: float,
    known_types: Collection[str],
    spaces: Collection[str],
) -> str:
    """Every check before the signature's; answers the type's name ("proposal")."""
    if len(js_stringify(body)) > MAX_BODY:
        raise Refused("too large message")
    data = body["data"]
    timestamp = data["message"]["timestamp"]
    if timestamp > round(now + MAX_FUTURE) or timestamp < round(now - MAX_AGE):
        raise Refused("wrong timestamp")
    if data["domain"]["name"] != NAME or data["domain"]["version"] != VERSION:
        raise Refused("wrong domain")
    types = {key: value for key, value in data["types"].items() if key != "EIP712Domain"}
    digest = hashlib.sha256(js_stringify(types).encode()).hexdigest()
    if digest not in known_types:
        raise Refused("wrong types")
    if not data["message"].get("space") or data["message"]["space"] not in spaces:
        raise Refused("unknown space")
    if body["address"] != data["message"]["from"]:
        raise Refused("alias not enabled")
    return KNOWN_TYPES.get(digest, "proposal")


def check_space_voting(message: dict[str, Any], space: dict[str, Any]) -> None:
    """What the space imposes (snapshot-sequencer `src/writer/proposal.ts` `verify`): the start
    exactly `delay` after the message's timestamp, the vote lasting exactly `period`, and its
    type, when the space sets them."""
    voting = space.get("voting") or {}
    if voting.get("delay") and message["start"] != message["timestamp"] + voting["delay"]:
        raise Refused("invalid voting delay")
    if voting.get("period") and message["end"] - message["start"] != voting["period"]:
        raise Refused("invalid voting period")
    if voting.get("type") and message.get("type") != voting["type"]:
        raise Refused("invalid voting type")


def message_hash(data: dict[str, Any]) -> bytes:
    """snapshot.js `getHash(data)`: the EIP-712 hash of the typed data, EIP712Domain dropped."""
    types = {key: value for key, value in data["types"].items() if key != "EIP712Domain"}
    primary = next(iter(types))
    domain_type = [{"name": key, "type": _DOMAIN_FIELDS[key]} for key in data["domain"]]
    signable = encode_typed_data(
        full_message={
            "types": {"EIP712Domain": domain_type, **types},
            "primaryType": primary,
            "domain": data["domain"],
            "message": data["message"],
        }
    )
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


_DOMAIN_FIELDS = {
    "name": "string",
    "version": "string",
    "chainId": "uint256",
    "verifyingContract": "address",
    "salt": "bytes32",
}


async def check_signature(
    address: str, sig: str, digest: bytes, rpc_url: str | None, post: Callable[..., Any]
) -> None:
    """ecrecover, then EIP-1271 on `rpc_url`; Refused("signature validation failed")."""
    try:
        raw = bytes.fromhex(sig.removeprefix("0x"))
    except ValueError as exc:
        raise Refused("signature validation failed") from exc
    if len(raw) == 65 and _recovered(digest, raw) == address.lower():
        return
    if rpc_url is None or not await _contract_accepts(address, digest, raw, rpc_url, post):
        raise Refused("signature validation failed")


def _recovered(digest: bytes, raw: bytes) -> str | None:
    try:
        return str(Account._recover_hash(digest, signature=raw)).lower()
    except Exception:  # eth-keys refuses: not a key's signature
        return None


async def _contract_accepts(
    address: str, digest: bytes, raw: bytes, rpc_url: str, post: Callable[..., Any]
) -> bool:
    data = "0x" + IS_VALID_SIGNATURE + abi_encode(["bytes32", "bytes"], [digest, raw]).hex()
    request = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "eth_call",
        "params": [{"to": address, "data": data}, "latest"],
    }
    try:
        answer = await post(rpc_url, request)
    except aiohttp.ClientError:
        return False
    result = str(answer.get("result") or "")
    return result.removeprefix("0x")[:8] == IS_VALID_SIGNATURE
