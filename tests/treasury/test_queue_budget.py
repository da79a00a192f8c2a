"""The Transaction Service poller keeps within the free tier's budget and honours the service's
rate-limit answers, on a simulated clock against the fake service."""

from __future__ import annotations

import itertools

from tests.support.queue_sim import simulation

HOUR = 3600.0
FREE_TIER_PER_HOUR = 50_000 / (30 * 24)  # about 69


async def test_twenty_safes_stay_within_the_free_tier_and_the_busy_one_comes_first() -> None:
    async with simulation(safes=20) as sim:
        busy = sim.safes[0]
        sim.fake.propose_raw(busy, sim.owners[2].address, 1, signers=[sim.owners[0]])
        await sim.run(3 * HOUR)

        requests = sim.client.requests
        assert requests <= 3 * FREE_TIER_PER_HOUR + 5  # the bucket's burst on top
        assert requests >= 3 * FREE_TIER_PER_HOUR * 0.8, "the budget is used, not wasted"
        busy_polls = sim.polls[busy]
        quiet_polls = [sim.polls.get(s, []) for s in sim.safes[1:]]
        assert len(busy_polls) > 3 * max(len(p) for p in quiet_polls)
        # Every quiet Safe is still looked at, at least once an hour after the first round.
        for polls in quiet_polls:
            gaps = [b - a for a, b in itertools.pairwise(polls)]
            assert polls and all(gap <= HOUR + 60 for gap in gaps)


async def test_a_new_proposal_on_an_active_safe_is_seen_within_minutes() -> None:
    async with simulation(safes=20) as sim:
        busy = sim.safes[3]
        sim.fake.propose_raw(busy, sim.owners[2].address, 1, signers=[sim.owners[0]])
        await sim.run(HOUR)
        proposed_at = sim.clock.now
        second = sim.fake.propose_raw(busy, sim.owners[2].address, 2, signers=[sim.owners[1]])
        await sim.run(10 * 60)
        assert sim.seen[second] - proposed_at <= 120


async def test_an_exhausted_quota_pauses_polling_until_the_service_allows_it() -> None:
    async with simulation(safes=5) as sim:
        await sim.run(60)
        sim.fake.set_quota_remaining(0)
        before = sim.client.requests
        await sim.run(10 * 60)
        assert sim.client.requests - before <= 1, "one request learns of the 429, then we wait"
        assert not sim.client.available()
        assert [r.status for r in sim.fake.requests][-1] == 429
