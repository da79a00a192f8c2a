"""The database: SQLite (WAL) by default, PostgreSQL when DATABASE_URL says so.

Services own their transactions: `async with db.transaction() as session:` commits on success and
rolls back on error; repository functions only add and query.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import ConfigError, StartupError


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, sqlite:///) and pick our async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    raise ConfigError("database.url", f"unsupported database {backend!r}; use sqlite or postgresql")


def sqlite_url_for(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class Database:
    def __init__(self, url: str, *, echo: bool = False, busy_timeout_ms: int = 5000) -> None:
        self.url = normalize_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        self.path: Path | None = None
        if self.is_sqlite:
            database = make_url(self.url).database
            if database and database != ":memory:":
                self.path = Path(database)
        self.engine: AsyncEngine = create_async_engine(self.url, echo=echo, pool_pre_ping=True)
        if self.is_sqlite:
            event.listen(
                self.engine.sync_engine,
                "connect",
                lambda connection, _record: _sqlite_pragmas(connection, busy_timeout_ms),
            )
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._writes = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def dialect(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        self._writes += 1
        self._idle.clear()
        try:
            async with self._sessions() as session, session.begin():
                yield session
        finally:
            self._writes -= 1
            if not self._writes:
                self._idle.set()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def migrate(self, feature_migrations: Sequence[Path] = ()) -> None:
        """Bring the schema to the latest revision; a database that cannot be opened or written
        raises StartupError with one line saying why."""
        from bot.storage.migrate import upgrade_to_head

        try:
            if self.path is not None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            async with self.engine.begin() as connection:
                await connection.run_sync(upgrade_to_head, list(feature_migrations))
        except (SQLAlchemyError, OSError) as exc:
            raise StartupError(self._explain(exc)) from exc

    def _explain(self, exc: Exception) -> str:
        where = str(self.path) if self.path else make_url(self.url).render_as_string()
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        if isinstance(exc, PermissionError) or "readonly" in detail or "unable to open" in detail:
            return f"cannot write the database at {where}: {detail} (check the data directory)"
        if "not a database" in detail or "malformed" in detail:
            return f"{where} is not a usable SQLite database: {detail}"
        return f"cannot open the database at {where}: {detail}"

    async def ping(self) -> str | None:
        """None when healthy, else what went wrong."""
        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError) as exc:
            return type(exc).__name__
        return None

    async def close(self, flush_timeout: float = 10.0) -> None:
        """Wait for transactions in flight so no write is lost, then release connections."""
        try:
            await asyncio.wait_for(self._idle.wait(), flush_timeout)
        finally:
            await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while one writer commits; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.close()
