"""Tables of the generation feature: jobs, the outputs they made, and the daily quota.

A job is stored before the member is answered (state `queued`) and moves to `running` only
through an atomic claim (`UPDATE … WHERE state = 'queued'`), so no two workers, in this process
or another, ever run it at once. A worker holds a running job under a lease (`lease_until`) that
it renews as it goes; a job whose worker died is claimable again once its lease has run out.
Outputs are kept as they are made: a resumed job does not make again what it made already, and
each output is posted once, through the outbox, under a key of the job and the output's index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
STATES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
FINAL = (DONE, FAILED, CANCELLED)


class GenerationJob(SQLModel, table=True):
    __tablename__ = "generation_job"

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    user_name: str = Field(default="", max_length=100)
    # Where the command was run, so results go back there: "channel" (its id) or "dm".
    reply_kind: str = Field(max_length=8)
    reply_to: str = Field(default="", max_length=64)
    reply_name: str = Field(default="", max_length=100)
    kind: str = Field(max_length=8)  # image, copy
    prompt: str = Field(max_length=4000)
    style: str = Field(max_length=64)
    count: int = 1
    size: str = Field(default="", max_length=16)
    format: str = Field(default="", max_length=32)
    seed: int | None = Field(default=None, sa_type=BigInteger)  # A1111 seeds pass 2**31
    backend: str = Field(default="", max_length=64)
    state: str = Field(default=QUEUED, max_length=12, index=True)
    attempts: int = 0
    next_try_at: datetime = timestamp()
    lease_until: datetime | None = timestamp(default=None, nullable=True)
    last_error: str = Field(default="", max_length=500)
    # What a member reads in /jobs: "generating 2 of 4", "posted 3 of 4; 1 rejected".
    progress: str = Field(default="", max_length=200)
    created_at: datetime = timestamp()
    started_at: datetime | None = timestamp(default=None, nullable=True)
    finished_at: datetime | None = timestamp(default=None, nullable=True)


class GenerationOutput(SQLModel, table=True):
    __tablename__ = "generation_output"
    __table_args__ = (UniqueConstraint("job_id", "index"),)

    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="generation_job.id", index=True)
    index: int
    media_type: str = Field(max_length=32)
    sha256: str = Field(max_length=64, index=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    model: str = Field(default="", max_length=100)
    seed: int | None = Field(default=None, sa_type=BigInteger)  # A1111 seeds pass 2**31
    # The gatekeeper's verdict: None until checked.
    passed: bool | None = None
    reasons: str = Field(default="", max_length=1000)  # one per line
    score: float | None = None
    posted: bool = False
    created_at: datetime = timestamp()


class GenerationQuota(SQLModel, table=True):
    """Generations (outputs asked for) a member used on one UTC day; taken with a conditional
    UPDATE in the transaction that stores the job, so simultaneous requests never exceed it."""

    __tablename__ = "generation_quota"

    community_id: int = Field(foreign_key="community.id", primary_key=True)
    member: str = Field(primary_key=True, max_length=100)  # "platform:user id"
    day: str = Field(primary_key=True, max_length=10)  # YYYY-MM-DD, UTC
    used: int = 0
