"""`[generation.jobs]`: which engine runs jobs, quotas, retries and leases (a field of the
feature's config, cogs/generation/config.py). How many jobs run at once on a back end is that
back end's `concurrency` ([generation.backends.<name>])."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from cogs.generation.queue_saq_config import SaqConfig


class JobsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Which engine runs jobs: "in-process" (workers inside the bot, on its database) or an
    # external queue engine whose worker processes run the same job code.
    queue: Literal["in-process", "saq"] = "in-process"
    # Generations (outputs asked for) per member per UTC day, in each community.
    daily_quota: int = Field(default=20, ge=0, le=10_000)
    # A transient back-end failure (timeout, 429, 5xx) is retried after retry_base_seconds,
    # doubling up to retry_cap_seconds, until max_attempts runs; then the job fails with why.
    max_attempts: int = Field(default=4, ge=1, le=20)
    retry_base_seconds: float = Field(default=5.0, gt=0, le=3600)
    retry_cap_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # A running job is its worker's for this long, renewed as it goes; after it, a job whose
    # worker died (a crash, a killed process) is taken up again.
    lease_seconds: float = Field(default=300.0, gt=0, le=86_400)
    # How often idle workers look for jobs stored by other processes or due again.
    poll_seconds: float = Field(default=10.0, gt=0, le=3600)
    # [generation.jobs.saq]: the saq queue and its workers (`steward worker generation`).
    saq: SaqConfig = Field(default_factory=SaqConfig)
    max_prompt_chars: int = Field(default=1000, ge=10, le=4000)
