"""Configuration: one TOML file for structure, environment variables for secrets.

Every key is validated before anything starts; a bad key or value raises `ConfigError` naming the
key and the reason, and nothing is half-applied.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from bot.errors import ConfigError

# Environment variables that override the file; secrets only ever come from here.
ENV_KEYS: dict[str, tuple[str, ...]] = {
    "DISCORD_TOKEN": ("discord", "token"),
    "TELEGRAM_TOKEN": ("telegram", "token"),
    "OPENAI_API_KEY": ("llm", "api_key"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
    "DATABASE_URL": ("database", "url"),
    "STEWARD_DATA_DIR": ("data_dir",),
    "STEWARD_LOG_LEVEL": ("log", "level"),
}
SECRET_KEYS = ("discord.token", "telegram.token", "llm.api_key")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class DatabaseSettings(Section):
    url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    echo: bool = False


class DiscordSettings(Section):
    token: SecretStr | None = None
    # Commands synced to these guilds appear at once; global commands can take an hour.
    guild_ids: list[int] = []
    api_base: str | None = None
    gateway_url: str | None = None
    ready_timeout: float = Field(default=2.0, ge=0)
    # Read message text for ingestion; needs the privileged Message Content intent switched on
    # for the bot in Discord's developer portal.
    read_messages: bool = False


class TelegramSettings(Section):
    token: SecretStr | None = None
    api_base: str = "https://api.telegram.org/bot"
    file_base: str = "https://api.telegram.org/file/bot"
    poll_timeout: int = Field(default=10, ge=0, le=50)
    poll_interval: float = Field(default=0.0, ge=0)


class ConsoleSettings(Section):
    # auto: on when no chat platform has a token.
    enabled: Literal["auto", "on", "off"] = "auto"
    community: str = "local"


class LLMSettings(Section):
    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = "gpt-4o-mini"
    timeout: float = Field(default=60.0, gt=0)
    # Tokens one request may use in all (prompt and answer); longer threads are map-reduced.
    context_budget: int = Field(default=16000, ge=4000)
    attempts: int = Field(default=4, ge=1, le=10)


class ForumConfig(Section):
    url: str = Field(pattern=r"^https?://")
    community: str | None = None  # slug; default: the first community
    # The API key itself stays in the environment, under the variable named here.
    api_key_env: str | None = None
    api_username: str = "system"
    categories: list[str] = []
    requests_per_minute: int | None = Field(default=None, ge=1, le=100_000)
    sync_minutes: int = Field(default=5, ge=1)


class ChainConfig(Section):
    chain_id: int = Field(ge=1)
    # The RPC URL often carries a provider key: RPC_URL_<NAME> in the environment overrides it.
    rpc_url: str | None = None
    tx_service_url: str | None = None
    # Name of the environment variable holding the Transaction Service API key (a JWT).
    tx_service_api_key_env: str | None = None
    confirmations: int = Field(default=12, ge=0, le=1000)
    poll_seconds: float = Field(default=12.0, gt=0)
    explorer_url: str | None = None
    safe_app_url: str = "https://app.safe.global"
    # EIP-3770 short name used in Safe web app links (eth, gno, arb1, ...).
    short_name: str | None = None
    native_symbol: str = "ETH"
    # ERC-20 tokens whose balances /safe status shows.
    tokens: list[str] = []
    # MultiSend deployments besides the canonical ones (DELEGATECALL to them is expected).
    multisend: list[str] = []
    max_block_range: int = Field(default=2000, ge=1)
    # The Transaction Service's free tier: 5 requests/s and 50,000 a month.
    tx_service_requests_per_month: int = Field(default=50_000, ge=1)
    tx_service_requests_per_second: float = Field(default=5.0, gt=0)
    # A queued transaction short of signatures this long gets a nudge, at most once per period.
    nudge_after_minutes: int = Field(default=24 * 60, ge=1)


class CommunityConfig(Section):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")
    name: str
    discord_guild_ids: list[str] = []
    telegram_chat_ids: list[str] = []
    # Members as "platform:user_id", e.g. "discord:80351110224678912" or "telegram:123456".
    admins: list[str] = []
    stewards: list[str] = []

    @field_validator("admins", "stewards")
    @classmethod
    def _platform_ids(cls, members: list[str]) -> list[str]:
        for member in members:
            platform, _, user_id = member.partition(":")
            if platform not in ("discord", "telegram", "console") or not user_id:
                raise ValueError(
                    f"{member!r} is not platform:user_id (discord, telegram or console)"
                )
        return members


class SchedulerSettings(Section):
    timezone: str = "UTC"


class Settings(Section):
    data_dir: Path = Path("data")
    log: LogSettings = LogSettings()
    database: DatabaseSettings = DatabaseSettings()
    discord: DiscordSettings = DiscordSettings()
    telegram: TelegramSettings = TelegramSettings()
    console: ConsoleSettings = ConsoleSettings()
    llm: LLMSettings = LLMSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    communities: list[CommunityConfig] = []
    forums: list[ForumConfig] = []
    chains: dict[str, ChainConfig] = {}
    # Features to load; empty means all of them.
    features: list[str] = []

    @field_validator("communities")
    @classmethod
    def _unique_slugs(cls, communities: list[CommunityConfig]) -> list[CommunityConfig]:
        slugs = [c.slug for c in communities]
        duplicates = {s for s in slugs if slugs.count(s) > 1}
        if duplicates:
            raise ValueError(f"duplicate community slug(s): {', '.join(sorted(duplicates))}")
        return communities

    def secret_values(self) -> list[str]:
        secrets = [self.discord.token, self.telegram.token, self.llm.api_key]
        values = [s.get_secret_value() for s in secrets if s is not None]
        if self.database.url and "@" in self.database.url:
            values.append(self.database.url)
        return [v for v in values if len(v) >= 4]


def load_settings(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(str(path), "file not found") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"not valid TOML: {exc}") from exc
    for key in SECRET_KEYS:
        section, name = key.split(".")
        if isinstance(data.get(section), dict) and name in data[section]:
            raise ConfigError(key, "secrets belong in the environment, not in the config file")
    for variable, key_path in ENV_KEYS.items():
        value = environ.get(variable)
        if value:
            _set_path(data, key_path, value)
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise ConfigError(key, first["msg"]) from exc


def _set_path(data: dict[str, Any], key_path: tuple[str, ...], value: str) -> None:
    node = data
    for part in key_path[:-1]:
        node = node.setdefault(part, {})
    node[key_path[-1]] = value
