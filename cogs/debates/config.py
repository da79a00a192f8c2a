"""The debates feature's table in the configuration file: `[[debates.forums]]`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, model_validator

from bot.settings import environ_of


class ForumConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://")
    community: str | None = None  # slug; default: the first community
    # The API key itself stays in the environment, under the variable named here.
    api_key_env: str | None = None
    api_key: SecretStr | None = None
    api_username: str = "system"
    categories: list[str] = []
    requests_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    sync_minutes: int = Field(default=5, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _key_from_environment(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict):
            return data
        if "api_key" in data:
            raise ValueError("api_key belongs in the environment; name its variable in api_key_env")
        variable = data.get("api_key_env")
        if variable:
            value = environ_of(info).get(str(variable))
            if not value:
                raise ValueError(f"api_key_env names {variable}, which is not set")
            return {**data, "api_key": value}
        return data

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
