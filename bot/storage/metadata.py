"""All tables, core and feature, for Alembic and the schema check in tests.

Feature tables register themselves when their feature package is imported (the composition
root discovers them); this module adds the core's.
"""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlmodel import SQLModel

from bot.storage import models as _core_models  # noqa: F401  (registers the core tables)


def all_metadata() -> MetaData:
    return SQLModel.metadata
