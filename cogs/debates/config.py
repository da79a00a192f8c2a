"""The debates feature's table in the configuration file: `[[debates.forums]]`."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.settings import secret_from_env, variable_is_set


class ForumConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://")
    community: str | None = None  # slug; default: the first community
    # The API key itself stays in the environment, under the variable named here.
    api_key_env: str | None = None
    api_key: SecretStr | None = Field(default=None, validate_default=True)
    _api_key_env_is_set = field_validator("api_key_env")(variable_is_set)
    _api_key_from_env = field_validator("api_key", mode="before")(secret_from_env("api_key_env"))
    api_username: str = "system"
    categories: list[str] = []
    requests_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    sync_minutes: int = Field(default=5, ge=1)

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")


class DebatesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    forums: list[ForumConfig] = []

    def forum(self, url: str) -> ForumConfig | None:
        return next((f for f in self.forums if f.base_url == url.rstrip("/")), None)

    @property
    def sync_minutes(self) -> int:
        return min([f.sync_minutes for f in self.forums] or [5])
