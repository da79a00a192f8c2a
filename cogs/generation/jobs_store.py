"""Storing jobs: a new job with its quota, the atomic claim, and the updates a worker makes.

Every change a worker makes to a running job names the attempt it claimed (`attempts`): a worker
whose lease ran out, and whose job another worker took up, changes nothing any more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.database import Database
from cogs.generation.models import (
    CANCELLED,
    FINAL,
    QUEUED,
    RUNNING,
    GenerationJob,
    GenerationOutput,
    GenerationQuota,
)


@dataclass(frozen=True)
class QuotaUse:
    used: int
    limit: int


class QuotaExhausted(Exception):
    def __init__(self, use: QuotaUse) -> None:
        super().__init__(f"used {use.used} of {use.limit}")
        self.use = use


def day_of(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d}"


async def take_quota(
    session: AsyncSession, community_id: int, member: str, day: str, count: int, limit: int
) -> None:
    """Count `count` generations against today's quota, or raise QuotaExhausted; the
    conditional UPDATE holds under simultaneous requests (a row lock on PostgreSQL, the one
    writer on SQLite)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"community_id": community_id, "member": member, "day": day, "used": 0}
    await session.exec(insert(GenerationQuota).values(**values).on_conflict_do_nothing())
    key = and_(
        col(GenerationQuota.community_id) == community_id,
        col(GenerationQuota.member) == member,
        col(GenerationQuota.day) == day,
    )
    taken = await session.exec(
        update(GenerationQuota)
        .where(key, col(GenerationQuota.used) + count <= limit)
        .values(used=col(GenerationQuota.used) + count)
    )
    if taken.rowcount != 1:
        used = (await session.exec(select(GenerationQuota.used).where(key))).one()
        raise QuotaExhausted(QuotaUse(used, limit))


async def give_back_quota(session: AsyncSession, job: GenerationJob) -> None:
    """Give back the generations `job` took from its day's quota and never posted: it failed,
    or was cancelled while queued, so its member may ask again. (A job cancelled while running
    keeps its quota: the engine's work was under way, and start-then-cancel must not be free.)"""
    if job.id is None:
        return
    posted = await session.exec(
        select(func.count())
        .select_from(GenerationOutput)
        .where(col(GenerationOutput.job_id) == job.id, col(GenerationOutput.posted).is_(True))
    )
    count = job.count - int(posted.one())
    if count <= 0:
        return
    used = col(GenerationQuota.used)
    await session.exec(
        update(GenerationQuota)
        .where(
            col(GenerationQuota.community_id) == job.community_id,
            col(GenerationQuota.member) == f"{job.platform}:{job.user_id}",
            col(GenerationQuota.day) == day_of(job.created_at),
        )
        .values(used=case((used >= count, used - count), else_=0))
    )


async def quota_used(db: Database, community_id: int, member: str, day: str) -> int:
    async with db.read() as session:
        query = select(GenerationQuota.used).where(
            GenerationQuota.community_id == community_id,
            GenerationQuota.member == member,
            GenerationQuota.day == day,
        )
        return (await session.exec(query)).first() or 0


async def claim(db: Database, job_id: int, now: datetime, lease: timedelta) -> int | None:
    """Take the job if it is due and nobody runs it (or its worker's lease ran out); returns
    the attempt claimed (the token later updates name), or None."""
    job = GenerationJob
    claimable = or_(
        and_(col(job.state) == QUEUED, col(job.next_try_at) <= now),
        and_(col(job.state) == RUNNING, col(job.lease_until) < now),
    )
    async with db.transaction() as session:
        result = await session.exec(
            update(job)
            .where(col(job.id) == job_id, claimable)
            .values(
                state=RUNNING,
                attempts=col(job.attempts) + 1,
                lease_until=now + lease,
                started_at=func.coalesce(col(job.started_at), now),
            )
        )
        if result.rowcount != 1:
            return None
        attempts = await session.exec(select(job.attempts).where(job.id == job_id))
        return int(attempts.one())


def mine(job_id: int, attempt: int) -> Any:
    """The job while this attempt still holds it."""
    return and_(
        col(GenerationJob.id) == job_id,
        col(GenerationJob.state) == RUNNING,
        col(GenerationJob.attempts) == attempt,
    )


async def change(session: AsyncSession, job_id: int, attempt: int, **values: Any) -> bool:
    """Update the job if this attempt still holds it; False when it was cancelled or taken.
    With no values it only checks, holding the row (PostgreSQL) until the transaction ends, so
    a cancel waits for what is being posted with it, or comes first and stops it."""
    if not values:
        values = {"attempts": col(GenerationJob.attempts)}
    result = await session.exec(update(GenerationJob).where(mine(job_id, attempt)).values(**values))
    return bool(result.rowcount == 1)


async def get_job(session: AsyncSession, job_id: int) -> GenerationJob | None:
    return await session.get(GenerationJob, job_id)


async def outputs_of(session: AsyncSession, job_id: int) -> list[GenerationOutput]:
    query = (
        select(GenerationOutput)
        .where(GenerationOutput.job_id == job_id)
        .order_by(col(GenerationOutput.index))
    )
    return list((await session.exec(query)).all())


async def due_jobs(db: Database, now: datetime, limit: int = 500) -> list[tuple[int, str]]:
    """Jobs a worker may claim now, oldest first, with their back ends."""
    job = GenerationJob
    claimable = or_(
        and_(col(job.state) == QUEUED, col(job.next_try_at) <= now),
        and_(col(job.state) == RUNNING, col(job.lease_until) < now),
    )
    async with db.read() as session:
        query = select(job.id, job.backend).where(claimable).order_by(col(job.id)).limit(limit)
        return [(int(i), b) for i, b in (await session.exec(query)).all() if i is not None]


async def cancel(db: Database, job_id: int, community_id: int) -> str | None:
    """Cancel a job that has not finished; returns the state it was in, or None when there is
    no such job. A queued job never starts; a running one's results are not posted."""
    async with db.transaction() as session:
        job = await session.get(GenerationJob, job_id)
        if job is None or job.community_id != community_id:
            return None
        if job.state in FINAL:
            return job.state
        before = job.state
        result = await session.exec(
            update(GenerationJob)
            .where(col(GenerationJob.id) == job_id, col(GenerationJob.state).not_in(FINAL))
            .values(state=CANCELLED, lease_until=None, progress="cancelled")
        )
        if result.rowcount != 1:
            return await _state(session, job_id)
        if before == QUEUED:
            await give_back_quota(session, job)
        return before


async def _state(session: AsyncSession, job_id: int) -> str:
    state = await session.exec(select(GenerationJob.state).where(GenerationJob.id == job_id))
    return str(state.one())


async def list_jobs(
    db: Database, community_id: int, member: str | None, limit: int = 20
) -> list[GenerationJob]:
    """The latest jobs of a community, or of one member ("platform:user id")."""
    query = select(GenerationJob).where(GenerationJob.community_id == community_id)
    if member is not None:
        platform, _, user_id = member.partition(":")
        query = query.where(GenerationJob.platform == platform, GenerationJob.user_id == user_id)
    async with db.read() as session:
        rows = await session.exec(query.order_by(col(GenerationJob.id).desc()).limit(limit))
        return list(rows.all())
