"""Discourse sync of a 10,000-post forum from the fake Discourse into SQLite and PostgreSQL.

For each database: posts stored per second and HTTP requests per 100 posts for a first full
sync, against a baseline measured in the same run on the same database: a bulk insert of the
same rows (authors, threads, posts) with executemany, no HTTP and no HTML conversion.

    .venv/bin/python -m bench.forum_sync [--posts 10000] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.http import HttpClient, HttpPolicy
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.discourse import DiscourseClient
from cogs.debates.forum_sync import ForumSync
from cogs.debates.models import Author, Post, Thread
from tests.fakes.discourse_forum import Forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.support.apps import feature_migrations
from tests.support.databases import database_url


async def prepared(url: str) -> Database:
    db = Database(url)
    await db.migrate(feature_migrations())
    await CommunityService(db, [], CORE_SETTINGS).sync_configured("local")
    return db


async def timed_sync(url: str, fake: FakeDiscourse) -> tuple[float, int, int]:
    db = await prepared(url)
    try:
        async with db.transaction() as session:
            source = await store.ensure_source(session, 1, "discourse", fake.base_url, "bench")
        async with HttpClient(HttpPolicy(allow_private=("127.0.0.1",))) as http:
            client = DiscourseClient(fake.base_url, http, requests_per_minute=10_000_000)
            started = time.perf_counter()
            report = await ForumSync(db, client, source).run()
            elapsed = time.perf_counter() - started
        return elapsed, report.new, report.requests
    finally:
        await db.close()


async def timed_bulk_insert(url: str, forum: Forum) -> tuple[float, int]:
    db = await prepared(url)
    now = datetime.now(UTC)
    try:
        async with db.transaction() as session:
            source = await store.ensure_source(session, 1, "discourse", "bulk", "bulk")
        topics = [t for t in forum.topics.values() if t.posts]
        started = time.perf_counter()
        async with db.engine.begin() as connection:
            await connection.execute(
                insert(Author),
                [
                    {"source_id": source.id, "external_id": str(u.id), "name": u.username}
                    for u in forum.users.values()
                ],
            )
            await connection.execute(
                insert(Thread),
                [
                    {
                        "source_id": source.id,
                        "external_id": str(t.id),
                        "title": t.title,
                        "url": "",
                        "highest_number": 0,
                    }
                    for t in topics
                ],
            )
        async with db.read() as session:
            from sqlmodel import select

            threads = {t.external_id: t.id for t in (await session.exec(select(Thread))).all()}
            authors = {a.external_id: a.id for a in (await session.exec(select(Author))).all()}
        rows = [
            {
                "thread_id": threads[str(t.id)],
                "external_id": str(p.id),
                "number": p.post_number,
                "author_id": authors[str(p.user_id)],
                "created_at": p.created_at,
                "updated_at": now,
                "likes": p.likes,
                "url": "",
                "text": p.raw,
                "deleted": False,
            }
            for t in topics
            for p in t.posts
        ]
        async with db.engine.begin() as connection:
            await connection.execute(insert(Post), rows)
        return time.perf_counter() - started, len(rows)
    finally:
        await db.close()


async def main(posts: int, databases: list[str]) -> None:
    forum = Forum.big(posts=posts)
    fake = FakeDiscourse(forum, limits=RateLimits.off())
    await fake.start()
    print(
        f"forum: {sum(len(t.posts) for t in forum.topics.values()):,} posts "
        f"in {len(forum.topics)} topics"
    )
    print(
        "| database | sync posts/s | requests per 100 posts | bulk insert posts/s | sync / bulk |"
    )
    print("|---|---:|---:|---:|---:|")
    try:
        for kind in databases:
            with tempfile.TemporaryDirectory() as tmp:
                async with database_url(kind, Path(tmp)) as url:
                    elapsed, stored, requests = await timed_sync(url, fake)
                async with database_url(kind, Path(tmp) / "bulk") as url:
                    bulk_elapsed, bulk_rows = await timed_bulk_insert(url, forum)
            rate, bulk_rate = stored / elapsed, bulk_rows / bulk_elapsed
            print(
                f"| {kind} | {rate:,.0f} | {100 * requests / stored:.1f} | {bulk_rate:,.0f} | "
                f"{rate / bulk_rate:.2f} |"
            )
    finally:
        await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    asyncio.run(main(args.posts, args.databases.split(",")))
