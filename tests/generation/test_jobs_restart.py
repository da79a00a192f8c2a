"""A job outlives its worker: stopped mid-run, the next start finishes it; a worker that hangs
or dies loses its job when its lease runs out, and what it does later changes nothing. Either
way each output is made and posted once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from cogs.generation.models import DONE
from tests.generation.conftest import queue_settings, queue_workers
from tests.generation.jobs_support import START, FakeBackend, job_app, job_number, until
from tests.support.clock import ManualClock


async def wait_started(backend: FakeBackend, calls: int) -> None:
    await until(lambda: backend.started >= calls)


def result_keys(posts: list[str]) -> list[str]:
    return sorted(key for key in posts if ":output:" in key)


async def test_a_job_stopped_mid_run_is_finished_by_the_next_start_once(
    tmp_path: Path, db_url: str, queue_kind: str
) -> None:
    clock = ManualClock(START)
    first = FakeBackend(hold=asyncio.Event(), hold_after=1)
    queue = queue_settings(queue_kind)
    async with (
        job_app(tmp_path, db_url, queue, first, clock) as jw,
        queue_workers(queue_kind, jw.app),
    ):
        job_id = job_number(await jw.on_console("/generate image three moons count=3"))
        await wait_started(first, 2)  # the first image is made, the second is under way
        assert len(await jw.outputs(job_id)) == 1
    # Stopped: the job went back to the queue, its interrupted attempt not counted.
    second = FakeBackend()
    async with (
        job_app(tmp_path, db_url, queue, second, clock) as jw,
        queue_workers(queue_kind, jw.app),
    ):
        job = await jw.settle(job_id)
        assert job.state == DONE and job.attempts == 1
        outputs = await jw.outputs(job_id)
        assert [o.index for o in outputs] == [0, 1, 2] and all(o.posted for o in outputs)
        # The image made before the stop was not made again.
        assert len(first.calls) == 1 and len(second.calls) == 2
        keys = [p.key for p in await jw.posts(job_id)]
        assert (
            result_keys(keys)
            == [f"generation:{job_id}:output:{i}:console:channel:test-dao" for i in range(3)]
            or len(result_keys(keys)) == 3
        )
        assert all(p.state == "delivered" for p in await jw.posts(job_id))


async def test_a_hung_worker_loses_its_job_when_its_lease_runs_out(
    tmp_path: Path, db_url: str, queue_kind: str
) -> None:
    """Two processes on one database (two apps): the first hangs in the back end; once its
    lease has run out, the second takes the job over and finishes it; when the first wakes up
    it posts nothing."""
    clock = ManualClock(START)
    hung = FakeBackend(hold=asyncio.Event())
    queue = queue_settings(queue_kind)
    async with (
        job_app(tmp_path, db_url, queue, hung, clock, lease_seconds=60) as one,
        queue_workers(queue_kind, one.app),
    ):
        job_id = job_number(await one.on_console("/generate image a long night count=2"))
        await wait_started(hung, 1)
        other = FakeBackend()
        async with (
            job_app(tmp_path / "two", db_url, queue, other, clock, lease_seconds=60) as two,
            queue_workers(queue_kind, two.app),
        ):
            await asyncio.sleep(0.5)
            assert (await two.job(job_id)).attempts == 1  # not before the lease ran out
            clock.advance(timedelta(seconds=61))
            job = await two.settle(job_id)
            assert job.state == DONE and job.attempts == 2
            assert len(other.calls) == 2
            assert hung.hold is not None
            hung.hold.set()
            await asyncio.sleep(0.3)
            outputs = await two.outputs(job_id)
            assert [o.index for o in outputs] == [0, 1]
            assert len(result_keys([p.key for p in await two.posts(job_id)])) == 2
            assert (await two.job(job_id)).state == DONE
