"""Generation jobs: images and copy from slash commands, checked, with provenance and curation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from bot.context import FeatureContext
from bot.errors import ConfigError
from bot.features import Feature, Lifespan, Worker
from cogs.generation import curation_models as _curation_models  # noqa: F401  (its tables)
from cogs.generation import models as _models  # noqa: F401  (registers the tables)
from cogs.generation import provenance_models as _provenance_models  # noqa: F401  (its table)
from cogs.generation.config import GenerationConfig
from cogs.generation.curation_commands import COMMANDS as CURATION_COMMANDS
from cogs.generation.jobs_commands import COMMANDS as JOB_COMMANDS
from cogs.generation.jobs_pool import InProcessQueue
from cogs.generation.jobs_runner import JobDeps, JobQueue
from cogs.generation.jobs_runtime import Generation, policy_of
from cogs.generation.jobs_wiring import Parts, concurrency_of, configured_parts
from cogs.generation.provenance_commands import COMMANDS as PROVENANCE_COMMANDS
from cogs.generation.queue_saq import SaqQueue, run_workers
from cogs.generation.styles_commands import STYLES_COMMANDS

OpenParts = Callable[[FeatureContext[GenerationConfig]], AbstractAsyncContextManager[Parts]]


def lifespan_with(open_parts: OpenParts) -> Lifespan:
    """The feature's lifespan on the parts `open_parts` gives (tests give their own back end)."""

    @asynccontextmanager
    async def lifespan(ctx: FeatureContext[GenerationConfig]) -> AsyncIterator[Generation]:
        jobs = ctx.config.jobs
        async with open_parts(ctx) as parts:
            deps = JobDeps(ctx.db, ctx.outbox, ctx.clock, parts.pipeline, policy_of(ctx.config))
            limit = concurrency_of(ctx.config)
            queue: JobQueue
            if jobs.queue == "saq":
                # Worker processes (`steward worker generation`) run the jobs.
                queue = SaqQueue(jobs.saq, deps, poll_seconds=jobs.poll_seconds)
            else:
                queue = InProcessQueue(deps, limit, poll_seconds=jobs.poll_seconds)
            await queue.start()
            try:
                yield Generation(ctx, parts, deps, queue)
            finally:
                await queue.stop()

    return lifespan


def worker_with(open_parts: OpenParts) -> Worker:
    """`steward worker generation`: the jobs the bot puts on saq, run with the same parts."""

    async def worker(ctx: FeatureContext[GenerationConfig]) -> None:
        jobs = ctx.config.jobs
        if jobs.queue != "saq":
            raise ConfigError(
                "generation.jobs.queue", 'workers take jobs from saq only: set queue = "saq"'
            )
        async with open_parts(ctx) as parts:
            deps = JobDeps(ctx.db, ctx.outbox, ctx.clock, parts.pipeline, policy_of(ctx.config))
            await run_workers(jobs.saq, lambda: deps, concurrency_of(ctx.config))

    return worker


feature = Feature(
    name="generation",
    description="Images and copy in the community's styles, checked, signed and voted on",
    commands=(*JOB_COMMANDS, *STYLES_COMMANDS, *PROVENANCE_COMMANDS, *CURATION_COMMANDS),
    config=GenerationConfig,
    lifespan=lifespan_with(configured_parts),
    migrations=Path(__file__).parent / "migrations",
    worker=worker_with(configured_parts),
)
