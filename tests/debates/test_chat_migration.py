"""Revision 0006 upgrades a database written before it: its forum and chat rows stay, chat
threads become channels, forum threads forum topics, posts have no attachments or mentions, and
chat ingest carries on over them; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text
from sqlmodel import col, select

from bot.commands.caller import Space
from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.commands.options import ChannelRef
from bot.events import Attachment, ChatMessage
from bot.frontend import FrontEnds
from bot.http import HttpClient
from bot.settings import LLMSettings
from bot.storage.database import Database
from bot.storage.migrate import alembic_config
from cogs.debates import store
from cogs.debates.chat_ingest import ChatIngest
from cogs.debates.config import DebatesConfig
from cogs.debates.models import Post, Thread
from cogs.debates.service import DebateService
from tests.support.apps import feature_migrations
from tests.support.clock import ManualClock

BEFORE = "0005_treasury_outbox"  # the head before chat threads
T0 = datetime(2026, 4, 29, 14, 2, tzinfo=UTC)

OLD_ROWS = [
    "INSERT INTO community (id, slug, name, created_at) VALUES (1, 'dao', 'DAO', :t)",
    "INSERT INTO communityspace (platform, space_id, community_id) VALUES ('telegram', '-1001', 1)",
    "INSERT INTO source (id, community_id, kind, key, name, options, cursor, created_at) "
    "VALUES (1, 1, 'discourse', 'https://forum.example.org', 'Forum', '{}', '{}', :t)",
    "INSERT INTO source (id, community_id, kind, key, name, options, cursor, created_at) "
    "VALUES (2, 1, 'telegram', '-1001', 'DAO chat', '{}', '{}', :t)",
    "INSERT INTO thread (id, source_id, external_id, title, url, highest_number, checkpoint) "
    "VALUES (1, 1, '42', 'RFC: treasury', 'https://forum.example.org/t/rfc/42', 2, NULL)",
    "INSERT INTO thread (id, source_id, external_id, title, url, highest_number, checkpoint) "
    "VALUES (2, 2, '-1001', 'DAO chat', '', 0, NULL)",
    "INSERT INTO author (id, source_id, external_id, name) VALUES (1, 1, 'alice', 'alice')",
    "INSERT INTO author (id, source_id, external_id, name) VALUES (2, 2, '7', 'bob')",
    "INSERT INTO post (id, thread_id, external_id, number, author_id, created_at, updated_at, "
    "reply_to, likes, url, text, deleted) VALUES "
    "(1, 1, '1001', 1, 1, :t, :t, NULL, 3, '', 'I propose a 10% cap.', false)",
    "INSERT INTO post (id, thread_id, external_id, number, author_id, created_at, updated_at, "
    "reply_to, likes, url, text, deleted) VALUES "
    "(2, 2, '11', NULL, 2, :t, :t, NULL, 0, '', 'Against the cap.', false)",
    "INSERT INTO post (id, thread_id, external_id, number, author_id, created_at, updated_at, "
    "reply_to, likes, url, text, deleted) VALUES "
    "(3, 2, '12', NULL, 2, :t, :t, '11', 0, '', 'Still against.', false)",
]


async def test_the_upgrade_keeps_0002_rows_and_ingest_carries_on(db_url: str) -> None:
    db = Database(db_url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(
                lambda sync: command.upgrade(alembic_config(sync, feature_migrations()), BEFORE)
            )
            for statement in OLD_ROWS:
                await connection.execute(text(statement), {"t": T0})
            if db.dialect == "postgresql":  # rows inserted with their ids: move the sequences on
                for table in ("community", "source", "thread", "author", "post"):
                    await connection.execute(
                        text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                    )
        await db.migrate(feature_migrations())

        async with db.read() as session:
            threads = {t.id: t for t in (await session.exec(select(Thread))).all()}
            posts = list((await session.exec(select(Post).order_by(col(Post.id)))).all())
        assert (threads[1].kind, threads[1].parent_id, threads[1].title) == (
            "forum_topic",
            None,
            "RFC: treasury",
        )
        assert (threads[2].kind, threads[2].live_at, threads[2].backfilled_at) == (
            "channel",
            None,
            None,
        )
        assert [(p.text, p.attachments, p.mentions, p.reply_to) for p in posts] == [
            ("I propose a 10% cap.", [], [], None),
            ("Against the cap.", [], [], None),
            ("Still against.", [], [], "11"),
        ]

        # Chat ingest writes over the upgraded rows: a new topic under the old chat, a file.
        communities = CommunityService(db, [], CORE_SETTINGS)
        community = await communities.resolve("telegram", "-1001", "DAO chat")
        assert community.id == 1
        async with HttpClient() as http:
            debates = DebateService(db, DebatesConfig(), LLMSettings(), http, ManualClock(T0))
            group = Space("telegram", "-1001", "DAO chat")
            chat = ChannelRef("telegram", "-1001", "DAO chat")
            topic = ChannelRef("telegram", "-1001/5", "Budget")
            ingest = ChatIngest(db, communities, FrontEnds(), debates)
            await ingest.store(
                [
                    ChatMessage(
                        platform="telegram",
                        space=group,
                        channel=topic,
                        parent=chat,
                        channel_kind="topic",
                        message_id="13",
                        author_id="7",
                        author_name="bob",
                        text="",
                        created_at=T0,
                        attachments=(Attachment("budget.pdf", "application/pdf", 2048, "u"),),
                    )
                ],
                community,
            )
            await ingest.close()
            await debates.close()
        async with db.read() as session:
            listed = await store.chat_threads(session, 1, "telegram")
            assert [(t.title, t.kind) for t in listed] == [
                ("DAO chat", "channel"),
                ("Budget", "topic"),
            ]
            assert [t.external_id for t in await store.children(session, 2)] == ["-1001/5"]
            new = (await session.exec(select(Post).where(Post.external_id == "13"))).one()
            assert new.text == "" and new.attachments[0]["name"] == "budget.pdf"
            assert listed[1].live_at is not None
    finally:
        await db.close()


async def test_the_downgrade_keeps_threads_and_posts(db_url: str) -> None:
    db = Database(db_url)
    try:
        await db.migrate(feature_migrations())
        async with db.engine.begin() as connection:
            for statement in OLD_ROWS:
                await connection.execute(text(statement), {"t": T0})
            await connection.execute(text("UPDATE thread SET parent_id = 2 WHERE id = 1"))
            await connection.run_sync(
                lambda sync: command.downgrade(alembic_config(sync, feature_migrations()), BEFORE)
            )
        async with db.read() as session:
            rows = await session.exec(text("SELECT id FROM post ORDER BY id"))  # type: ignore[call-overload]
            assert [row[0] for row in rows.all()] == [1, 2, 3]
        await db.migrate(feature_migrations())  # and up again
        async with db.read() as session:
            threads = (await session.exec(select(Thread).order_by(col(Thread.id)))).all()
        assert [(t.kind, t.parent_id) for t in threads] == [
            ("forum_topic", None),
            ("channel", None),
        ]
    finally:
        await db.close()
