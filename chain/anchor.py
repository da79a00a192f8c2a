"""Writing a 32-byte digest on chain and checking it is there: the anchor of a record.

An anchor is a plain transaction from the bot's account to a configured address whose calldata
is exactly the digest (32 bytes, no selector). Anyone can check it with a block explorer: the
transaction's input is the digest, its `to` the address, its receipt's status 1. The address is
best an account with no code (or a contract that accepts any calldata): a contract without a
fallback would revert, and a reverted anchor is reported as such, never as anchored.

Pure async functions over an injected ChainNode (like chain/watch.py): raw JSON-RPC in batches,
the transaction signed here with eth-account, the key handed in by the caller and never kept.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from eth_account import Account

from chain.eip191 import BadKey, same_address
from chain.errors import ChainError, RpcError
from chain.node import ChainNode

# Gas for a call to an account without code: 21,000 plus 16 per non-zero calldata byte.
PLAIN_TRANSFER_GAS = 21_000
RECEIPT_POLL_SECONDS = 0.5

Sleep = Callable[[float], Awaitable[None]]


class AnchorFailed(ChainError):
    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__("anchor", message, retryable=retryable)


@dataclass(frozen=True)
class Anchored:
    tx_hash: str
    block_number: int
    chain_id: int
    sender: str


@dataclass(frozen=True)
class AnchorCheck:
    """What the chain says about an anchor: `ok` only when the transaction is mined, succeeded,
    went to `to` and carries exactly the digest. `problem` says what is wrong otherwise."""

    ok: bool
    problem: str = ""
    block_number: int | None = None
    sender: str | None = None


async def send_anchor(
    node: ChainNode,
    private_key: str,
    to: str,
    digest: bytes,
    *,
    chain_id: int | None = None,
    wait_seconds: float = 120.0,
    sleep: Sleep = asyncio.sleep,
) -> Anchored:
    """Send the digest to `to` from the key's account and wait for the receipt.

    When `chain_id` is given the node must be on that chain (a wrong RPC URL would otherwise
    spend on another chain). RpcError when the node fails; AnchorFailed when the transaction
    reverts or no receipt comes within `wait_seconds`."""
    try:
        account = Account.from_key(private_key)
    except Exception as exc:
        raise BadKey("the anchoring key is not a 32-byte hex private key") from exc
    data = "0x" + digest.hex()
    call = {"from": account.address, "to": to, "data": data}
    answers = await node.batch(
        [
            ("eth_chainId", []),
            ("eth_getTransactionCount", [account.address, "pending"]),
            ("eth_getBlockByNumber", ["latest", False]),
            ("eth_gasPrice", []),
            ("eth_maxPriorityFeePerGas", []),
            ("eth_estimateGas", [call]),
        ]
    )
    node_chain = int(answers[0].value(), 16)
    if chain_id is not None and node_chain != chain_id:
        raise AnchorFailed(f"the node is on chain {node_chain}, not the configured {chain_id}")
    nonce = int(answers[1].value(), 16)
    block = answers[2].value() or {}
    gas_price = int(answers[3].value(), 16)
    if answers[5].error is not None:
        if answers[5].error.retryable:
            raise answers[5].error
        raise AnchorFailed(f"the transaction would fail: {answers[5].error.message}")
    gas = int(int(answers[5].value(), 16) * 1.2) or PLAIN_TRANSFER_GAS
    tx: dict[str, Any] = {
        "to": to,
        "value": 0,
        "data": data,
        "nonce": nonce,
        "gas": gas,
        "chainId": node_chain,
    }
    base_fee = block.get("baseFeePerGas") if isinstance(block, dict) else None
    if base_fee is not None:
        tip = int(answers[4].value(), 16) if answers[4].error is None else 0
        tx["maxPriorityFeePerGas"] = tip
        tx["maxFeePerGas"] = 2 * int(base_fee, 16) + tip
    else:
        tx["gasPrice"] = gas_price
    raw = account.sign_transaction(tx).raw_transaction
    (sent,) = await node.batch([("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])])
    tx_hash = str(sent.value())
    receipt = await wait_for_receipt(node, tx_hash, wait_seconds=wait_seconds, sleep=sleep)
    if int(str(receipt.get("status", "0x0")), 16) != 1:
        raise AnchorFailed(f"the anchoring transaction {tx_hash} reverted (does {to} have code?)")
    return Anchored(
        tx_hash=tx_hash,
        block_number=int(str(receipt["blockNumber"]), 16),
        chain_id=node_chain,
        sender=str(account.address),
    )


async def wait_for_receipt(
    node: ChainNode, tx_hash: str, *, wait_seconds: float, sleep: Sleep = asyncio.sleep
) -> dict[str, Any]:
    deadline = time.monotonic() + wait_seconds
    while True:
        (answer,) = await node.batch([("eth_getTransactionReceipt", [tx_hash])])
        receipt = answer.value()
        if isinstance(receipt, dict) and receipt.get("blockNumber"):
            return receipt
        if time.monotonic() >= deadline:
            raise AnchorFailed(
                f"no receipt for {tx_hash} after {wait_seconds:.0f} s; it may still be mined",
                retryable=True,
            )
        await sleep(RECEIPT_POLL_SECONDS)


async def check_anchor(
    node: ChainNode, tx_hash: str, to: str, digest: bytes, *, sender: str | None = None
) -> AnchorCheck:
    """Whether `tx_hash` is a mined, successful transaction to `to` whose calldata is exactly
    `digest` (and, when given, sent by `sender`). RpcError only when the node fails."""
    tx_answer, receipt_answer = await node.batch(
        [("eth_getTransactionByHash", [tx_hash]), ("eth_getTransactionReceipt", [tx_hash])]
    )
    tx = tx_answer.value()
    receipt = receipt_answer.value()
    if not isinstance(tx, dict):
        return AnchorCheck(False, f"the chain has no transaction {tx_hash}")
    if not isinstance(receipt, dict) or not receipt.get("blockNumber"):
        return AnchorCheck(False, f"transaction {tx_hash} is not mined yet")
    block = int(str(receipt["blockNumber"]), 16)
    found_sender = str(tx.get("from") or "")
    if int(str(receipt.get("status", "0x0")), 16) != 1:
        return AnchorCheck(False, f"transaction {tx_hash} reverted", block, found_sender)
    if not same_address(str(tx.get("to") or ""), to):
        return AnchorCheck(
            False, f"transaction {tx_hash} went to {tx.get('to')}, not {to}", block, found_sender
        )
    calldata = str(tx.get("input") or tx.get("data") or "").lower()
    if calldata != "0x" + digest.hex():
        return AnchorCheck(
            False, f"transaction {tx_hash} carries other data than this record's hash", block
        )
    if sender is not None and not same_address(found_sender, sender):
        return AnchorCheck(
            False, f"transaction {tx_hash} was sent by {found_sender}, not {sender}", block
        )
    return AnchorCheck(True, "", block, found_sender)


__all__ = [
    "AnchorCheck",
    "AnchorFailed",
    "Anchored",
    "RpcError",
    "check_anchor",
    "send_anchor",
    "wait_for_receipt",
]
