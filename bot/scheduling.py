"""Periodic jobs on APScheduler: one scheduler for all features, stopped with the bot."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Scheduler:
    def __init__(self, timezone: str = "UTC") -> None:
        self._scheduler = AsyncIOScheduler(timezone=timezone)

    def every(self, job_id: str, interval: timedelta, job: Job, *, jitter: int = 0) -> None:
        """Run `job` every `interval`; a run still going when the next is due is not doubled."""
        self._scheduler.add_job(
            job,
            "interval",
            seconds=interval.total_seconds(),
            id=job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            jitter=jitter or None,
            misfire_grace_time=int(interval.total_seconds()),
        )

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
