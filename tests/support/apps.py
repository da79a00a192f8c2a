"""Build and run the real application for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any

import cogs
from bot.app import App, open_app
from bot.clock import Clock
from bot.features import Feature, config_models, discover, migration_folders
from bot.settings import Settings, build_settings
from tests.support.sample_feature import sample_feature

# Tests reach their protocol fakes on 127.0.0.1: the operator's allow list, as documented.
TEST_HTTP = {"allow_private": ["127.0.0.1"]}


@cache
def available_features() -> dict[str, Feature]:
    return discover(cogs)


def feature_migrations() -> list[Path]:
    return migration_folders(available_features())


def make_settings(
    tmp_path: Path, db_url: str, environ: Mapping[str, str] | None = None, **sections: Any
) -> Settings:
    """Settings as the config file would give them; `environ` stands for the environment."""
    data: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "database": {"url": db_url},
        "http": TEST_HTTP,
        # Features that serve pages start the web server: on a free port, so apps side by side
        # (a restart, two processes) never fight over one.
        "web": {"port": 0},
        **sections,
    }
    return build_settings(data, config_models(available_features()), environ=environ or {})


@asynccontextmanager
async def running_app(
    settings: Settings,
    extra: Sequence[Feature] = (sample_feature,),
    clock: Clock | None = None,
) -> AsyncIterator[App]:
    async with open_app(settings, available_features(), extra=extra, clock=clock) as app:
        yield app
