"""Generation jobs on saq (Redis): the bot enqueues job ids, `steward worker generation` runs them.

The job's row in the bot's database stays the truth. A saq job carries only the id; the worker
runs the same job code as the in-process pool, whose claim in the database makes a job run once
even when saq delivers it twice. saq brings what a queue engine is for: workers in other
processes and machines, and a job whose worker died (no heartbeat) delivered again.

Why saq: asyncio-native (the job code is async, like the rest of the bot), maintained, and it
shares the redis client's range with everything else (arq pins redis<6; taskiq-redis needs
redis>=8). The Redis keys of a queue start with `saq:<name>:` and `saq:job:<name>:`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from saq import Job, Queue, Worker

from bot.settings import secret_from_env, variable_is_set

log = logging.getLogger(__name__)

TASK = "generation.run_job"
# Runs one job by its id, to the end (done, failed, cancelled or waiting for a retry).
RunJob = Callable[[int], Awaitable[None]]


class SaqConfig(BaseModel):
    """`[generation.saq]`: where the queue is and how its workers run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # A Redis URL without a password (redis://127.0.0.1:6379/0); one with a password stays in
    # the environment, under the variable `url_env` names.
    url: str = Field(default="redis://127.0.0.1:6379/0", pattern=r"^rediss?://")
    url_env: str | None = None
    url_secret: SecretStr | None = Field(default=None, validate_default=True)
    _url_env_is_set = field_validator("url_env")(variable_is_set)
    _url_from_env = field_validator("url_secret", mode="before")(secret_from_env("url_env"))
    # The queue's name: its Redis keys start with saq:<name>: (one per bot sharing a Redis).
    name: str = Field(default="steward-generation", pattern=r"^[A-Za-z0-9_.-]+$")
    # Jobs one worker process runs at once (the per-back-end limits hold on top of it).
    concurrency: int = Field(default=4, ge=1, le=256)
    # A running job proves its worker alive this often; one silent for `heartbeat_seconds` is
    # taken from its worker (swept) and delivered again.
    heartbeat_seconds: int = Field(default=30, ge=2)
    sweep_seconds: int = Field(default=15, ge=1)
    # Deliveries of one job, a worker's death counting as one.
    deliveries: int = Field(default=5, ge=1)

    @field_validator("url")
    @classmethod
    def _no_password(cls, url: str) -> str:
        if urlsplit(url).password:
            raise ValueError(
                "a Redis URL with a password belongs in the environment; name its variable "
                "in url_env"
            )
        return url

    @property
    def redis_url(self) -> str:
        return self.url_secret.get_secret_value() if self.url_secret else self.url


def open_queue(config: SaqConfig) -> Queue:
    return Queue.from_url(config.redis_url, name=config.name)


class SaqQueue:
    """The bot's side: enqueue a job id. `async with` connects and disconnects."""

    kind = "saq"

    def __init__(self, config: SaqConfig) -> None:
        self.config = config
        self.queue = open_queue(config)

    async def __aenter__(self) -> SaqQueue:
        await self.queue.connect()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.queue.disconnect()

    async def submit(self, job_id: int, *, not_before: datetime | None = None) -> None:
        """Deliver `job_id` to a worker (at `not_before`, when given). The same id and time
        submitted twice while the first is waiting is one saq job."""
        scheduled = int(not_before.timestamp()) if not_before is not None else 0
        await self.queue.enqueue(
            Job(
                function=TASK,
                kwargs={"job_id": job_id},
                key=f"{job_id}-{scheduled}",
                scheduled=scheduled,
                timeout=0,  # a job runs as long as it needs; the heartbeat says it is alive
                heartbeat=self.config.heartbeat_seconds,
                retries=self.config.deliveries,
                retry_delay=1.0,
                retry_backoff=60.0,
                ttl=3600,
            )
        )

    async def waiting(self) -> int:
        """Jobs queued or running (for /about and the benchmark)."""
        return await self.queue.count("incomplete")


def saq_worker(config: SaqConfig, queue: Queue, run: RunJob) -> Worker[Any]:
    """A saq worker running `run(job_id)` for each job, `config.concurrency` at a time, with a
    heartbeat while each runs. `await worker.start()` runs it until SIGTERM or SIGINT."""

    async def run_job(ctx: Any, *, job_id: int) -> None:
        job: Job = ctx["job"]
        beat = asyncio.create_task(_heartbeat(job, config.heartbeat_seconds / 3))
        try:
            await run(job_id)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    return Worker(
        queue,
        functions=[(TASK, run_job)],
        concurrency=config.concurrency,
        timers={"sweep": config.sweep_seconds, "abort": 1, "schedule": 1, "worker_info": 10},
        # On SIGTERM, jobs in flight get this long to end; those still running are handed back
        # to the queue (their database claim lapses) and another worker resumes them.
        shutdown_grace_period_s=10,
        cancellation_hard_deadline_s=5.0,
    )


async def _heartbeat(job: Job, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            await job.update()
        except Exception as exc:  # Redis away for a moment: the next beat tries again
            log.warning("job heartbeat failed", extra={"job": job.key, "error": str(exc)})


async def run_saq_worker(config: SaqConfig, run: RunJob) -> None:
    """The worker process's loop: connect, run jobs until told to stop, disconnect."""
    queue = open_queue(config)
    await queue.connect()
    try:
        worker = saq_worker(config, queue, run)
        log.info(
            "saq worker started",
            extra={"queue": config.name, "concurrency": config.concurrency},
        )
        await worker.start()
    finally:
        await queue.disconnect()
