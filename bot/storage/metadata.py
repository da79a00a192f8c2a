"""All tables, core and feature, for Alembic's autogenerate and the schema check in tests."""

from __future__ import annotations

import importlib
import pkgutil

from sqlalchemy import MetaData
from sqlmodel import SQLModel

import cogs
from bot.storage import models as _core_models  # noqa: F401  (registers the core tables)


def all_metadata() -> MetaData:
    for module in pkgutil.iter_modules(cogs.__path__):
        try:
            importlib.import_module(f"cogs.{module.name}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"cogs.{module.name}.models":
                raise
    return SQLModel.metadata
