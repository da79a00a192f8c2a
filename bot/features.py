"""A feature is one package in cogs/: its commands, settings and background work."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cogs
from bot.commands.spec import CommandSpec
from bot.community import SettingSpec
from bot.errors import ConfigError

if TYPE_CHECKING:
    from bot.app import App

# Started with the app and closed at shutdown: open clients, schedule jobs, watch chains.
Lifespan = Callable[["App"], AbstractAsyncContextManager[None]]


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    commands: tuple[CommandSpec, ...] = ()
    settings: tuple[SettingSpec, ...] = ()
    lifespan: Lifespan | None = None


def available_features() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(cogs.__path__) if m.ispkg)


def load_features(names: Sequence[str]) -> list[Feature]:
    available = available_features()
    wanted = list(names) or available
    unknown = [n for n in wanted if n not in available]
    if unknown:
        raise ConfigError(
            "features", f"unknown feature {unknown[0]!r}; have {', '.join(available)}"
        )
    if "core" not in wanted:
        wanted.insert(0, "core")
    features = []
    for name in wanted:
        feature = getattr(importlib.import_module(f"cogs.{name}"), "feature", None)
        if not isinstance(feature, Feature):
            raise ConfigError("features", f"cogs.{name} does not define `feature = Feature(...)`")
        features.append(feature)
    return features
