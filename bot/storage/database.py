"""The database: SQLite (WAL) by default, PostgreSQL when DATABASE_URL says so.

Services own their transactions: `async with db.transaction() as session:` commits on success and
rolls back on error; repository functions only add and query.
"""

from __future__ import annotations

import asyncio
import errno
import re
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.errors import ConfigError, StartupError


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, sqlite:///) and pick our async drivers."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            "database.url",
            "not a database URL; use postgresql://user@host/database or sqlite:///path",
        ) from exc
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    raise ConfigError("database.url", f"unsupported database {backend!r}; use sqlite or postgresql")


def sqlite_url_for(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


class Database:
    def __init__(self, url: str, *, echo: bool = False, busy_timeout_ms: int = 15000) -> None:
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
        """Bring the schema to the latest revision; a database that cannot be opened, written or
        migrated raises StartupError with one line saying why and what to do."""
        from alembic.script.revision import RevisionError
        from alembic.util.exc import CommandError

        from bot.storage.migrate import upgrade_to_head

        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StartupError(_cannot_create(self.path.parent, exc)) from exc
        try:
            async with self.engine.begin() as connection:
                await connection.run_sync(upgrade_to_head, list(feature_migrations))
        except (CommandError, RevisionError) as exc:
            await self.engine.dispose()
            raise StartupError(_cannot_migrate(self.url, exc)) from exc
        except (SQLAlchemyError, OSError) as exc:
            # Release what the failed attempt opened while the event loop still runs, so the
            # process exits with its one line, not a traceback from a thread left behind.
            await self.engine.dispose()
            await _sqlite_threads_finished()
            raise StartupError(explain(self.url, exc)) from exc

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


async def _sqlite_threads_finished(seconds: float = 2.0) -> None:
    """aiosqlite stops the thread of a connection that failed to open without waiting for it;
    the thread then reports to the event loop, which must still be running."""
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            await asyncio.to_thread(thread.join, seconds)


def _sqlite_pragmas(dbapi_connection: Any, busy_timeout_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers carry on while one writer commits; busy_timeout waits instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    cursor.close()


def describe(url: str) -> str:
    """Where a database URL points, for messages: the SQLite file, or the PostgreSQL server and
    database (never the user or the password)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"the SQLite database {parsed.database or ':memory:'}"
    host = parsed.host or parsed.query.get("host") or "localhost"
    server = f"{host}:{parsed.port}" if parsed.port else str(host)
    return f"the PostgreSQL server at {server} (database {parsed.database or 'postgres'})"


def is_database_error(exc: BaseException) -> bool:
    """Whether `explain` can say more about `exc` than its type and message."""
    return isinstance(exc, SQLAlchemyError)


def explain(url: str, exc: BaseException) -> str:
    """One line saying what went wrong with the database at `url` and what to do about it."""
    where = describe(url)
    detail = _first_line(getattr(exc, "orig", None) or exc)
    lowered = detail.lower()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or ":memory:")
        if "not a database" in lowered or "malformed" in lowered:
            return (
                f"{path} is not a usable SQLite database ({detail}); move it away to start with "
                "an empty one, or restore it from a backup"
            )
        if "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered:
            return f"cannot write {where} ({detail}); make sure Steward may write to {path.parent}"
        if "locked" in lowered:
            return f"{where} is locked ({detail}); is another Steward running on it?"
        if "disk is full" in lowered:
            return f"cannot write {where}: the disk is full"
        return f"cannot use {where}: {detail}"
    if "connection failed" in lowered or "connection to server" in lowered:
        reason = re.sub(r"^.*\bfailed: ", "", detail)
        reason = re.sub(r"^(FATAL|ERROR):\s*", "", reason)
        return (
            f"cannot connect to {where}: {reason}; check that the server is running and that "
            "DATABASE_URL (database.url) points at it"
        )
    if "read-only transaction" in lowered:
        return (
            f"{where} refuses writes ({detail}); DATABASE_URL (database.url) must point at the "
            "primary server, not a read-only replica"
        )
    return f"{where} failed: {detail}"


def _cannot_create(folder: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.ENOTDIR:
        reason = "a part of that path is a file, not a directory"
    return (
        f"cannot create the data directory {folder}: {reason.lower()}; set data_dir "
        "(STEWARD_DATA_DIR) to a directory Steward may write"
    )


def _cannot_migrate(url: str, exc: Exception) -> str:
    unknown = re.search(r"Can't locate revision identified by '([^']+)'", str(exc))
    if unknown:
        return (
            f"{describe(url)} is at schema revision {unknown.group(1)}, which this version of "
            "Steward does not know (a newer version upgraded it); run that version, or restore "
            "a backup made before the upgrade"
        )
    return f"cannot migrate {describe(url)}: {_first_line(exc)}"


def _first_line(exc: object) -> str:
    lines = str(exc).strip().splitlines()
    return re.sub(r"\s+", " ", lines[0]).strip()[:300] if lines else type(exc).__name__
