"""JSON-RPC requests per new block while watching 1, 10, 100 and 1,000 Safes on anvil, against
the naive one-eth_getLogs-per-Safe-per-block approach measured in the same run; and the delay
in blocks from a transaction to its alert.

One real Safe receives a transfer in every block; the other watched addresses are there to grow
the watch list (the cost being measured depends on how many addresses are watched, not on
whether each holds a Safe).

    .venv/bin/python -m bench.treasury_rpc [--blocks 20] [--confirmations 2]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from eth_account import Account

from bot.http import HttpClient
from chain.rpc import JsonRpc
from chain.watch import read_range
from tests.support.anvil import Anvil
from tests.support.safes import SafeDriver, create_safe, deploy_safe_contracts


async def measure(
    anvil: Anvil, safe: SafeDriver, watched: list[str], blocks: int, confirmations: int
) -> tuple[float, float, float, float, int]:
    async with HttpClient() as http:
        ours, naive = JsonRpc(anvil.url, http), JsonRpc(anvil.url, http)
        cursor = await ours.block_number() - confirmations
        ours.requests = 0
        ours_time = naive_time = 0.0
        sent_at: dict[str, int] = {}
        delays = []
        for _ in range(blocks):
            sent = safe.fund_eth(10**12)
            sent_at[sent.tx_hash.lower()] = sent.block_number
            head = await ours.block_number()
            confirmed = head - confirmations
            started = time.perf_counter()
            if confirmed > cursor:
                for activity in await read_range(ours, watched, cursor + 1, confirmed):
                    if activity.tx_hash.lower() in sent_at:
                        delays.append(head - sent_at[activity.tx_hash.lower()])
                cursor = confirmed
            ours_time += time.perf_counter() - started
            started = time.perf_counter()
            await naive.block_number()
            for address in watched:
                await naive.get_logs(
                    {"fromBlock": hex(head), "toBlock": hex(head), "address": address}
                )
            naive_time += time.perf_counter() - started
        return (
            ours.requests / blocks,
            naive.requests / blocks,
            ours_time / blocks,
            naive_time / blocks,
            max(delays) if delays else -1,
        )


async def main(blocks: int, confirmations: int) -> None:
    with Anvil() as anvil:
        contracts = deploy_safe_contracts(anvil)
        owners = anvil.accounts[1:4]
        safe = SafeDriver(anvil, contracts, create_safe(anvil, contracts, owners, 2), owners)
        others = [Account.create().address for _ in range(999)]
        print(
            f"{blocks} blocks, each with a transfer into the Safe; confirmation depth "
            f"{confirmations}"
        )
        print(
            "| Safes watched | Steward requests/block | naive requests/block | "
            "Steward ms/block | naive ms/block | naive / Steward (requests) | "
            "tx → alert (blocks) |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for count in (1, 10, 100, 1000):
            watched = [safe.address, *others[: count - 1]]
            ours, naive, ours_ms, naive_ms, delay = await measure(
                anvil, safe, watched, blocks, confirmations
            )
            print(
                f"| {count:,} | {ours:.1f} | {naive:.1f} | {ours_ms * 1000:.1f} | "
                f"{naive_ms * 1000:.1f} | {naive / ours:.1f}x | {delay} |"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--confirmations", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.blocks, args.confirmations))
