"""The saq queue in tests: the local Redis under a key prefix of the test's own, workers inside
the test's event loop (for the job suite, whose back end lives in the test), and worker
processes (`steward worker generation`, or the test's worker with a drawing back end)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import App
from cogs.generation.config import GenerationConfig
from cogs.generation.jobs_wiring import concurrency_of
from cogs.generation.queue_saq import SaqWorkers, open_queue
from cogs.generation.queue_saq_config import SaqConfig
from tests.support.processes import REPO_ROOT, Steward, _die_with_parent_hook, _environment

REDIS_URL = os.environ.get("STEWARD_TEST_REDIS", "redis://127.0.0.1:6379/0")


def saq_settings(**saq: Any) -> dict[str, Any]:
    """[generation.jobs] for the saq queue, under a queue name (key prefix) of its own, with a
    heartbeat and sweep short enough that a dead worker's job comes back within seconds."""
    return {
        "queue": "saq",
        "saq": {
            "url": REDIS_URL,
            "name": f"test-{uuid.uuid4().hex[:12]}",
            "heartbeat_seconds": 2,
            "sweep_seconds": 1,
            "shutdown_grace_seconds": 1,
            **saq,
        },
    }


async def purge(config: SaqConfig) -> int:
    """Delete the queue's keys; returns how many there were."""
    queue = open_queue(config)
    try:
        keys = [
            key
            for pattern in (f"saq:{config.name}:*", f"saq:job:{config.name}:*")
            async for key in queue.redis.scan_iter(match=pattern)
        ]
        if keys:
            await queue.redis.delete(*keys)
        return len(keys)
    finally:
        await queue.disconnect()


def config_of(app: App) -> GenerationConfig:
    return app.settings.feature_config("generation", GenerationConfig)


@asynccontextmanager
async def workers_in_test(app: App) -> AsyncIterator[SaqWorkers]:
    """saq workers in the test's event loop, running the app's own job dependencies (the
    suite's back end lives in the test); Redis keys of the queue are deleted afterwards."""
    runtime = app.runtimes["generation"]
    config = config_of(app)
    jobs = config.jobs
    queue = open_queue(jobs.saq)
    await queue.connect()
    workers = SaqWorkers(jobs.saq, lambda: runtime.deps, concurrency_of(config), queue)
    workers.worker.SIGNALS = []  # the test's process keeps its own signal handling
    task = asyncio.create_task(workers.run(), name="saq-workers")
    try:
        yield workers
    finally:
        await workers.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await queue.disconnect()
        await purge(jobs.saq)


class WorkerProcess(Steward):
    """A worker process: `python -m bot worker generation` or the test's own worker module."""

    def __init__(
        self,
        name: str,
        config: Mapping[str, Any],
        workdir: Path,
        env: Mapping[str, str],
        command: Sequence[str],
    ) -> None:
        super().__init__(name, config, workdir, env)
        self.command = tuple(command)

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is running already")
        with self.stdout_path.open("ab") as out, self.stderr_path.open("ab") as err:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", *self.command, "--config", str(self.config_path)],
                cwd=REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=_environment(self._env),
                preexec_fn=_die_with_parent_hook(),
            )


STEWARD_WORKER = ("bot", "worker", "generation")
TEST_WORKER = ("tests.generation.saq_worker_process",)
