"""Generation jobs on saq (Redis): the bot enqueues job ids, `steward worker generation` runs them.

The job's row in the bot's database stays the truth. A saq job carries only the id; the worker
calls the same `run_job` as the in-process pool, whose atomic claim in the database makes a job
run once even when saq delivers it twice. saq adds what a queue engine is for: workers in other
processes and machines, and a job whose worker died (its heartbeat stopped) delivered again.

Nothing is lost with Redis either: the bot's side looks for due jobs in the database at start and
every `poll_seconds` (queued, due again after a retry, or running under a lease that ran out) and
submits them again; a saq job waiting under the same key is not added twice.

Why saq: asyncio-native (the job code is async, like the rest of the bot), maintained, and it
accepts the redis client's current major (arq pins redis<6; taskiq-redis needs redis>=8). A
queue's Redis keys start with `saq:<name>:` and `saq:job:<name>:`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from saq import Job, Queue, Worker
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from bot.storage.database import Database
from cogs.generation import jobs_store as store
from cogs.generation.jobs_runner import JobDeps, run_job
from cogs.generation.models import QUEUED, RUNNING, GenerationJob
from cogs.generation.queue_saq_config import SaqConfig

log = logging.getLogger(__name__)

TASK = "generation.run_job"
# The dependencies `run_job` gets, read for every job (tests swap the pipeline meanwhile).
DepsOf = Callable[[], JobDeps]


def open_queue(config: SaqConfig) -> Queue:
    return Queue.from_url(config.redis_url, name=config.name)


async def enqueue(queue: Queue, config: SaqConfig, job_id: int, attempts: int) -> Job | None:
    """Add a saq job for `job_id`; None when one for the same attempt (the key: the id and the
    attempts the database has counted) is waiting or running already. A job whose worker hangs
    past its lease is so delivered again under the next attempt's key."""
    return await queue.enqueue(
        Job(
            function=TASK,
            kwargs={"job_id": job_id},
            key=f"{job_id}-{attempts}",
            timeout=0,  # a job runs as long as it needs; its heartbeat says it is alive
            heartbeat=config.heartbeat_seconds,
            retries=config.deliveries,
            retry_delay=1.0,
            retry_backoff=60.0,
            ttl=600,
        )
    )


async def attempts_of(db: Database, job_ids: Sequence[int]) -> dict[int, int]:
    if not job_ids:
        return {}
    async with db.read() as session:
        query = select(GenerationJob.id, GenerationJob.attempts).where(
            col(GenerationJob.id).in_(list(job_ids))
        )
        return {int(i): int(a) for i, a in (await session.exec(query)).all() if i is not None}


async def submit(queue: Queue, config: SaqConfig, db: Database, job_ids: Sequence[int]) -> None:
    for job_id, attempts in (await attempts_of(db, job_ids)).items():
        await enqueue(queue, config, job_id, attempts)


class SaqQueue:
    """The bot's `JobQueue` when [generation.jobs] queue = "saq": it enqueues, workers run."""

    def __init__(self, config: SaqConfig, deps: JobDeps, *, poll_seconds: float = 10.0) -> None:
        self.config = config
        self._deps = deps
        self._poll_seconds = poll_seconds
        self.queue = open_queue(config)
        self._poller: asyncio.Task[None] | None = None

    def use(self, deps: JobDeps) -> None:
        self._deps = deps

    async def start(self) -> None:
        await self.queue.connect()
        await self._pick_up()
        self._poller = asyncio.create_task(self._poll(), name="generation-saq-poll")

    async def submit(self, job_id: int) -> None:
        await submit(self.queue, self.config, self._deps.db, [job_id])

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self.queue.disconnect()

    async def waiting(self) -> int:
        """saq jobs queued, scheduled or running."""
        return await self.queue.count("incomplete")

    async def _pick_up(self) -> None:
        await submit_due(self.queue, self.config, self._deps)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self._pick_up()
            except (SQLAlchemyError, OSError, ConnectionError) as exc:
                log.warning("generation: could not submit due jobs", extra={"error": str(exc)})


async def submit_due(queue: Queue, config: SaqConfig, deps: JobDeps) -> int:
    """Submit every job the database says is due; returns how many."""
    due = await store.due_jobs(deps.db, deps.clock.now())
    await submit(queue, config, deps.db, [job_id for job_id, _backend in due])
    return len(due)


class SaqWorkers:
    """A worker process's side: run each delivered job id with `run_job`, `concurrency` at a
    time and within each back end's limit, with a heartbeat while it runs."""

    def __init__(
        self, config: SaqConfig, deps_of: DepsOf, limit: Callable[[str], int], queue: Queue
    ) -> None:
        self.config = config
        self._deps_of = deps_of
        self._limit = limit
        self.queue = queue
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._running: set[int] = set()
        self._retries: set[asyncio.Task[None]] = set()
        self.worker: Worker[Any] = Worker(
            queue,
            functions=[(TASK, self._run)],
            concurrency=config.concurrency,
            # Idle workers wait this long for a job at a time, so a stop needs no longer.
            dequeue_timeout=1.0,
            timers={"sweep": config.sweep_seconds, "abort": 1, "schedule": 1, "worker_info": 10},
            # On SIGTERM, jobs in flight get this long to end; those still running are handed
            # back to saq, and their database lease lets another worker take them up.
            shutdown_grace_period_s=config.shutdown_grace_seconds,
            cancellation_hard_deadline_s=5.0,
        )

    async def run(self) -> None:
        """Until SIGTERM or SIGINT (or `stop`)."""
        await submit_due(self.queue, self.config, self._deps_of())
        await self.worker.start()

    async def stop(self) -> None:
        for task in list(self._retries):
            task.cancel()
        await self.worker.stop()

    async def _run(self, ctx: Any, *, job_id: int) -> str:
        if job_id in self._running:
            # This process runs it already (a hung back end whose lease ran out): another
            # worker takes the job up when the poll for due jobs submits it again.
            return "running here"
        job: Job = ctx["job"]
        deps = self._deps_of()
        async with deps.db.read() as session:
            found = await session.exec(
                select(GenerationJob.backend).where(GenerationJob.id == job_id)
            )
            backend = found.first()
        if backend is None:
            return "no such job"
        beat = asyncio.create_task(_heartbeat(job, self.config.heartbeat_seconds / 3))
        self._running.add(job_id)
        try:
            async with self._slot(backend):
                result = await run_job(job_id, deps)
        except asyncio.CancelledError:
            # The worker is stopping: the job goes back to the queue, this attempt uncounted.
            await asyncio.shield(hand_back(deps.db, job_id))
            raise
        finally:
            self._running.discard(job_id)
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat
        if result.retry_at is not None:
            self._later(deps, job_id, result.retry_at)
        return result.state or ("claimed" if result.claimed else "not claimed")

    def _later(self, deps: JobDeps, job_id: int, at: datetime) -> None:
        """Submit the job again when its retry is due, on the injected clock (a worker that
        stops meanwhile leaves it to the poll for due jobs)."""

        async def wait_then_submit() -> None:
            delay = (at - deps.clock.now()).total_seconds()
            if delay > 0:
                await deps.clock.sleep(delay)
            await submit(self.queue, self.config, deps.db, [job_id])

        task = asyncio.create_task(wait_then_submit(), name=f"generation-retry-{job_id}")
        self._retries.add(task)
        task.add_done_callback(self._retries.discard)

    def _slot(self, backend: str) -> asyncio.Semaphore:
        if backend not in self._slots:
            self._slots[backend] = asyncio.Semaphore(self._limit(backend))
        return self._slots[backend]


async def hand_back(db: Database, job_id: int) -> None:
    """A job this worker was running goes back to the queue, the interrupted attempt not
    counted (as the in-process pool does at stop)."""
    async with db.transaction() as session:
        await session.exec(
            update(GenerationJob)
            .where(col(GenerationJob.id) == job_id, col(GenerationJob.state) == RUNNING)
            .values(state=QUEUED, lease_until=None, attempts=col(GenerationJob.attempts) - 1)
        )


async def _heartbeat(job: Job, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await job.update()
        except Exception as exc:  # Redis away for a moment: the next beat tries again
            log.warning("job heartbeat failed", extra={"job": job.key, "error": str(exc)})


async def run_workers(config: SaqConfig, deps_of: DepsOf, limit: Callable[[str], int]) -> None:
    """`steward worker generation`: connect, run jobs until told to stop, disconnect."""
    queue = open_queue(config)
    await queue.connect()
    try:
        workers = SaqWorkers(config, deps_of, limit, queue)
        log.info(
            "generation workers started on saq",
            extra={"queue": config.name, "concurrency": config.concurrency},
        )
        await workers.run()
    finally:
        await queue.disconnect()
