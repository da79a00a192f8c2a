"""Test databases: a SQLite file per test, and a fresh schema per test on the real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import psycopg

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/steward_test"


def postgres_admin_url() -> str:
    return os.environ.get("STEWARD_TEST_POSTGRES", DEFAULT_POSTGRES)


@asynccontextmanager
async def database_url(kind: str, tmp_path: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'steward.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = postgres_admin_url()
    try:
        connection = await psycopg.AsyncConnection.connect(admin, autocommit=True)
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"PostgreSQL is required for the test suite and is not reachable at {admin}; "
            "run ./dev test, which starts it, or set STEWARD_TEST_POSTGRES"
        ) from exc
    async with connection:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in admin else "?"
            yield f"{admin}{separator}options=-csearch_path%3D{schema}"
        finally:
            await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
