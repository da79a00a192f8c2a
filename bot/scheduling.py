"""Periodic jobs on APScheduler: one scheduler for all features, run only by the leader."""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Scheduler:
    def __init__(self, timezone: str = "UTC", is_leader: Callable[[], bool] = lambda: True) -> None:
        self._scheduler = AsyncIOScheduler(timezone=timezone)
        self._is_leader = is_leader

    def every(self, job_id: str, interval: timedelta, job: Job, *, jitter: int = 0) -> None:
        """Run `job` every `interval` in the leading process; a run still going when the next is
        due is not doubled."""
        self._scheduler.add_job(
            self._on_leader(job_id, job),
            "interval",
            seconds=interval.total_seconds(),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            jitter=jitter or None,
            # APScheduler wants a whole number of seconds, at least one (poll_seconds may be 0.5).
            misfire_grace_time=max(1, math.ceil(interval.total_seconds())),
        )

    def _on_leader(self, job_id: str, job: Job) -> Job:
        async def run() -> None:
            if not self._is_leader():
                return
            try:
                await job()
            except Exception:  # a failing job is logged and tried again at its next time
                log.exception("scheduled job failed", extra={"job": job_id})

        return run

    async def run_now(self, job_id: str) -> None:
        """Run a job at once as its schedule would (in the leading process only; a failure is
        logged), e.g. for a test that must not wait a day. KeyError for an unknown job."""
        job = self._scheduler.get_job(job_id)
        if job is None:
            raise KeyError(job_id)
        await job.func()

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def job_ids(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()]
