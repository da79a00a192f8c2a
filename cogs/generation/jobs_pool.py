"""The in-process `JobQueue`: workers inside the bot, on its own database.

Each submitted job gets a task that waits for a slot of its back end (a semaphore per back end:
the configured concurrency) and then calls `run_job`, which claims the job atomically. At start,
and every `poll_seconds`, the pool looks for jobs that are due (queued, due again after a retry,
or running under a lease that ran out because their worker died), so a restart resumes what was
left. At stop, the jobs this process was running are handed back as queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from cogs.generation import jobs_store as store
from cogs.generation.jobs_runner import JobDeps, run_job
from cogs.generation.models import QUEUED, RUNNING, GenerationJob

log = logging.getLogger(__name__)

HAND_BACK_TRIES = 5


class InProcessQueue:
    def __init__(
        self, deps: JobDeps, limit: Callable[[str], int], *, poll_seconds: float = 10.0
    ) -> None:
        self._deps = deps
        self._limit = limit
        self._poll_seconds = poll_seconds
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._running: set[int] = set()
        self._wake = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None
        self._stopping = False
        # How many jobs run at once per back end, at most, since start (for tests and /about).
        self.peak: dict[str, int] = {}
        self._active: dict[str, int] = {}

    async def start(self) -> None:
        self._stopping = False
        await self._pick_up()
        self._poller = asyncio.create_task(self._poll(), name="generation-jobs")

    async def submit(self, job_id: int) -> None:
        if self._stopping or job_id in self._tasks:
            return
        async with self._deps.db.read() as session:
            backend = await session.exec(
                select(GenerationJob.backend).where(GenerationJob.id == job_id)
            )
            found = backend.first()
        if found is not None:
            self._spawn(job_id, found)

    async def stop(self) -> None:
        self._stopping = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        held = set(self._running)
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._hand_back(held)

    async def cancel_local(self, job_id: int) -> None:
        """Stop this process's work on a job that was just cancelled (its state says so)."""
        task = self._tasks.get(job_id)
        if task is not None and job_id in self._running:
            task.cancel()

    async def wait_idle(self) -> None:
        """Until no job task is left in this process (tests bound it with asyncio.timeout)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    def _spawn(self, job_id: int, backend: str) -> None:
        if job_id in self._tasks:
            return
        task = asyncio.create_task(self._work(job_id, backend), name=f"generation-job-{job_id}")
        self._track(job_id, task)

    def _slot(self, backend: str) -> asyncio.Semaphore:
        if backend not in self._slots:
            self._slots[backend] = asyncio.Semaphore(self._limit(backend))
        return self._slots[backend]

    async def _work(self, job_id: int, backend: str) -> None:
        async with self._slot(backend):
            self._running.add(job_id)
            self._active[backend] = self._active.get(backend, 0) + 1
            self.peak[backend] = max(self.peak.get(backend, 0), self._active[backend])
            try:
                result = await run_job(job_id, self._deps)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("generation job crashed", extra={"job": job_id})
                return
            finally:
                self._active[backend] -= 1
                self._running.discard(job_id)
        if result.retry_at is not None:
            self._later(job_id, backend, result.retry_at)

    def _later(self, job_id: int, backend: str, at: datetime) -> None:
        async def wait_then_spawn() -> None:
            delay = (at - self._deps.clock.now()).total_seconds()
            if delay > 0:
                await self._deps.clock.sleep(delay)
            if self._tasks.get(job_id) is asyncio.current_task():
                del self._tasks[job_id]
            if not self._stopping:
                self._spawn(job_id, backend)

        task = asyncio.create_task(wait_then_spawn(), name=f"generation-retry-{job_id}")
        self._track(job_id, task)

    def _track(self, job_id: int, task: asyncio.Task[None]) -> None:
        """The job's one task in this process, forgotten when it ends (unless a later task,
        its retry, took its place meanwhile)."""
        self._tasks[job_id] = task

        def forget(done: asyncio.Task[None]) -> None:
            if self._tasks.get(job_id) is done:
                del self._tasks[job_id]

        task.add_done_callback(forget)

    async def _pick_up(self) -> None:
        for job_id, backend in await store.due_jobs(self._deps.db, self._deps.clock.now()):
            self._spawn(job_id, backend)

    async def _poll(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self._poll_seconds)
            try:
                await self._pick_up()
            except (SQLAlchemyError, OSError) as exc:
                log.warning("generation: could not look for jobs", extra={"error": str(exc)})

    async def _hand_back(self, held: set[int]) -> None:
        """Jobs this process held go back to the queue for the next start (or another
        process), without counting the interrupted attempt. A worker stopped mid-write may
        hold SQLite's lock a moment longer: tried a few times; if it still fails, the job's
        lease runs out and it is taken up then."""
        if not held:
            return
        for attempt in range(HAND_BACK_TRIES):
            try:
                async with self._deps.db.transaction() as session:
                    await session.exec(
                        update(GenerationJob)
                        .where(col(GenerationJob.id).in_(held), col(GenerationJob.state) == RUNNING)
                        .values(
                            state=QUEUED,
                            lease_until=None,
                            attempts=col(GenerationJob.attempts) - 1,
                        )
                    )
                return
            except (SQLAlchemyError, OSError) as exc:
                if attempt + 1 == HAND_BACK_TRIES:
                    log.warning(
                        "generation: jobs not handed back; they resume when their lease ends",
                        extra={"jobs": sorted(held), "error": str(exc)},
                    )
                    return
                await asyncio.sleep(0.2)
