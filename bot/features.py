"""A feature is one package in cogs/: its commands, settings, configuration and background work.

The composition root discovers the packages (`discover`); nothing else in `bot` imports `cogs`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.commands.community import SettingSpec
from bot.commands.spec import CommandSpec
from bot.context import FeatureContext
from bot.errors import ConfigError, ErrorReader


class NoConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Started with the app and closed at shutdown; yields what the feature's commands get.
Lifespan = Callable[[FeatureContext[Any]], AbstractAsyncContextManager[Any]]
# Work a feature runs in processes of their own (`steward worker <feature>`), given the context
# its lifespan would get; it returns when the process is told to stop (SIGTERM).
Worker = Callable[[FeatureContext[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    commands: tuple[CommandSpec, ...] = ()
    settings: tuple[SettingSpec, ...] = ()
    config: type[BaseModel] = NoConfig
    lifespan: Lifespan | None = None
    errors: tuple[tuple[type[Exception], ErrorReader], ...] = ()
    # Alembic revisions of the feature's tables (its own `migrations/` folder).
    migrations: Path | None = None
    worker: Worker | None = None


def discover(package: ModuleType) -> dict[str, Feature]:
    """Every feature package under `package` (cogs), by name."""
    found = {}
    for module in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if not module.ispkg:
            continue
        loaded = importlib.import_module(f"{package.__name__}.{module.name}")
        feature = getattr(loaded, "feature", None)
        if not isinstance(feature, Feature):
            raise ConfigError(
                "features", f"{loaded.__name__} does not define `feature = Feature(...)`"
            )
        found[module.name] = feature
    return found


def select_features(available: Mapping[str, Feature], names: Sequence[str]) -> list[Feature]:
    """The features to run: those named (all when none are), core always first."""
    wanted = list(names) or list(available)
    unknown = [n for n in wanted if n not in available]
    if unknown:
        have = ", ".join(sorted(available))
        raise ConfigError("features", f"unknown feature {unknown[0]!r}; have {have}")
    ordered = ["core", *(n for n in wanted if n != "core")] if "core" in available else wanted
    return [available[name] for name in ordered]


def config_models(available: Mapping[str, Feature]) -> dict[str, type[BaseModel]]:
    return {name: feature.config for name, feature in available.items()}


def migration_folders(available: Mapping[str, Feature]) -> list[Path]:
    """Every feature's migrations, enabled or not: the schema has one linear history."""
    return [f.migrations for f in available.values() if f.migrations is not None]
