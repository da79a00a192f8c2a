"""Generation jobs per second through the queue, with a back end that answers at once, for 1, 4
and 16 workers: in-process and on saq (Redis), against calling the back end directly in the same
run. The overhead per job is the figure: what storing, claiming, recording the output and
posting it through the outbox (and, on saq, the round trips to Redis) add to each generation.

Each run stores --jobs image jobs (one output each) in the real app's database, submits them all
and times until the last is done; "direct" calls the same back end as many times, the same
number at once; "run_job, no queue" calls the job code for each stored job without a queue
(what a job costs by itself: its transactions, the gatekeeper's check of the PNG, the provenance
seal, the outbox rows). The back end returns a small PNG drawn once. The saq workers run in
this process (one worker with that concurrency), so the figures are the queue's, not process
start-up's.
Medians of --runs runs, after one discarded warm-up run of each configuration.

    .venv/bin/python -m bench.generation_queue [--jobs 100] [--runs 3] [--postgres URL]
        [--redis redis://127.0.0.1:6379/0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from bot.app import App
from bot.clock import SystemClock
from bot.storage.models import Community
from cogs.generation.contracts import GenerationRequest, Requester, Style
from cogs.generation.jobs_pool import InProcessQueue
from cogs.generation.jobs_post import CHANNEL
from cogs.generation.jobs_runner import JobDeps, JobQueue, run_job
from cogs.generation.models import FINAL, GenerationJob
from cogs.generation.queue_saq import SaqQueue, SaqWorkers, open_queue
from cogs.generation.queue_saq_config import SaqConfig
from summarizer.generation import IMAGE_PNG, GeneratedOutput
from tests.generation.jobs_support import POSTER, STYLES, draw_png
from tests.support.apps import make_settings, running_app
from tests.support.databases import database_url

WORKERS = (1, 4, 16)


class InstantBackend:
    """Answers at once with the same small PNG."""

    def __init__(self) -> None:
        self.png = draw_png(7, "64x64", "a lighthouse")
        self.calls = 0

    def missing(self, style: Style) -> str | None:
        return None

    async def generate(self, request: GenerationRequest) -> Sequence[GeneratedOutput]:
        self.calls += 1
        return [GeneratedOutput(IMAGE_PNG, self.png, request.style.model, seed=request.seed)]


async def store_jobs(app: App, community_id: int, count: int) -> list[int]:
    now = app.clock.now()
    jobs = [
        GenerationJob(
            community_id=community_id,
            platform="console",
            user_id="bench",
            reply_kind=CHANNEL,
            reply_to="local",
            kind="image",
            prompt=f"a lighthouse, take {n}",
            style=POSTER.name,
            count=1,
            size="64x64",
            seed=n,
            backend=POSTER.backend,
            created_at=now,
            next_try_at=now,
        )
        for n in range(count)
    ]
    async with app.db.transaction() as session:
        session.add_all(jobs)
        await session.flush()
        return [job.id for job in jobs if job.id is not None]


async def finished(app: App, ids: list[int]) -> int:
    async with app.db.read() as session:
        query = select(func.count()).where(
            col(GenerationJob.id).in_(ids), col(GenerationJob.state).in_(FINAL)
        )
        return int((await session.exec(query)).one())


async def through(queue: JobQueue | DirectRuns, app: App, community_id: int, jobs: int) -> float:
    """Seconds from submitting `jobs` stored jobs until the last is done."""
    ids = await store_jobs(app, community_id, jobs)
    started = time.perf_counter()
    for job_id in ids:
        await queue.submit(job_id)
    while await finished(app, ids) < len(ids):  # noqa: ASYNC110 (the database is the truth)
        await asyncio.sleep(0.005)
    return time.perf_counter() - started


async def direct(backend: InstantBackend, workers: int, jobs: int) -> float:
    requester = Requester("console", "bench")
    request = GenerationRequest("image", "a lighthouse", POSTER, 1, requester, "64x64")
    slots = asyncio.Semaphore(workers)

    async def one() -> None:
        async with slots:
            await backend.generate(request)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(jobs)))
    return time.perf_counter() - started


class DirectRuns:
    """No queue: `run_job` called for each stored job, `workers` at a time (what the job
    itself costs: its transactions, the gatekeeper, the seal, the outbox rows)."""

    def __init__(self, deps: JobDeps, workers: int) -> None:
        self.deps = deps
        self.slots = asyncio.Semaphore(workers)
        self.tasks: set[asyncio.Task[None]] = set()

    async def submit(self, job_id: int) -> None:
        async def one() -> None:
            async with self.slots:
                await run_job(job_id, self.deps)

        task = asyncio.create_task(one())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


@asynccontextmanager
async def run_job_directly(deps: JobDeps, workers: int) -> AsyncIterator[DirectRuns]:
    yield DirectRuns(deps, workers)


@asynccontextmanager
async def in_process(deps: JobDeps, workers: int) -> AsyncIterator[JobQueue]:
    queue = InProcessQueue(deps, lambda _backend: workers, poll_seconds=3600)
    await queue.start()
    try:
        yield queue
    finally:
        await queue.stop()


@asynccontextmanager
async def on_saq(deps: JobDeps, workers: int, redis_url: str) -> AsyncIterator[JobQueue]:
    config = SaqConfig(url=redis_url, name=f"bench-{uuid.uuid4().hex[:8]}", concurrency=workers)
    queue = SaqQueue(config, deps, poll_seconds=3600)
    await queue.start()
    worker_queue = open_queue(config)
    await worker_queue.connect()
    saq_workers = SaqWorkers(config, lambda: deps, lambda _backend: workers, worker_queue)
    saq_workers.worker.SIGNALS = []
    task = asyncio.create_task(saq_workers.run())
    try:
        yield queue
    finally:
        await saq_workers.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        keys = [k async for k in worker_queue.redis.scan_iter(match=f"saq:*{config.name}:*")]
        if keys:
            await worker_queue.redis.delete(*keys)
        await worker_queue.disconnect()
        await queue.stop()


Engine = Callable[[JobDeps, int], Any]


async def main(jobs: int, runs: int, postgres: str | None, redis_url: str) -> None:
    if postgres:
        os.environ["STEWARD_TEST_POSTGRES"] = postgres
    kind = "postgresql" if postgres else "sqlite"
    backend = InstantBackend()
    engines: dict[str, Engine] = {
        "run_job, no queue": run_job_directly,
        "in-process": in_process,
        "saq": lambda deps, workers: on_saq(deps, workers, redis_url),
    }
    medians: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        async with database_url(kind, Path(tmp)) as url:
            generation = {"jobs": {"poll_seconds": 3600}}
            settings = make_settings(Path(tmp), url, generation=generation)
            async with running_app(settings, clock=SystemClock()) as app:
                async with app.db.read() as session:
                    slug = settings.console.community
                    found = await session.exec(select(Community.id).where(Community.slug == slug))
                    community_id = int(found.one())
                # The job pipeline as configured (gatekeeper, provenance seal), with the
                # instant back end and the job suite's styles.
                runtime = app.runtimes["generation"]
                parts = runtime.parts.with_generation(STYLES, backend)
                deps = replace(runtime.deps, pipeline=parts.pipeline)
                for workers in WORKERS:
                    timings = [await direct(backend, workers, jobs) for _ in range(runs + 1)]
                    medians[("direct", workers)] = statistics.median(timings[1:])
                    for name, engine in engines.items():
                        async with engine(deps, workers) as queue:
                            times = [
                                await through(queue, app, community_id, jobs)
                                for _ in range(runs + 1)
                            ]
                        medians[(name, workers)] = statistics.median(times[1:])
                        shown = ", ".join(f"{t:.2f}" for t in times)
                        print(f"{name}, {workers} workers: {shown} s", file=sys.stderr)
    print(
        f"{jobs} jobs of one output each per run, back end answering at once, {kind}, "
        f"median of {runs} runs"
    )
    print("| workers | engine | jobs/s | ratio to direct | overhead per job |")
    print("|---:|---|---:|---:|---:|")
    for workers in WORKERS:
        base = medians[("direct", workers)]
        print(f"| {workers} | direct call | {jobs / base:,.0f} | 1 | |")
        for name in engines:
            took = medians[(name, workers)]
            overhead_ms = (took - base) / jobs * 1000
            print(
                f"| {workers} | {name} | {jobs / took:,.0f} | {base / took:.4f} | "
                f"{overhead_ms:.2f} ms |"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", default=None, help="a PostgreSQL URL (else SQLite)")
    parser.add_argument(
        "--redis", default=os.environ.get("STEWARD_TEST_REDIS", "redis://127.0.0.1:6379/0")
    )
    args = parser.parse_args()
    asyncio.run(main(args.jobs, args.runs, args.postgres, args.redis))
