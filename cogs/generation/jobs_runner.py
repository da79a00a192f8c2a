"""Running one job, whatever runs it: `run_job(job_id, deps)`.

The in-process workers (jobs_pool.py) and an external queue engine's worker processes call the
same function with the same explicit dependencies; a `JobQueue` only decides when and where it is
called. `run_job` claims the job atomically first, so a job submitted twice, or to two processes,
runs once.

The pipeline's steps are injected (`Pipeline`): the prompt check, the back end, the check of each
output, the provenance seal, and the buttons posted with each result (jobs_pipeline.py); the
lifespan builds them from the configuration (jobs_wiring.py).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.outbox import Outbox
from bot.storage.database import Database
from cogs.generation import jobs_store as store
from cogs.generation.contracts import GenerationRequest, Requester, Style
from cogs.generation.jobs_pipeline import Made, Pipeline
from cogs.generation.jobs_post import Poster
from cogs.generation.models import DONE, FAILED, QUEUED, GenerationJob, GenerationOutput
from summarizer.generation import GeneratedOutput, GenerationError

log = logging.getLogger(__name__)


class JobQueue(Protocol):
    """What runs stored jobs: in-process workers, or an external queue engine."""

    async def start(self) -> None:
        """Begin running jobs, first those left queued or running (a restart)."""
        ...

    async def submit(self, job_id: int) -> None:
        """Run this stored job soon (it is in the database already, state queued)."""
        ...

    async def stop(self) -> None:
        """Stop taking jobs; jobs this process was running are handed back (queued)."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4
    base: timedelta = timedelta(seconds=5)
    cap: timedelta = timedelta(minutes=5)
    lease: timedelta = timedelta(minutes=5)

    def backoff(self, attempt: int) -> timedelta:
        delay: timedelta = self.base * (2 ** max(0, attempt - 1))
        return min(self.cap, delay)


@dataclass(frozen=True)
class JobDeps:
    db: Database
    outbox: Outbox
    clock: Clock
    pipeline: Pipeline
    policy: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True)
class RunResult:
    """What became of a call: `claimed` False when another worker has the job (or it is not
    due, or finished); `retry_at` when it is queued again after a transient failure."""

    job_id: int
    claimed: bool
    state: str = ""
    retry_at: datetime | None = None


class _Lost(Exception):
    """The job was cancelled, or another worker took it over: stop without a word."""


def request_of(job: GenerationJob, style: Style) -> GenerationRequest:
    requester = Requester(job.platform, job.user_id, job.user_name)
    return GenerationRequest(
        kind="copy" if job.kind == "copy" else "image",
        prompt=job.prompt,
        style=style,
        count=job.count,
        requester=requester,
        size=job.size,
        format=job.format,
        seed=job.seed,
    )


async def run_job(job_id: int, deps: JobDeps) -> RunResult:
    """Claim the job and run it to its end: done, failed (with why), queued again for a retry,
    or nothing when it was cancelled meanwhile."""
    attempt = await store.claim(deps.db, job_id, deps.clock.now(), deps.policy.lease)
    if attempt is None:
        return RunResult(job_id, claimed=False)
    run = _Run(job_id, attempt, deps)
    try:
        return await run.go()
    except _Lost:
        return RunResult(job_id, claimed=True, state="lost")


class _Run:
    def __init__(self, job_id: int, attempt: int, deps: JobDeps) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.deps = deps
        self.poster = Poster(deps.outbox)

    async def go(self) -> RunResult:
        deps = self.deps
        async with deps.db.read() as session:
            job = await store.get_job(session, self.job_id)
        if job is None:
            return RunResult(self.job_id, claimed=False)
        style = deps.pipeline.styles.get(job.style)
        if style is None:
            return await self._fail(job, f"the style {job.style!r} is no longer configured")
        missing = deps.pipeline.generator.missing(style)
        if missing:
            return await self._fail(job, missing)
        request = request_of(job, style)
        verdict = await deps.pipeline.check_prompt(request)
        if not verdict.passed:
            return await self._fail(job, "the prompt was refused: " + "; ".join(verdict.reasons))
        try:
            await self._generate(job, request)
            await self._progress(job, "checking", post=True)
            await self._check(job, request)
        except GenerationError as exc:
            # A back end that failed, or a check that could not run: transient ones again later.
            if exc.transient and self.attempt < deps.policy.max_attempts:
                return await self._again(job, str(exc))
            tries = f" (after {self.attempt} attempts)" if exc.transient else ""
            return await self._fail(job, f"{exc}{tries}")
        return await self._post(job, request)

    async def _generate(self, job: GenerationJob, request: GenerationRequest) -> None:
        async with self.deps.db.read() as session:
            have = {o.index for o in await store.outputs_of(session, job.id or 0)}
        noun = "image" if job.kind == "image" else "text"
        if not have:
            await self._progress(job, f"generating {1} of {job.count}", post=True)
        for index in range(job.count):
            if index in have:
                continue
            if index:
                await self._progress(job, f"generating {index + 1} of {job.count}", post=True)
            seed = None if job.seed is None else job.seed + index
            one = GenerationRequest(
                request.kind,
                request.prompt,
                request.style,
                1,
                request.requester,
                request.size,
                request.format,
                seed,
            )
            made = list(await self.deps.pipeline.generator.generate(one))
            if not made:
                raise GenerationError(f"the back end gave no {noun}", transient=True)
            await self._keep(job, index, made[0])

    async def _keep(self, job: GenerationJob, index: int, output: GeneratedOutput) -> None:
        now = self.deps.clock.now()
        async with self.deps.db.transaction() as session:
            held = await store.change(
                session, self.job_id, self.attempt, lease_until=now + self.deps.policy.lease
            )
            if not held:
                raise _Lost
            session.add(
                GenerationOutput(
                    job_id=self.job_id,
                    index=index,
                    media_type=output.media_type,
                    sha256=hashlib.sha256(output.data).hexdigest(),
                    data=output.data,
                    model=output.model[:100],
                    seed=output.seed,
                    created_at=now,
                )
            )

    async def _check(self, job: GenerationJob, request: GenerationRequest) -> None:
        async with self.deps.db.read() as session:
            outputs = await store.outputs_of(session, self.job_id)
        for row in outputs:
            if row.passed is not None:
                continue
            verdict = await self.deps.pipeline.check_output(request, _generated(row), row.index + 1)
            async with self.deps.db.transaction() as session:
                if not await store.change(session, self.job_id, self.attempt):
                    raise _Lost
                stored = await session.get(GenerationOutput, row.id)
                if stored is not None:
                    stored.passed = verdict.passed
                    stored.reasons = "\n".join(verdict.reasons)[:1000]
                    stored.score = verdict.score
                    session.add(stored)

    async def _post(self, job: GenerationJob, request: GenerationRequest) -> RunResult:
        async with self.deps.db.read() as session:
            outputs = await store.outputs_of(session, self.job_id)
        for row in outputs:
            if not row.passed or row.posted:
                continue
            made = Made(
                self.job_id, row.index, job.community_id, job.created_at, job.backend, row.id
            )
            sealed = await self.deps.pipeline.seal(made, request, _generated(row))
            buttons = tuple(self.deps.pipeline.buttons(made))
            async with self.deps.db.transaction() as session:
                # In the transaction that posts it: a job cancelled meanwhile posts nothing.
                if not await store.change(session, self.job_id, self.attempt):
                    raise _Lost
                await self.poster.result(session, job, row, sealed, buttons)
                stored = await session.get(GenerationOutput, row.id)
                if stored is not None:
                    stored.posted = True
                    session.add(stored)
        rejected = [o for o in outputs if o.passed is False]
        posted = len(outputs) - len(rejected)
        summary = f"posted {posted} of {job.count}" if posted else "nothing posted"
        if rejected:
            summary += f"{'; ' if posted else ': '}{len(rejected)} rejected"
        now = self.deps.clock.now()
        async with self.deps.db.transaction() as session:
            done = await store.change(
                session,
                self.job_id,
                self.attempt,
                state=DONE,
                progress=summary,
                finished_at=now,
                lease_until=None,
            )
            if not done:
                raise _Lost
            if rejected:
                await self.poster.rejected(session, job, rejected)
            await self.poster.status(session, job, summary, final=True)
        return RunResult(self.job_id, claimed=True, state=DONE)

    async def _progress(self, job: GenerationJob, text: str, *, post: bool = False) -> None:
        now = self.deps.clock.now()
        async with self.deps.db.transaction() as session:
            held = await store.change(
                session,
                self.job_id,
                self.attempt,
                progress=text,
                lease_until=now + self.deps.policy.lease,
            )
            if not held:
                raise _Lost
            if post:
                await self.poster.status(session, job, text)

    async def _again(self, job: GenerationJob, reason: str) -> RunResult:
        retry_at = self.deps.clock.now() + self.deps.policy.backoff(self.attempt)
        text = f"retrying at {retry_at:%H:%M:%S} UTC after: {reason}"
        async with self.deps.db.transaction() as session:
            held = await store.change(
                session,
                self.job_id,
                self.attempt,
                state=QUEUED,
                next_try_at=retry_at,
                lease_until=None,
                last_error=reason[:500],
                progress=text[:200],
            )
            if not held:
                raise _Lost
            await self.poster.status(session, job, text)
        log.info("generation job retried", extra={"job": self.job_id, "error": reason})
        return RunResult(self.job_id, claimed=True, state=QUEUED, retry_at=retry_at)

    async def _fail(self, job: GenerationJob, reason: str) -> RunResult:
        async with self.deps.db.transaction() as session:
            held = await store.change(
                session,
                self.job_id,
                self.attempt,
                state=FAILED,
                last_error=reason[:500],
                progress="failed",
                finished_at=self.deps.clock.now(),
                lease_until=None,
            )
            if not held:
                raise _Lost
            await store.give_back_quota(session, job)
            await self.poster.status(session, job, f"failed: {reason}", final=True)
        return RunResult(self.job_id, claimed=True, state=FAILED)


def _generated(row: GenerationOutput) -> GeneratedOutput:
    return GeneratedOutput(row.media_type, row.data, row.model, row.seed)
