"""One leader for scheduled work across replicas.

Two Steward processes may share one PostgreSQL database for availability. APScheduler 3.x runs a
job once per scheduler (its job stores cannot be shared), so scheduled work (chain polling,
forum sync, queue polling, digests) runs only in the process holding the leader lock: a
PostgreSQL advisory lock held on a connection of its own. When the leader dies, PostgreSQL drops
its connection and the lock with it, and a standby takes it within `check_seconds`. On SQLite
one process is assumed, and it leads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.locks import LockKeys
from bot.storage.database import Database

log = logging.getLogger(__name__)

LEADER_LOCK = "steward:leader"
# The least time a leader's check may take before the lock is taken as lost.
MIN_CHECK_TIMEOUT = 5.0


class Leadership:
    def __init__(self, db: Database, check_seconds: float = 10.0) -> None:
        self._db = db
        self._check_seconds = check_seconds
        self._connection: AsyncConnection | None = None
        self._keys = LockKeys()
        # One statement at a time on the lock's connection: a check and a closing may overlap.
        self._using = asyncio.Lock()
        self._closing = asyncio.Event()
        self.is_leader = db.is_sqlite

    @property
    def mode(self) -> str:
        if self._db.is_sqlite:
            return "single process (SQLite)"
        return "leader of replicas" if self.is_leader else "standby (another process leads)"

    async def run(self) -> None:
        """Keep trying to lead; while leading, check every few seconds that the lock is ours."""
        if self._db.is_sqlite:
            return
        try:
            while not self._closing.is_set():
                try:
                    async with self._using:
                        if self._closing.is_set():
                            break
                        if self._connection is None:
                            await self._try_to_lead()
                        else:
                            # A check that hangs (a stalled server) counts as a lost lock too.
                            timeout = max(self._check_seconds, MIN_CHECK_TIMEOUT)
                            await asyncio.wait_for(_still_connected(self._connection), timeout)
                except (SQLAlchemyError, OSError, TimeoutError) as exc:
                    if self.is_leader:
                        log.error(
                            "lost the leader lock; scheduled work pauses",
                            extra={"error": str(exc) or type(exc).__name__},
                        )
                    await self._drop()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), self._check_seconds)
        finally:
            # Closing may have come while the lock was being taken: it must not stay held.
            await self._release()

    async def _try_to_lead(self) -> None:
        connection = await self._db.engine.connect()
        try:
            key = await self._keys.key(connection, LEADER_LOCK)
            query = text("SELECT pg_try_advisory_lock(:key)")
            held = bool((await connection.execute(query, {"key": key})).scalar())
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not held:
            await connection.close()
            return
        self._connection = connection
        self.is_leader = True
        log.info("this process now leads scheduled work")

    async def _drop(self) -> None:
        self.is_leader = False
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.invalidate()

    async def _release(self) -> None:
        self.is_leader = self._db.is_sqlite
        async with self._using:
            connection, self._connection = self._connection, None
            if connection is not None:
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await connection.execute(text("SELECT pg_advisory_unlock_all()"))
                    await connection.commit()
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await connection.close()

    async def close(self) -> None:
        """Give up the lead at once, so a standby takes over without waiting for a timeout."""
        self._closing.set()
        await self._release()


async def _still_connected(connection: AsyncConnection) -> None:
    """A round trip on the lock's connection, ended with a commit: the connection must not sit
    idle in a transaction for as long as it leads (servers may end such sessions)."""
    await connection.execute(text("SELECT 1"))
    await connection.commit()
