"""What members hold, asked for all of them at once: one JSON-RPC batch per rule.

ERC-20 and ERC-721 `balanceOf` go as one eth_call per address inside a single batch (Multicall3
would pack them into one call, but it is not deployed everywhere, anvil included). ERC-1155's
`balanceOfBatch` answers every address in one call. Over `max_batch` calls the batch is split,
since hosted nodes cap batch sizes (Alchemy and QuickNode at about 1,000). Call data comes from
the standards' ABIs that safe-eth-py ships.

Balances are keyed by the addresses exactly as given, so the caller looks up what it passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import is_address, to_checksum_address

from chain import abis
from chain.errors import ChainError, NotASafe
from chain.node import Answer, ChainNode

MAX_BATCH = 500


class NotAToken(ChainError):
    """The address answered a balance question with nothing a token answers."""

    def __init__(self, address: str, standard: str) -> None:
        super().__init__("chain", f"{address} is not an {standard} contract", retryable=False)
        self.address = address


@cache
def _selector(interface: str, name: str) -> str:
    table = {"erc20": abis.erc20_abi, "erc721": abis.erc721_abi, "erc1155": abis.erc1155_abi}
    source = abis.safe_abi("1.4.1") if interface == "safe" else table[interface]()
    entry = next(f for f in abis.functions(source) if f["name"] == name)
    return "0x" + abis.selector(entry)


async def erc20_balances(
    node: ChainNode, token: str, addresses: Sequence[str], *, max_batch: int = MAX_BATCH
) -> dict[str, int]:
    """Each address's balance of the ERC-20 `token`, in its smallest unit."""
    return await _balance_of(node, token, addresses, "erc20", max_batch)


async def erc721_balances(
    node: ChainNode, collection: str, addresses: Sequence[str], *, max_batch: int = MAX_BATCH
) -> dict[str, int]:
    """How many tokens of the ERC-721 `collection` each address owns."""
    return await _balance_of(node, collection, addresses, "erc721", max_batch)


async def erc1155_balances(
    node: ChainNode,
    collection: str,
    token_id: int,
    addresses: Sequence[str],
    *,
    max_batch: int = MAX_BATCH,
) -> dict[str, int]:
    """Each address's balance of id `token_id` of the ERC-1155 `collection`: balanceOfBatch,
    one call per `max_batch` addresses, all in one batch."""
    holders = _distinct(addresses)
    if not holders:
        return {}
    chunks = [holders[i : i + max_batch] for i in range(0, len(holders), max_batch)]
    selector = _selector("erc1155", "balanceOfBatch")
    calls = [
        _eth_call(
            collection,
            selector
            + abi_encode(
                ["address[]", "uint256[]"],
                [[to_checksum_address(h) for h in chunk], [token_id] * len(chunk)],
            ).hex(),
        )
        for chunk in chunks
    ]
    found: dict[str, int] = {}
    answers = await _batched(node, calls, max_batch)
    for chunk, answer in zip(chunks, answers, strict=True):
        values = _decode(answer, ["uint256[]"], collection, "ERC-1155")[0]
        if len(values) != len(chunk):
            raise NotAToken(collection, "ERC-1155")
        found.update(zip(chunk, (int(v) for v in values), strict=True))
    return _by_given(addresses, found)


async def safe_owners(node: ChainNode, safe: str) -> list[str]:
    """The Safe's owners, checksummed, in the Safe's order. NotASafe when it is not one."""
    [answer] = await node.batch([_eth_call(safe, _selector("safe", "getOwners"))])
    try:
        (owners,) = _decode(answer, ["address[]"], safe, "Safe")
    except NotAToken as exc:
        raise NotASafe(safe, "this chain") from exc
    return [to_checksum_address(owner) for owner in owners]


async def _balance_of(
    node: ChainNode, contract: str, addresses: Sequence[str], standard: str, max_batch: int
) -> dict[str, int]:
    holders = _distinct(addresses)
    selector = _selector(standard, "balanceOf")
    calls = [
        _eth_call(contract, selector + abi_encode(["address"], [to_checksum_address(h)]).hex())
        for h in holders
    ]
    answers = await _batched(node, calls, max_batch)
    name = standard.upper().replace("ERC", "ERC-")
    found = {
        holder: int(_decode(answer, ["uint256"], contract, name)[0])
        for holder, answer in zip(holders, answers, strict=True)
    }
    return _by_given(addresses, found)


async def _batched(
    node: ChainNode, calls: list[tuple[str, list[Any]]], max_batch: int
) -> list[Answer]:
    answers: list[Answer] = []
    for start in range(0, len(calls), max(1, max_batch)):
        answers += await node.batch(calls[start : start + max(1, max_batch)])
    return answers


def _eth_call(to: str, data: str) -> tuple[str, list[Any]]:
    return ("eth_call", [{"to": to, "data": data}, "latest"])


def _decode(answer: Answer, types: list[str], contract: str, standard: str) -> tuple[Any, ...]:
    """The call's values; the node's error when it failed; NotAToken for a revert or an answer
    of another shape (no code answers "0x")."""
    if answer.error is not None:
        if answer.error.retryable:
            raise answer.error
        raise NotAToken(contract, standard) from answer.error
    raw = bytes.fromhex(str(answer.result or "0x").removeprefix("0x"))
    try:
        return tuple(abi_decode(types, raw))
    except Exception as exc:  # eth_abi's DecodingError and friends: not this interface
        raise NotAToken(contract, standard) from exc


def _distinct(addresses: Sequence[str]) -> list[str]:
    """Addresses once each, lower-cased; ValueError for one that is not an address."""
    for address in addresses:
        if not is_address(address):
            raise ValueError(f"not an address: {address!r}")
    return list(dict.fromkeys(address.lower() for address in addresses))


def _by_given(addresses: Sequence[str], found: dict[str, int]) -> dict[str, int]:
    return {address: found[address.lower()] for address in addresses}
