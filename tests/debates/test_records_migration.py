"""Revision 0025 indexes the posts a database already holds, and its downgrade removes the
index and keeps the posts; on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.records import SearchRequest
from bot.storage.database import Database
from bot.storage.migrate import alembic_config
from cogs.debates.records import DebateRecords
from retrieval.query import parse
from tests.debates.test_chat_migration import OLD_ROWS, T0
from tests.support.apps import feature_migrations

MIGRATION = Path(__file__).parents[2] / "cogs/debates/migrations/0025_debates_search.py"


def revisions() -> tuple[str, str]:
    """(this revision, the one before it), read from the migration itself."""
    spec = importlib.util.spec_from_file_location("debates_search_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return str(module.revision), str(module.down_revision)


async def move_to(db: Database, revision: str, *, down: bool = False) -> None:
    step = command.downgrade if down else command.upgrade
    async with db.engine.begin() as connection:
        await connection.run_sync(
            lambda sync: step(alembic_config(sync, feature_migrations()), revision)
        )


async def index_objects(connection: AsyncConnection) -> set[str]:
    """The index's tables (SQLite) or columns (PostgreSQL) that exist."""

    def names(sync: object) -> set[str]:
        inspector = inspect(sync)
        tables = set(inspector.get_table_names())
        columns = {c["name"] for c in inspector.get_columns("post")}
        return ({"post_fts"} & tables) | ({"text_tsv"} & columns)

    return await connection.run_sync(names)


async def found(db: Database, question: str) -> list[str]:
    passages = await DebateRecords(db).search(SearchRequest(1, parse(question)))
    return [p.text for p in passages]


async def test_the_upgrade_indexes_stored_posts_and_the_downgrade_keeps_them(
    db_url: str,
) -> None:
    this, before = revisions()
    db = Database(db_url)
    try:
        await move_to(db, before)
        async with db.engine.begin() as connection:
            for statement in OLD_ROWS:
                await connection.execute(text(statement), {"t": T0})
            if db.dialect == "postgresql":
                for table in ("community", "source", "thread", "author", "post"):
                    await connection.execute(
                        text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                    )
            assert await index_objects(connection) == set()

        await move_to(db, this)
        assert (await found(db, "who proposed a cap?"))[0] == "I propose a 10% cap.", "ranked"
        assert sorted(await found(db, "cap")) == ["Against the cap.", "I propose a 10% cap."]

        # Written after the upgrade: indexed by the triggers or the generated column.
        async with db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO post (thread_id, external_id, author_id, created_at, "
                    "updated_at, likes, url, text, deleted, attachments, mentions) VALUES "
                    "(2, '13', 2, :t, :t, 0, '', 'A cap of 15% is a compromise.', false, "
                    "'[]', '[]')"
                ),
                {"t": datetime.now(UTC)},
            )
            await connection.execute(
                text("UPDATE post SET text = 'Still against, even at 5%.' WHERE id = 3")
            )
        assert await found(db, "compromise") == ["A cap of 15% is a compromise."]
        assert await found(db, "even at 5%") == ["Still against, even at 5%."]

        await move_to(db, before, down=True)
        async with db.engine.begin() as connection:
            assert await index_objects(connection) == set(), "the index is gone"
            count = (await connection.execute(text("SELECT count(*) FROM post"))).scalar_one()
        assert count == 4, "and every post stays"

        await db.migrate(feature_migrations())
        assert await found(db, "compromise") == ["A cap of 15% is a compromise."]
    finally:
        await db.close()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
async def test_postgres_keeps_statistics_of_the_small_tables_search_joins(db_url: str) -> None:
    """Revision 0030: without statistics PostgreSQL planned /ask's search over a million
    messages as a nested loop (35 ms became 1.2 s); autovacuum never analyzes tables this
    small unless their threshold says so."""
    db = Database(db_url)
    try:
        await move_to(db, "heads")
        async with db.engine.connect() as connection:
            for table in ("source", "thread", "author"):
                options, rows = (
                    await connection.execute(
                        text(
                            "SELECT reloptions, reltuples FROM pg_class"
                            " WHERE oid = to_regclass(:table)"
                        ),
                        {"table": table},
                    )
                ).one()
                assert "autovacuum_analyze_threshold=0" in (options or []), table
                assert rows >= 0, f"{table} was never analyzed"
    finally:
        await db.close()
