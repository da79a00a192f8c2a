"""The votes part's start: its service, and the Snapshot follower's job for each community
with spaces in `[proposals.snapshot] spaces` (run by the leading process only)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from bot.frontend import Health
from cogs.proposals.runtime import Proposals
from cogs.proposals.snapshot_follow import SnapshotFollower
from cogs.proposals.snapshot_hub import SnapshotHub
from cogs.proposals.votes_service import VotesService, forget_member


@asynccontextmanager
async def start_votes(proposals: Proposals) -> AsyncIterator[None]:
    ctx = proposals.ctx
    config = proposals.config
    hub = SnapshotHub(ctx.http, api_key=config.snapshot.key)
    follower = SnapshotFollower(proposals, hub)
    proposals.votes = VotesService(ctx.db, ctx.clock, follower)
    ctx.directory.forget_with(forget_member)
    interval = timedelta(seconds=config.votes.poll_seconds)
    for slug in config.snapshot.spaces:
        ctx.scheduler.every(f"proposals.snapshot.{slug}", interval, _job(follower.poll, slug))

    async def health() -> list[Health]:
        checks = []
        for slug, spaces in config.snapshot.spaces.items():
            error = follower.last_error.get(slug)
            last = follower.last_poll.get(slug)
            detail = f"{', '.join(spaces)}: " + (
                f"last poll failed: {error}"
                if error
                else f"polled {last:%Y-%m-%d %H:%M:%S} UTC"
                if last
                else "not polled yet"
            )
            checks.append(Health(f"snapshot {slug}", error is None, detail))
        return checks

    ctx.health.add(health)
    yield


def _job(poll: Callable[[str], Awaitable[int]], slug: str) -> Callable[[], Awaitable[None]]:
    async def job() -> None:
        await poll(slug)

    return job
