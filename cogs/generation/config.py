"""The generation feature's table of the configuration file: `[generation]`.

```toml
[generation]
styles_dir = "config/styles"

[generation.backends.sd]            # a self-hosted AUTOMATIC1111/Forge server (started with --api)
type = "sd_webui"
base_url = "http://10.0.0.5:7860"   # a private address: also list it in [http] allow_private
timeout = 180

[generation.backends.openai]        # any OpenAI-compatible endpoint: images and chat for copy
type = "openai"
api_key_env = "GENERATION_OPENAI_KEY"   # the key itself stays in the environment
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from bot.settings import secret_from_env, variable_is_set
from cogs.generation.curation_config import CurationConfig
from cogs.generation.gatekeeper import GatekeeperConfig
from cogs.generation.jobs_config import JobsConfig
from cogs.generation.provenance_config import ProvenanceConfig


class BackendConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["openai", "sd_webui"]
    # openai: default https://api.openai.com/v1; sd_webui: required (the server's root URL).
    base_url: str | None = Field(default=None, pattern=r"^https?://[^/\s]+")
    api_key_env: str | None = None
    api_key: SecretStr | None = Field(default=None, validate_default=True)
    _api_key_env_is_set = field_validator("api_key_env")(variable_is_set)
    _api_key_from_env = field_validator("api_key", mode="before")(secret_from_env("api_key_env"))
    # sd_webui started with --api-auth user:password: the user here, the password as api_key.
    username: str | None = None
    timeout: float = Field(default=120.0, gt=0, le=1800)
    # Jobs run at most this many at once on this back end.
    concurrency: int = Field(default=2, ge=1, le=64)

    @model_validator(mode="after")
    def _complete(self) -> BackendConfig:
        if self.type == "sd_webui" and not self.base_url:
            raise ValueError('a "sd_webui" back end needs base_url, e.g. http://10.0.0.5:7860')
        if self.type == "openai" and not self.base_url and self.api_key is None:
            raise ValueError(
                "an openai back end without base_url talks to api.openai.com and needs "
                "api_key_env naming the variable that holds its key"
            )
        if self.username and self.api_key is None:
            raise ValueError("username needs api_key_env (the password) too")
        return self

    @property
    def url(self) -> str:
        return (self.base_url or "https://api.openai.com/v1").rstrip("/")


class GenerationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Style presets, one TOML file each; relative paths are read from the working directory,
    # else from the project's folder.
    styles_dir: Path = Path("config/styles")
    backends: dict[str, BackendConfig] = {}
    # [generation.gatekeeper], [generation.provenance], [generation.curation]: owned by those parts.
    gatekeeper: GatekeeperConfig = Field(default_factory=GatekeeperConfig)
    provenance: ProvenanceConfig = Field(default_factory=ProvenanceConfig)
    # [generation.jobs]: the jobs part's.
    jobs: JobsConfig = Field(default_factory=JobsConfig)
    curation: CurationConfig = Field(default_factory=CurationConfig)
