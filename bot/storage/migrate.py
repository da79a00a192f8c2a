"""Alembic, driven from code: the bot upgrades its schema at start, and `steward db` exposes it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

_HERE = Path(__file__).parent


def version_locations(feature_migrations: Sequence[Path] = ()) -> list[str]:
    """Core migrations plus each feature's own `migrations/` folder, one linear history."""
    locations = [str(_HERE / "migrations" / "versions")]
    locations += sorted(str(p) for p in feature_migrations if p.is_dir())
    return locations


def alembic_config(
    connection: Connection | None = None, feature_migrations: Sequence[Path] = ()
) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE / "migrations"))
    config.set_main_option("version_locations", " ".join(version_locations(feature_migrations)))
    config.set_main_option("path_separator", "space")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(connection: Connection, feature_migrations: Sequence[Path] = ()) -> None:
    command.upgrade(alembic_config(connection, feature_migrations), "head")
