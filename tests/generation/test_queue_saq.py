"""Generation jobs on saq: worker processes pick up what the bot enqueued, a worker killed in
the middle of a job leaves it to another, and each result is posted once.

The bot is the real app in the test (queue = "saq": it only enqueues); workers are real
processes on the same database and the local Redis, under a key prefix of the test's own.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.clock import SystemClock
from bot.errors import ConfigError
from cogs.generation.models import DONE, FAILED, FINAL, GenerationJob
from cogs.generation.queue_saq import SaqQueue
from tests.generation.jobs_support import FakeBackend, JobWorld, job_app, job_number
from tests.generation.saq_support import (
    STEWARD_WORKER,
    TEST_WORKER,
    WorkerProcess,
    purge,
    saq_settings,
)
from tests.support.apps import make_settings
from tests.support.processes import Stewards


def worker_config(world: JobWorld, tmp_path: Path, **jobs: Any) -> dict[str, Any]:
    """The worker's settings file: the bot's database and queue, JSON logs."""
    settings = world.app.settings
    generation = world.generation.config
    return {
        "data_dir": str(tmp_path / "worker-data"),
        "database": {"url": settings.database.url},
        "log": {"format": "json"},
        "generation": {
            "backends": {
                name: backend.model_dump(mode="json", exclude={"api_key"}, exclude_none=True)
                for name, backend in generation.backends.items()
            },
            "jobs": {
                "queue": "saq",
                "lease_seconds": generation.jobs.lease_seconds,
                "saq": generation.jobs.saq.model_dump(exclude={"url_secret"}, exclude_none=True),
                **jobs,
            },
        },
    }


async def start_job(world: JobWorld, line: str) -> int:
    answer = await world.on_console(line)
    assert "queued" in answer, answer
    return job_number(answer)


async def settled(world: JobWorld, job_id: int, seconds: float) -> GenerationJob:
    """Until the job is done, failed or cancelled (the database says); then deliver its posts.
    Worker processes take a while to start on a loaded machine."""
    async with asyncio.timeout(seconds):
        job = await world.job(job_id)
        while job.state not in FINAL:
            await asyncio.sleep(0.05)
            job = await world.job(job_id)
    await world.app.outbox.drain()
    return job


def started_by(path: Path) -> list[int]:
    if not path.exists():
        return []
    return [int(line.split()[0]) for line in path.read_text().splitlines()]


def test_a_redis_password_stays_out_of_the_file(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    secret = {"url": "redis://:hunter2@127.0.0.1:6379/0"}
    with pytest.raises(ConfigError) as refused:
        make_settings(tmp_path, db, generation={"jobs": {"queue": "saq", "saq": secret}})
    assert "generation.jobs.saq.url" in str(refused.value)
    assert "hunter2" not in str(refused.value)

    env = {"STEWARD_REDIS": "redis://:hunter2@127.0.0.1:6379/3"}
    from_env = {"queue": "saq", "saq": {"url_env": "STEWARD_REDIS"}}
    settings = make_settings(tmp_path, db, environ=env, generation={"jobs": from_env})
    config = settings.feature_tables["generation"]
    saq = config.jobs.saq  # type: ignore[attr-defined]
    assert saq.redis_url == env["STEWARD_REDIS"]
    assert env["STEWARD_REDIS"] in settings.secret_values()  # redacted from the logs
    assert "hunter2" not in repr(saq)


async def test_submitting_twice_while_waiting_is_one_saq_job(db_url: str, tmp_path: Path) -> None:
    backend = FakeBackend()
    async with job_app(tmp_path, db_url, saq_settings(), backend, SystemClock()) as world:
        queue = world.generation.queue
        assert isinstance(queue, SaqQueue)
        try:
            job_id = await start_job(world, "/generate image a quiet harbour")
            await queue.submit(job_id)
            await queue.submit(job_id)
            assert await queue.waiting() == 1
            assert backend.started == 0  # the bot only enqueues: no worker runs here
        finally:
            assert await purge(queue.config) > 0


async def test_a_worker_process_runs_what_the_bot_enqueued(db_url: str, tmp_path: Path) -> None:
    backend = FakeBackend()
    started = tmp_path / "started.txt"
    async with job_app(tmp_path, db_url, saq_settings(), backend, SystemClock()) as world:
        with Stewards(tmp_path, {"STEWARD_TEST_STARTED": str(started)}) as processes:
            worker = WorkerProcess(
                "worker", worker_config(world, tmp_path), tmp_path, processes.env, TEST_WORKER
            )
            processes.started.append(worker)
            worker.start()
            try:
                job_id = await start_job(world, "/generate image a lighthouse count=3")
                job = await settled(world, job_id, 30)
                assert job.state == DONE, (job.last_error, worker.tail())
                assert started_by(started) == [worker.pid] * 3
                assert backend.started == 0
                outputs = await world.outputs(job_id)
                assert [o.index for o in outputs] == [0, 1, 2]
                assert all(o.posted and o.data.startswith(b"\x89PNG") for o in outputs)
                posts = Counter(p.key.split("|")[0] for p in await world.posts(job_id))
                outputs_posted = [k for k in posts if ":output:" in k]
                assert len(outputs_posted) == 3
                assert set(posts.values()) == {1}
                assert f"generation:{job_id}:status" in posts
            finally:
                await worker.stop()
                await purge(world.generation.config.jobs.saq)


async def test_a_killed_worker_leaves_its_job_to_another(db_url: str, tmp_path: Path) -> None:
    backend = FakeBackend()
    started, hold = tmp_path / "started.txt", tmp_path / "hold"
    hold.touch()
    queue = saq_settings()
    env = {"STEWARD_TEST_STARTED": str(started), "STEWARD_TEST_HOLD": str(hold)}
    async with job_app(tmp_path, db_url, queue, backend, SystemClock(), lease_seconds=2) as world:
        with Stewards(tmp_path, env) as processes:
            config = worker_config(world, tmp_path)
            first = WorkerProcess("first", config, tmp_path, processes.env, TEST_WORKER)
            second = WorkerProcess("second", config, tmp_path, processes.env, TEST_WORKER)
            processes.started += [first, second]
            first.start()
            try:
                job_id = await start_job(world, "/generate image a fox in snow count=2")
                await first.wait_for(lambda: bool(started_by(started)), "a generation", 30)
                first.kill()
                hold.unlink()
                second.start()
                job = await settled(world, job_id, 60)
                assert job.state == DONE, (job.last_error, second.tail())
                assert started_by(started)[0] == first.pid
                assert set(started_by(started)[1:]) == {second.pid}
                assert job.attempts == 2
                posts = Counter(p.key.split("|")[0] for p in await world.posts(job_id))
                assert len([k for k in posts if ":output:" in k]) == 2
                assert set(posts.values()) == {1}
            finally:
                await second.stop()
                await purge(world.generation.config.jobs.saq)


async def test_steward_worker_generation_runs_jobs(db_url: str, tmp_path: Path) -> None:
    """The operator's command: the same settings file and database as the bot. Its pipeline is
    built from the configuration, as the bot's is."""
    backend = FakeBackend()
    async with job_app(tmp_path, db_url, saq_settings(), backend, SystemClock()) as world:
        with Stewards(tmp_path) as processes:
            worker = WorkerProcess(
                "steward-worker",
                worker_config(world, tmp_path),
                tmp_path,
                processes.env,
                STEWARD_WORKER,
            )
            processes.started.append(worker)
            worker.start()
            try:
                await worker.wait_for(
                    lambda: worker.logged("generation workers started on saq"), "start", 30
                )
                job_id = await start_job(world, "/generate image a red kite")
                job = await settled(world, job_id, 30)
                # The worker's styles come from its configuration, which has none of the
                # test's: it says so, once, as the bot would.
                assert job.state in (DONE, FAILED)
                assert backend.started == 0
                assert job.attempts == 1
                posts = Counter(p.key.split("|")[0] for p in await world.posts(job_id))
                assert posts[f"generation:{job_id}:status"] == 1
            finally:
                assert await worker.stop() == 0
                await purge(world.generation.config.jobs.saq)


async def test_steward_worker_needs_the_saq_queue(tmp_path: Path) -> None:
    with Stewards(tmp_path) as processes:
        config = {
            "data_dir": str(tmp_path / "data"),
            "generation": {"jobs": {"queue": "in-process"}},
        }
        worker = WorkerProcess("w", config, tmp_path, processes.env, STEWARD_WORKER)
        processes.started.append(worker)
        worker.start()
        for _ in range(1200):  # a loaded machine takes a while to import everything
            if not worker.running:
                break
            await asyncio.sleep(0.05)
        assert await worker.stop() == 2
        assert "configuration error at generation.jobs.queue" in worker.stderr
