"""Storage on SQLite and on the real PostgreSQL server, through the real migrations."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.settings import CommunityConfig
from bot.storage.database import Database
from bot.storage.metadata import all_metadata
from bot.storage.models import Community
from tests.support.apps import feature_migrations

# What retrieval.fulltext adds beside a model's table, which no model declares: SQLite's FTS5
# table and its shadow tables, PostgreSQL's generated tsvector column and its GIN index.
_FULL_TEXT = re.compile(r"_fts(_(data|idx|docsize|config|content))?$|_tsv$")


def _declared(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (reflected and compare_to is None and _FULL_TEXT.search(name or ""))


async def test_migrations_build_exactly_the_models(db_url: str) -> None:
    db = Database(db_url)
    try:
        await db.migrate(feature_migrations())
        async with db.engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"include_object": _declared}),
                    all_metadata(),
                )
            )
        assert diff == []
    finally:
        await db.close()


async def test_an_upgrade_keeps_existing_data(db_url: str) -> None:
    db = Database(db_url)
    try:
        await db.migrate(feature_migrations())
        async with db.transaction() as session:
            session.add(Community(slug="keep-me", name="Keep me"))
        await db.migrate(feature_migrations())  # a restart runs the upgrade again
        async with db.read() as session:
            names = (await session.exec(text("SELECT name FROM community"))).all()  # type: ignore[call-overload]
        assert [row[0] for row in names] == ["Keep me"]
    finally:
        await db.close()


async def test_settings_round_trip_and_unknown_spaces_become_communities(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate(feature_migrations())
    config = CommunityConfig(slug="dao", name="The DAO", discord_guild_ids=["111"])
    service = CommunityService(db, [config], CORE_SETTINGS)
    try:
        await service.sync_configured("local")
        await service.sync_configured("local")  # idempotent on restart
        dao = await service.resolve("discord", "111", "ignored name")
        assert (dao.slug, dao.name) == ("dao", "The DAO")

        await service.set(dao.id, "steward_role", "<@&999>", "discord", by="discord:1")
        await service.set(dao.id, "ai", "no", "discord", by="discord:1")
        dao = await service.resolve("discord", "111", "")
        assert dao.get("steward_role", "discord") == "999"
        assert dao.get("steward_role", "telegram") is None
        assert dao.get("ai") == "off"

        await service.reset(dao.id, "ai", "discord")
        assert (await service.resolve("discord", "111", "")).get("ai") == "on"

        # Many first messages from a new group at once still make exactly one community.
        contexts = await asyncio.gather(
            *(service.resolve("telegram", "-100777", "New group") for _ in range(8))
        )
        assert len({c.id for c in contexts}) == 1
        slugs = [c.slug for c in await service.all()]
        assert sorted(slugs) == ["dao", "local", "telegram--100777"]
        # A direct message belongs to the communities of the member's own spaces.
        mine = await service.of_spaces("telegram", ["-100777", "-100999"])
        assert [c.slug for c in mine] == ["telegram--100777"]
    finally:
        await db.close()


async def test_close_waits_for_a_transaction_in_flight(db_url: str) -> None:
    db = Database(db_url)
    await db.migrate(feature_migrations())
    committed = asyncio.Event()

    async def slow_write() -> None:
        async with db.transaction() as session:
            await asyncio.sleep(0.2)
            session.add(Community(slug="late", name="Late"))
        committed.set()

    writer = asyncio.create_task(slow_write())
    await asyncio.sleep(0.05)
    await db.close()
    await writer
    assert committed.is_set()
    reopened = Database(db_url)
    try:
        async with reopened.read() as session:
            rows = (await session.exec(text("SELECT slug FROM community"))).all()  # type: ignore[call-overload]
        assert [row[0] for row in rows] == ["late"]
    finally:
        await reopened.close()


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    try:
        async with db.engine.connect() as connection:
            mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        assert mode == "wal"
    finally:
        await db.close()
