"""Small helpers the chain support tests share: fixed recipients and log lookups."""

from __future__ import annotations

from collections.abc import Sequence

from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.types import LogReceipt

from tests.support.anvil import Anvil
from tests.support.safes import ExecutedTx

ETHER = 10**18
# Recipients nobody else touches, so balances are exact (they pay no gas).
ALICE = Web3.to_checksum_address("0x" + "a1" * 20)
BOB = Web3.to_checksum_address("0x" + "b0" * 20)


def logs_in(chain: Anvil, executed: ExecutedTx, address: ChecksumAddress) -> list[LogReceipt]:
    """What a watcher polling eth_getLogs for `address` sees in that transaction's block."""
    block = executed.block_number
    return list(chain.w3.eth.get_logs({"fromBlock": block, "toBlock": block, "address": address}))


def topic0s(logs: Sequence[LogReceipt]) -> list[str]:
    return [log["topics"][0].to_0x_hex() for log in logs]


def word(value: int | str) -> HexBytes:
    """A 32-byte ABI word, as an indexed topic or a static data field holds it."""
    if isinstance(value, str):
        return HexBytes(bytes(12) + HexBytes(value))
    return HexBytes(value.to_bytes(32, "big"))
