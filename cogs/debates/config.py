"""The debates feature's table in the configuration file: `[[debates.forums]]`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from bot.settings import environ_of


class ForumConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(pattern=r"^https?://")
    community: str | None = None  # slug; default: the first community
    # The API key itself stays in the environment, under the variable named here.
    api_key_env: str | None = None
    api_key: SecretStr | None = Field(default=None, validate_default=True)
    api_username: str = "system"
    categories: list[str] = []
    requests_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    sync_minutes: int = Field(default=5, ge=1)

    @field_validator("api_key_env")
    @classmethod
    def _variable_is_set(cls, variable: str | None, info: ValidationInfo) -> str | None:
        if variable and not environ_of(info).get(variable):
            raise ValueError(f"names {variable}, which is not set in the environment")
        return variable

    @field_validator("api_key", mode="before")
    @classmethod
    def _key_from_environment(cls, value: Any, info: ValidationInfo) -> Any:
        """The key comes from the variable api_key_env names; one written in the file is refused."""
        if value is not None:
            raise ValueError("api_key belongs in the environment; name its variable in api_key_env")
        variable = info.data.get("api_key_env")
        return environ_of(info).get(variable) if variable else None

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
