"""Generation jobs: images and copy from slash commands, checked, with provenance and curation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from bot.context import FeatureContext
from bot.errors import ConfigError
from bot.features import Feature, Lifespan
from cogs.generation import models as _models  # noqa: F401  (registers the tables)
from cogs.generation import provenance_models as _provenance_models  # noqa: F401  (its table)
from cogs.generation.jobs_commands import COMMANDS as JOB_COMMANDS
from cogs.generation.jobs_config import GenerationConfig
from cogs.generation.jobs_pipeline import Pipeline
from cogs.generation.jobs_pool import InProcessQueue
from cogs.generation.jobs_runner import JobDeps, JobQueue
from cogs.generation.jobs_runtime import Generation, policy_of
from cogs.generation.jobs_steps import NoBackends, NoStyles


def pipeline_of(ctx: FeatureContext[GenerationConfig]) -> Pipeline:
    """The job pipeline from the configuration: styles, back ends, checks, seal, buttons."""
    return Pipeline(styles=NoStyles(), generator=NoBackends())


PipelineFactory = Callable[[FeatureContext[GenerationConfig]], Pipeline]


def lifespan_with(build: PipelineFactory) -> Lifespan:
    """The feature's lifespan with the pipeline `build` makes (tests give their own)."""

    @asynccontextmanager
    async def lifespan(ctx: FeatureContext[GenerationConfig]) -> AsyncIterator[Generation]:
        deps = JobDeps(ctx.db, ctx.outbox, ctx.clock, build(ctx), policy_of(ctx.config))
        jobs = ctx.config.jobs
        if jobs.queue != "in-process":
            raise ConfigError("generation.jobs.queue", f"the {jobs.queue!r} queue is not available")
        queue: JobQueue = InProcessQueue(deps, jobs.limit, poll_seconds=jobs.poll_seconds)
        await queue.start()
        try:
            yield Generation(ctx, deps, queue)
        finally:
            await queue.stop()

    return lifespan


lifespan = lifespan_with(pipeline_of)


feature = Feature(
    name="generation",
    description="Images and copy in the community's styles, checked, signed and voted on",
    commands=(*JOB_COMMANDS,),
    config=GenerationConfig,
    lifespan=lifespan,
    migrations=Path(__file__).parent / "migrations",
)
