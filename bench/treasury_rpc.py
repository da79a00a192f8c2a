"""HTTP requests and bytes per poll while watching 1, 10, 100 and 1,000 Safes on anvil, against
the naive one-request-per-Safe approach measured in the same run, through a counting proxy.

One real Safe receives a transfer in every block; the other watched addresses are there to grow
the watch list (the cost being measured depends on how many addresses are watched, not on
whether each holds a Safe). Each poll reads one new block. The naive watcher asks the head, then
the logs of each Safe alone (`address` filter), as a loop over the Safes would. Medians of
several runs; figures are ratios to the naive approach in the same run.

    .venv/bin/python -m bench.treasury_rpc [--blocks 20] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass

from eth_account import Account

from bot.http import HttpClient
from chain.node import ChainNode
from chain.watch import poll_chain
from tests.support.anvil import Anvil
from tests.support.rpc_proxy import RpcProxy
from tests.support.safes import SafeDriver, create_safe, deploy_safe_contracts

CONFIRMATIONS = 2


@dataclass
class Cost:
    requests: float
    request_bytes: float
    response_bytes: float
    alerts_missed: int = 0


async def steward_polls(anvil: Anvil, safe: SafeDriver, watched: list[str], blocks: int) -> Cost:
    async with RpcProxy(anvil.url) as proxy, HttpClient() as http:
        node = ChainNode(proxy.url, http)
        head = await node.block_number()
        cursor = head - CONFIRMATIONS
        proxy.reset()
        sent: set[str] = set()
        seen: set[str] = set()
        for _ in range(blocks):
            sent.add(safe.fund_eth(10**12).tx_hash.lower())
            poll = await poll_chain(
                node,
                watched,
                cursor=cursor,
                known_head=head,
                confirmations=CONFIRMATIONS,
                max_range=2000,
            )
            head = poll.head
            cursor = poll.to_block or cursor
            seen |= {a.tx_hash.lower() for a in poll.activities}
        for _ in range(CONFIRMATIONS + 1):  # let the last transfers reach depth
            anvil.mine(1)
            poll = await poll_chain(
                node, watched, cursor=cursor, known_head=head, confirmations=CONFIRMATIONS,
                max_range=2000,
            )  # fmt: skip
            head, cursor = poll.head, poll.to_block or cursor
            seen |= {a.tx_hash.lower() for a in poll.activities}
        stats = proxy.stats
        polls = blocks + CONFIRMATIONS + 1
        return Cost(
            stats.requests / polls,
            stats.request_bytes / polls,
            stats.response_bytes / polls,
            len(sent - seen),
        )


async def naive_polls(anvil: Anvil, safe: SafeDriver, watched: list[str], blocks: int) -> Cost:
    async with RpcProxy(anvil.url) as proxy, HttpClient() as http:
        node = ChainNode(proxy.url, http)
        proxy.reset()
        for _ in range(blocks):
            safe.fund_eth(10**12)
            head = await node.block_number()
            block = hex(head - CONFIRMATIONS)
            for address in watched:
                await node.batch(
                    [("eth_getLogs", [{"fromBlock": block, "toBlock": block, "address": address}])]
                )
        stats = proxy.stats
        return Cost(
            stats.requests / blocks, stats.request_bytes / blocks, stats.response_bytes / blocks
        )


async def main(blocks: int, runs: int) -> None:
    with Anvil() as anvil:
        contracts = deploy_safe_contracts(anvil)
        owners = anvil.accounts[1:4]
        safe = SafeDriver(anvil, contracts, create_safe(anvil, contracts, owners, 2), owners)
        others = [Account.create().address for _ in range(999)]
        print(f"{blocks} polls of one new block each, median of {runs} runs")
        print(
            "| Safes watched | Steward requests/poll | Steward request bytes/poll | "
            "naive requests/poll | naive request bytes/poll | naive / Steward (requests) | "
            "alerts missed |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for count in (1, 10, 100, 1000):
            watched = [safe.address, *others[: count - 1]]
            ours = [await steward_polls(anvil, safe, watched, blocks) for _ in range(runs)]
            naive = [await naive_polls(anvil, safe, watched, blocks) for _ in range(runs)]

            def median(costs: list[Cost], measure: str) -> float:
                return statistics.median(getattr(c, measure) for c in costs)

            ratio = statistics.median(
                n.requests / o.requests for n, o in zip(naive, ours, strict=True)
            )
            print(
                f"| {count:,} | {median(ours, 'requests'):.1f} | "
                f"{median(ours, 'request_bytes'):,.0f} | {median(naive, 'requests'):.1f} | "
                f"{median(naive, 'request_bytes'):,.0f} | {ratio:.1f}x | "
                f"{max(c.alerts_missed for c in ours)} |"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--blocks", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.blocks, args.runs))
