"""`[generation.jobs.saq]`: the saq queue's settings (cogs/generation/queue_saq.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.settings import secret_from_env, variable_is_set


class SaqConfig(BaseModel):
    """`[generation.jobs.saq]`: where the queue is and how its workers run."""

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
    # Jobs one worker process runs at once; the per-back-end limits of [generation.jobs] hold
    # within each worker process.
    concurrency: int = Field(default=8, ge=1, le=256)
    # A running job proves its worker alive this often; one silent for `heartbeat_seconds` is
    # taken from its worker (swept) and delivered again.
    heartbeat_seconds: int = Field(default=30, ge=2, le=3600)
    sweep_seconds: int = Field(default=15, ge=1, le=3600)
    # Deliveries of one saq job, a worker's death counting as one (the database's attempts
    # and the poll for due jobs go on beyond it).
    deliveries: int = Field(default=5, ge=1, le=100)
    # On SIGTERM, jobs in flight get this long to end; those still running are handed back.
    shutdown_grace_seconds: int = Field(default=10, ge=0, le=3600)

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
