"""What the generation commands get: the context, the styles, the back ends, the job queue."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.commands.invocation import Invocation
from bot.context import FeatureContext
from bot.errors import InvalidOption, UserError
from cogs.generation import jobs_store as store
from cogs.generation.config import GenerationConfig
from cogs.generation.contracts import GenerationRequest, Kind, Style
from cogs.generation.curation import CurationService
from cogs.generation.jobs_pipeline import Generator, Pipeline
from cogs.generation.jobs_post import CHANNEL, DM, Poster
from cogs.generation.jobs_runner import JobDeps, JobQueue, RetryPolicy
from cogs.generation.jobs_wiring import Parts
from cogs.generation.models import GenerationJob
from cogs.generation.provenance_service import Provenance

SEED_LIMIT = 2**31 - 1


def policy_of(config: GenerationConfig) -> RetryPolicy:
    jobs = config.jobs
    return RetryPolicy(
        max_attempts=jobs.max_attempts,
        base=timedelta(seconds=jobs.retry_base_seconds),
        cap=timedelta(seconds=jobs.retry_cap_seconds),
        lease=timedelta(seconds=jobs.lease_seconds),
    )


@dataclass
class Generation:
    """The runtime of every generation command: jobs, /styles and /provenance read it."""

    ctx: FeatureContext[GenerationConfig]
    parts: Parts
    deps: JobDeps
    queue: JobQueue
    rng: random.Random = field(default_factory=random.Random)

    @property
    def config(self) -> GenerationConfig:
        return self.ctx.config

    @property
    def pipeline(self) -> Pipeline:
        return self.deps.pipeline

    @property
    def styles(self) -> Mapping[str, Style]:
        return self.parts.styles

    @property
    def backends(self) -> Generator:
        return self.parts.backends

    @property
    def provenance(self) -> Provenance:
        return self.parts.provenance

    @property
    def curation(self) -> CurationService:
        return self.parts.curation

    def style_for(self, kind: Kind, name: str | None) -> Style:
        styles = self.pipeline.styles
        of_kind = [s for s in styles.values() if s.kind == kind]
        known = ", ".join(s.name for s in of_kind) or "none configured"
        if name is None:
            style = of_kind[0] if of_kind else None
            if style is None:
                raise UserError(
                    f"No {kind} style is configured; add one in {self.config.styles_dir}/."
                )
            return style
        style = styles.get(name)
        if style is None or style.kind != kind:
            raise InvalidOption("style", f"no {kind} style {name!r}; known: {known}")
        return style

    def seed_for(self, style: Style) -> int:
        if style.seed_policy == "fixed" and style.seed is not None:
            return style.seed
        return self.rng.randint(0, SEED_LIMIT)

    async def store_job(self, inv: Invocation[Generation], request: GenerationRequest) -> int:
        """Store the job (taking its quota) before anything is said; returns its number."""
        now = self.ctx.clock.now()
        where, to, name = await self._where(inv)
        job = GenerationJob(
            community_id=inv.community.id,
            platform=inv.platform,
            user_id=inv.caller.user_id,
            user_name=inv.caller.display_name[:100],
            reply_kind=where,
            reply_to=to,
            reply_name=name[:100],
            kind=request.kind,
            prompt=request.prompt,
            style=request.style.name,
            count=request.count,
            size=request.size,
            format=request.format,
            seed=request.seed,
            backend=request.style.backend,
            created_at=now,
            next_try_at=now,
        )
        async with self.ctx.db.transaction() as session:
            await store.take_quota(
                session,
                inv.community.id,
                inv.caller.key,
                store.day_of(now),
                request.count,
                self.config.jobs.daily_quota,
            )
            session.add(job)
            await session.flush()
            await Poster(self.ctx.outbox).open_status(session, job)
        if job.id is None:
            raise RuntimeError("the job was stored without an id")
        return job.id

    async def _where(self, inv: Invocation[Generation]) -> tuple[str, str, str]:
        """Where results go: the channel the command was run in, or the member's DMs."""
        channel = inv.channel
        if channel is None:
            return DM, "", ""
        if channel.platform == "console":
            return CHANNEL, channel.id, channel.display
        if channel.platform == "telegram" and channel.id == inv.caller.user_id:
            return DM, "", ""
        if await self.ctx.frontends.space_of(channel) is None:
            return DM, "", ""
        return CHANNEL, channel.id, channel.display
