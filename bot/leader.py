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

from bot.locks import advisory_key
from bot.storage.database import Database

log = logging.getLogger(__name__)

LEADER_LOCK = "steward:leader"


class Leadership:
    def __init__(self, db: Database, check_seconds: float = 10.0) -> None:
        self._db = db
        self._check_seconds = check_seconds
        self._connection: AsyncConnection | None = None
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
        while not self._closing.is_set():
            try:
                if self._connection is None:
                    await self._try_to_lead()
                else:
                    await self._connection.execute(text("SELECT 1"))
            except (SQLAlchemyError, OSError) as exc:
                if self.is_leader:
                    log.error(
                        "lost the leader lock; scheduled work pauses", extra={"error": str(exc)}
                    )
                await self._drop()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self._check_seconds)

    async def _try_to_lead(self) -> None:
        connection = await self._db.engine.connect()
        try:
            query = text("SELECT pg_try_advisory_lock(:key)")
            held = bool(
                (await connection.execute(query, {"key": advisory_key(LEADER_LOCK)})).scalar()
            )
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

    async def close(self) -> None:
        """Give up the lead at once, so a standby takes over without waiting for a timeout."""
        self._closing.set()
        connection, self._connection = self._connection, None
        self.is_leader = self._db.is_sqlite
        if connection is not None:
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.execute(text("SELECT pg_advisory_unlock_all()"))
                await connection.commit()
            with contextlib.suppress(SQLAlchemyError, OSError):
                await connection.close()
