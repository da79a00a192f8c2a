"""Named locks that hold within this process and, on PostgreSQL, across processes.

On PostgreSQL a lock is a session advisory lock on a connection of its own, so a second Steward
process on the same database sees it; PostgreSQL releases it when that connection ends, so a
killed process never leaves a lock behind. On SQLite one process is assumed and the in-process
lock is enough.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.database import Database

log = logging.getLogger(__name__)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock from a lock's name."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


class NamedLocks:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._local: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def try_hold(self, name: str) -> AsyncIterator[bool]:
        """Yield True while holding the lock, False when someone else holds it (don't wait)."""
        local = self._local.setdefault(name, asyncio.Lock())
        if local.locked():
            yield False
            return
        async with local:
            if self._db.is_sqlite:
                yield True
                return
            key = advisory_key(name)
            async with self._db.engine.connect() as connection:
                query = text("SELECT pg_try_advisory_lock(:key)")
                held = bool((await connection.execute(query, {"key": key})).scalar())
                await connection.commit()
                try:
                    yield held
                finally:
                    if held:
                        await _unlock(connection, key)


async def _unlock(connection: AsyncConnection, key: int) -> None:
    try:
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        await connection.commit()
    except SQLAlchemyError:
        # The lock must not outlive us on a pooled connection: drop the connection instead.
        log.warning("could not release an advisory lock; closing its connection")
        await connection.invalidate()
