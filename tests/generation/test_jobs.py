"""Jobs, on every queue engine: stored before the reply, retried, failed with a reason,
cancelled, and under load held to the quota and each back end's concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from cogs.generation.models import CANCELLED, DONE, FAILED, QUEUED, RUNNING
from summarizer.generation import IMAGE_PNG, GenerationError
from tests.generation.conftest import queue_settings, queue_workers
from tests.generation.jobs_support import START, FakeBackend, JobWorld, job_app, job_number, until
from tests.support.clock import ManualClock


@pytest.fixture
async def jw(tmp_path: Path, db_url: str, queue_kind: str) -> AsyncIterator[JobWorld]:
    async with (
        job_app(
            tmp_path, db_url, queue_settings(queue_kind), FakeBackend(), ManualClock(START)
        ) as world,
        queue_workers(queue_kind, world.app),
    ):
        yield world


async def test_a_job_is_stored_before_the_reply_and_its_results_posted_once(
    jw: JobWorld,
) -> None:
    jw.backend.hold = asyncio.Event()
    answer = await jw.on_console("/generate image a lighthouse at dawn count=2 size=512x512")
    assert "queued: 2 images in style poster, 512x512" in answer
    job_id = job_number(answer)
    [job] = await jw.jobs()
    assert (job.id, job.kind, job.style, job.count, job.size) == (
        job_id,
        "image",
        "poster",
        2,
        "512x512",
    )
    assert job.state in (QUEUED, RUNNING)
    assert job.prompt == "a lighthouse at dawn"
    # The status message, posted when the job was stored, is edited as it goes.
    await asyncio.wait_for(jw.backend.arrived.wait(), 10)
    await jw.app.outbox.drain()
    printed = jw.console_out.getvalue()
    assert f"Job #{job_id}: 2 × image · style poster" in printed
    assert "Queued" in printed and "[Cancel] /jobs cancel" in printed
    assert "[update of an earlier post to #local]" in printed and "Generating 1 of 2" in printed
    jw.backend.hold.set()
    job = await jw.settle(job_id)
    assert job.state == DONE and job.progress == "posted 2 of 2"
    outputs = await jw.outputs(job_id)
    assert [o.index for o in outputs] == [0, 1] and all(o.posted for o in outputs)
    assert all(o.media_type == IMAGE_PNG and o.data.startswith(b"\x89PNG") for o in outputs)
    # Each image once, with its file, and the status lines up to "posted".
    posts = await jw.posts(job_id)
    results = [p for p in posts if ":output:" in p.key]
    assert len(results) == 2
    assert [f[0] for f in results[0].reply["files"]] == [f"job{job_id}-1.png", "provenance.json"]
    printed = jw.console_out.getvalue()
    assert printed.rstrip().endswith("Posted 2 of 2\n> a lighthouse at dawn")
    # The seeds stored with the job were used, one per image.
    assert [c.seed for c in jw.backend.calls] == [job.seed, (job.seed or 0) + 1]


async def test_a_transient_failure_is_retried_with_backoff_then_succeeds(jw: JobWorld) -> None:
    jw.backend.failures = [
        GenerationError("the back end timed out", transient=True),
        GenerationError("429 too many requests", transient=True),
    ]
    job_id = job_number(await jw.on_console("/generate image a fox"))
    job = await jw.settle(job_id)
    assert job.state == DONE and job.attempts == 3
    assert job.last_error == "429 too many requests"
    # Backoff doubled: 5 s, then 10 s (the clock is the test's).
    assert jw.clock.slept[:2] == [5.0, 10.0]


async def test_a_final_failure_shows_in_jobs_with_its_reason(
    tmp_path: Path, db_url: str, queue_kind: str
) -> None:
    backend = FakeBackend()
    backend.failures = [GenerationError("the server answered 503", transient=True)] * 3
    async with (
        job_app(
            tmp_path,
            db_url,
            queue_settings(queue_kind),
            backend,
            ManualClock(START),
            max_attempts=2,
        ) as jw,
        queue_workers(queue_kind, jw.app),
    ):
        job_id = job_number(await jw.on_console("/generate image a storm"))
        job = await jw.settle(job_id)
        assert job.state == FAILED and job.attempts == 2
        listed = await jw.on_console("/jobs list")
        assert f"#{job_id}" in listed and "failed" in listed
        assert "the server answered 503 (after 2 attempts)" in listed
        assert "Failed: the server answered 503 (after 2 attempts)" in jw.console_out.getvalue()
        # It made nothing: its generation is given back to the member's quota.
        assert "You have used 0 of" in listed

        backend.failures = [GenerationError("the prompt was refused upstream", transient=False)]
        job_id = job_number(await jw.on_console("/generate image a storm again"))
        job = await jw.settle(job_id)
        assert job.state == FAILED and job.attempts == 1
        assert job.last_error == "the prompt was refused upstream"
        assert "You have used 0 of" in await jw.on_console("/jobs list")


async def test_a_cancelled_queued_job_never_starts(jw: JobWorld) -> None:
    jw.backend.hold = asyncio.Event()
    # Two jobs on the slow back end (one at a time there) : the second waits its turn.
    first = job_number(await jw.on_console("/generate image one style=sketch"))
    await asyncio.wait_for(jw.backend.arrived.wait(), 10)
    second = job_number(await jw.on_console("/generate image two style=sketch"))
    assert (await jw.job(second)).state == QUEUED
    assert "will not start" in await jw.on_console(f"/jobs cancel {second}")
    jw.backend.hold.set()
    assert (await jw.settle(first)).state == DONE
    job = await jw.settle(second)
    assert job.state == CANCELLED and job.started_at is None and job.attempts == 0
    assert [c.prompt for c in jw.backend.calls] == ["one"]
    assert "is cancelled already" in await jw.on_console(f"/jobs cancel {second}")
    # The cancelled job never started: only the first one counts against the quota.
    assert "You have used 1 of" in await jw.on_console("/jobs list")


async def test_a_cancelled_running_job_posts_nothing(jw: JobWorld) -> None:
    jw.backend.hold = asyncio.Event()
    job_id = job_number(await jw.on_console("/generate image a comet count=2"))
    await asyncio.wait_for(jw.backend.arrived.wait(), 10)
    assert "results will not be posted" in await jw.on_console(f"/jobs cancel {job_id}")
    jw.backend.hold.set()
    job = await jw.settle(job_id)
    assert job.state == CANCELLED
    await asyncio.sleep(0.1)
    assert not [p for p in await jw.posts(job_id) if ":output:" in p.key]
    assert (await jw.job(job_id)).state == CANCELLED
    # The engine was at work: a cancel while running keeps the quota taken.
    assert "You have used 2 of" in await jw.on_console("/jobs list")


async def test_fifty_requests_at_once_hold_the_quota_and_the_concurrency(
    tmp_path: Path, db_url: str, queue_kind: str
) -> None:
    backend = FakeBackend(hold=asyncio.Event())
    settings = {"daily_quota": 6, "concurrency": {"fake-images": 3}}
    async with (
        job_app(
            tmp_path, db_url, queue_settings(queue_kind), backend, ManualClock(START), **settings
        ) as jw,
        queue_workers(queue_kind, jw.app),
    ):
        members = [f"member{n}" for n in range(5)]
        lines = [(m, f"/generate image request {i} of {m}") for m in members for i in range(10)]
        outcomes = await asyncio.gather(*(jw.as_member(line, m) for m, line in lines))
        accepted = [o for o in outcomes if o.ok]
        refused = [o for o in outcomes if not o.ok]
        assert len(accepted) == 30 and len(refused) == 20
        assert all("used 6 of 6 generations today" in o.reply.body for o in refused)
        # The back end holds every call: three run, the others wait their turn.
        await until(lambda: backend.active.get("fake-images", 0) >= 3)
        await asyncio.sleep(0.3)
        assert backend.peak["fake-images"] == 3
        assert backend.hold is not None
        backend.hold.set()
        jobs = await jw.jobs()
        assert sorted({j.user_id for j in jobs}) == members
        assert all(sum(1 for j in jobs if j.user_id == m) == 6 for m in members)
        for job in jobs:
            assert (await jw.settle(job.id or 0)).state == DONE
        assert len(backend.calls) == 30
        assert backend.peak["fake-images"] == 3
