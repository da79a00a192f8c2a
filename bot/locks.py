"""Named locks that hold within this process and, on PostgreSQL, across processes.

On PostgreSQL a lock is a session advisory lock on a connection of its own, so a second Steward
process on the same database sees it; PostgreSQL releases it when that connection ends, so a
killed process never leaves a lock behind. Advisory locks belong to the whole database, so each
key also names the schema in use: deployments (or test runs) in different schemas of one
database never take each other's locks. On SQLite one process is assumed and the in-process lock
is enough.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.database import Database

log = logging.getLogger(__name__)


def advisory_key(name: str, schema: str = "") -> int:
    """A stable signed 64-bit key for pg_advisory_lock from a lock's name and the schema whose
    data it guards."""
    scoped = f"{schema}:{name}" if schema else name
    return int.from_bytes(
        hashlib.blake2b(scoped.encode(), digest_size=8).digest(), "big", signed=True
    )


class LockKeys:
    """Advisory keys for one database's connections: the schema in use is looked up once."""

    def __init__(self) -> None:
        self._schema: str | None = None

    async def key(self, connection: AsyncConnection, name: str) -> int:
        if self._schema is None:
            schema = (await connection.execute(text("SELECT current_schema()"))).scalar()
            self._schema = str(schema or "")
        return advisory_key(name, self._schema)


class NamedLocks:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._held: set[str] = set()  # in this process; nobody waits, so no lock objects
        self._keys = LockKeys()

    @asynccontextmanager
    async def try_hold(self, name: str) -> AsyncIterator[bool]:
        """Yield True while holding the lock, False when someone else holds it (don't wait)."""
        if name in self._held:
            yield False
            return
        self._held.add(name)
        try:
            if self._db.is_sqlite:
                yield True
                return
            async with self._db.engine.connect() as connection:
                key = await self._keys.key(connection, name)
                query = text("SELECT pg_try_advisory_lock(:key)")
                held = bool((await connection.execute(query, {"key": key})).scalar())
                await connection.commit()
                try:
                    yield held
                finally:
                    if held:
                        await _unlock(connection, key)
        finally:
            self._held.discard(name)


async def _unlock(connection: AsyncConnection, key: int) -> None:
    try:
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        await connection.commit()
    except SQLAlchemyError:
        # The lock must not outlive us on a pooled connection: drop the connection instead.
        log.warning("could not release an advisory lock; closing its connection")
        await connection.invalidate()
