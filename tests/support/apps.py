"""Build and run the real application for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bot.app import App, open_app
from bot.features import Feature, load_features
from bot.settings import Settings
from tests.support.sample_feature import sample_feature


def make_settings(tmp_path: Path, db_url: str, **sections: Any) -> Settings:
    data: dict[str, Any] = {
        "data_dir": str(tmp_path / "data"),
        "database": {"url": db_url},
        **sections,
    }
    return Settings.model_validate(data)


@asynccontextmanager
async def running_app(
    settings: Settings, extra: Sequence[Feature] = (sample_feature,)
) -> AsyncIterator[App]:
    async with open_app(settings, [*load_features(settings.features), *extra]) as app:
        yield app
