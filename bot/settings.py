"""Configuration: one TOML file for structure, environment variables for secrets.

The framework's sections are declared here; each feature declares its own table (`[treasury]`,
`[debates]`, ...) with a pydantic model of its own, validated here too. Every key is checked
before anything starts: problems raise `ConfigErrors`, one line per key with the reason, and
nothing is half-applied.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    SerializeAsAny,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from bot.errors import ConfigError, ConfigErrors

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
ModelT = TypeVar("ModelT", bound=BaseModel)


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def environ_of(info: Any) -> Mapping[str, str]:
    """The environment a feature's config validator may read secrets from (tests pass their own)."""
    context = getattr(info, "context", None) or {}
    environ = context.get("environ")
    return environ if environ is not None else os.environ


def variable_is_set(variable: str | None, info: ValidationInfo) -> str | None:
    """Validator of a `<secret>_env` field: the variable it names must be set."""
    if variable and not environ_of(info).get(variable):
        raise ValueError(f"names {variable}, which is not set in the environment")
    return variable


def secret_from_env(variable_field: str) -> Callable[[Any, ValidationInfo], Any]:
    """A "before" validator of a secret field: its value is read from the environment variable
    that `variable_field` names; a secret written in the file is refused. Reuse it as
    `_key = field_validator("api_key", mode="before")(secret_from_env("api_key_env"))`, with
    the secret field declared after `variable_field` and `validate_default=True`."""

    def read(value: Any, info: ValidationInfo) -> Any:
        if value is not None:
            raise ValueError(
                f"{info.field_name} belongs in the environment; name its variable in "
                f"{variable_field}"
            )
        variable = info.data.get(variable_field)
        return environ_of(info).get(variable) if variable else None

    return read


class LogSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class DatabaseSettings(Section):
    url: str | None = Field(default=None, description="SQLAlchemy URL; default SQLite in data_dir")
    echo: bool = False
    # SQLite: how long a write waits for another writer before it fails (and is retried).
    busy_timeout_ms: int = Field(default=15000, ge=0)


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
    # Hear members join (to welcome them); needs the privileged Server Members intent switched
    # on for the bot in Discord's developer portal.
    member_events: bool = False
    # Gateway shards; Discord requires more than one from 2,500 guilds on.
    shards: int = Field(default=1, ge=1, le=1024)


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


class HttpSettings(Section):
    """The one policy of everything the bot fetches (forums, RPC nodes, APIs, pages)."""

    timeout: float = Field(default=20.0, gt=0)
    attempts: int = Field(default=4, ge=1, le=10)
    # A server asking to wait longer than this is not waited for: the request fails at once.
    max_retry_after: float = Field(default=300.0, ge=0)
    max_response_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # Hosts or networks that URLs typed in chat may reach although they are private or local.
    allow_private: list[str] = []


class SchedulerSettings(Section):
    timezone: str = "UTC"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{zone!r} is not an IANA time zone (e.g. Europe/Berlin)") from exc
        return zone


class LeaderSettings(Section):
    """Replicas on PostgreSQL: one process runs scheduled work, a standby takes over."""

    # How often a standby tries to become the leader, and the leader checks its lock.
    check_seconds: float = Field(default=10.0, gt=0, le=60)


class WebSettings(Section):
    """The bot's own web server (pages members open from chat); it listens only when a
    feature serves a page."""

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    # Where members reach it (the operator's reverse proxy); default http://host:port.
    public_url: str | None = None

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not url.startswith(("http://", "https://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url


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


class Settings(Section):
    data_dir: Path = Path("data")
    log: LogSettings = LogSettings()
    database: DatabaseSettings = DatabaseSettings()
    discord: DiscordSettings = DiscordSettings()
    telegram: TelegramSettings = TelegramSettings()
    console: ConsoleSettings = ConsoleSettings()
    llm: LLMSettings = LLMSettings()
    http: HttpSettings = HttpSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    leader: LeaderSettings = LeaderSettings()
    web: WebSettings = WebSettings()
    communities: list[CommunityConfig] = []
    # Features to load; empty means all of them.
    features: list[str] = []
    # Each feature's own table, validated by its model (filled by `build_settings`).
    feature_tables: dict[str, SerializeAsAny[BaseModel]] = {}

    @field_validator("communities")
    @classmethod
    def _unique_slugs(cls, communities: list[CommunityConfig]) -> list[CommunityConfig]:
        slugs = [c.slug for c in communities]
        duplicates = {s for s in slugs if slugs.count(s) > 1}
        if duplicates:
            raise ValueError(f"duplicate community slug(s): {', '.join(sorted(duplicates))}")
        return communities

    def feature_config(self, name: str, model: type[ModelT]) -> ModelT:
        """A feature's table; its defaults when the file has none."""
        table = self.feature_tables.get(name)
        return table if isinstance(table, model) else model()

    @property
    def default_community(self) -> str:
        """Direct messages and configured forums with no community belong here."""
        return self.communities[0].slug if self.communities else self.console.community

    def secret_values(self) -> list[str]:
        """Every secret value, so the log can redact them wherever they appear."""
        secrets = [self.discord.token, self.telegram.token, self.llm.api_key]
        values = [s.get_secret_value() for s in secrets if s is not None]
        if self.database.url and "@" in self.database.url:
            values.append(self.database.url)
        for table in self.feature_tables.values():
            values += _secrets_in(table)
        return [v for v in values if len(v) >= 4]


def _secrets_in(value: object) -> list[str]:
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, BaseModel):
        return [s for name in type(value).model_fields for s in _secrets_in(getattr(value, name))]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _secrets_in(item)]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _secrets_in(item)]
    return []


def load_settings(
    path: Path | None,
    feature_models: Mapping[str, type[BaseModel]] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(str(path), "file not found") from exc
        except OSError as exc:
            raise ConfigError(str(path), f"cannot read it: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise ConfigError(str(path), "not UTF-8 text") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(str(path), f"not valid TOML: {exc}") from exc
    problems: list[tuple[str, str]] = []
    for key in SECRET_KEYS:
        section, name = key.split(".")
        if isinstance(data.get(section), dict) and name in data[section]:
            problems.append((key, "secrets belong in the environment, not in the config file"))
            data[section] = {k: v for k, v in data[section].items() if k != name}
    for variable, key_path in ENV_KEYS.items():
        value = environ.get(variable)
        if value:
            _set_path(data, key_path, value)
    try:
        settings = build_settings(data, feature_models or {}, environ)
    except ConfigErrors as exc:
        raise ConfigErrors([*problems, *exc.problems]) from exc
    if problems:
        raise ConfigErrors(problems)
    return settings


def build_settings(
    data: Mapping[str, Any],
    feature_models: Mapping[str, type[BaseModel]],
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate the framework's sections and every feature's table; report every problem."""
    data = dict(data)
    problems: list[tuple[str, str]] = []
    tables: dict[str, BaseModel] = {}
    for name, model in feature_models.items():
        if name in data:
            raw = data.pop(name)
            try:
                tables[name] = model.model_validate(raw, context={"environ": environ})
            except ValidationError as exc:
                problems += _problems(exc, prefix=name)
    try:
        settings = Settings.model_validate({**data, "feature_tables": tables})
    except ValidationError as exc:
        problems = _problems(exc) + problems
        settings = None
    features = data.get("features")
    if feature_models and isinstance(features, list):
        unknown = [f for f in features if isinstance(f, str) and f not in {*feature_models, "core"}]
        if unknown:
            known = ", ".join(sorted(feature_models))
            problems.append(("features", f"unknown feature {unknown[0]!r}; have {known}"))
    if problems or settings is None:
        raise ConfigErrors(problems)
    return settings


def _problems(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for error in exc.errors():
        parts = [prefix] if prefix else []
        parts += [str(part) for part in error["loc"]]
        message = str(error["msg"]).removeprefix("Value error, ")
        found.append((".".join(parts) or "(top level)", message))
    return found


def _set_path(data: dict[str, Any], key_path: tuple[str, ...], value: str) -> None:
    node = data
    for part in key_path[:-1]:
        node = node.setdefault(part, {})
    node[key_path[-1]] = value
