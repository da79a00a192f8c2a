"""Transaction Service requests per hour for 20 watched Safes under the free tier's budget
(50,000 a month), and the delay from a proposal to its detection, on a simulated clock against
the fake service (so hours run in seconds and the figures do not depend on the machine).

The baseline is the budget itself: requests per hour as a ratio to 50,000 / 720 h.

    .venv/bin/python -m bench.treasury_queue [--hours 6]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics

from tests.support.queue_sim import simulation

HOUR = 3600.0
BUDGET_PER_HOUR = 50_000 / (30 * 24)


async def main(hours: int) -> None:
    async with simulation(safes=20) as sim:
        active = sim.safes[0]
        sim.fake.propose_raw(active, sim.owners[2].address, 1, signers=[sim.owners[0]])
        await sim.run(HOUR)  # settle into the steady state
        start_requests, start = sim.client.requests, sim.clock.now
        delays_active, delays_quiet = [], []
        for hour in range(hours):
            proposed_at = sim.clock.now
            on_active = sim.fake.propose_raw(
                active, sim.owners[2].address, hour + 2, signers=[sim.owners[1]]
            )
            quiet = sim.safes[1 + hour % 19]
            on_quiet = sim.fake.propose_raw(
                quiet, sim.owners[2].address, 1, signers=[sim.owners[1]]
            )
            await sim.run(HOUR)
            delays_active.append(sim.seen.get(on_active, float("inf")) - proposed_at)
            delays_quiet.append(sim.seen.get(on_quiet, float("inf")) - proposed_at)
            # The quiet Safe's transaction is executed, so it is quiet again.
            sim.fake.mark_executed(on_quiet)
        per_hour = (sim.client.requests - start_requests) / ((sim.clock.now - start) / HOUR)
    print(f"20 Safes, 1 with pending transactions, {hours} simulated hours after a 1 h warm-up")
    print("| measure | value | ratio to budget |")
    print("|---|---:|---:|")
    print(f"| requests per hour | {per_hour:.1f} | {per_hour / BUDGET_PER_HOUR:.2f} |")
    print(f"| free-tier budget per hour | {BUDGET_PER_HOUR:.1f} | 1.00 |")
    print(
        f"| proposal → seen, active Safe (median / max) | "
        f"{statistics.median(delays_active):.0f} s / {max(delays_active):.0f} s | |"
    )
    print(
        f"| proposal → seen, quiet Safe (median / max) | "
        f"{statistics.median(delays_quiet) / 60:.0f} min / {max(delays_quiet) / 60:.0f} min | |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hours", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(main(args.hours))
