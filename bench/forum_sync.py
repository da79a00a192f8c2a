"""Discourse sync: speed of a first sync, and what a sync costs after one new post.

1. A first sync of a 10,008-post forum (Forum.big) from the fake Discourse, which runs in its
   own process as a forum would (posts cooked beforehand, as Discourse stores them), with no
   rate limit, into SQLite and PostgreSQL: posts stored per second, CPU milliseconds per post in
   Steward's process (the fake's CPU and PostgreSQL's server are not counted), requests per 100
   posts. Baselines measured in the same run on the same database: a raw bulk insert of the same
   rows (Core executemany, no HTTP, no HTML conversion, no upsert), and the store step alone
   done both ways: one ORM object per row and one transaction per topic (before), and bulk
   INSERT … ON CONFLICT for the topics fetched so far (now).
2. Requests per sync after one new post in topics of 1,000 and 5,000 posts spread over three
   weeks (counted by the fake), against the rule before (categories, list, topic, then every
   post of the last two days again, 20 a request), and the hourly re-check of recent posts.

Medians of --runs runs; the machine is shared and noisy, so compare ratios, not absolutes.

    .venv/bin/python -m bench.forum_sync [--posts 10000] [--runs 3] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import col, select

from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.http import HttpClient, HttpPolicy
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.discourse import DiscourseClient
from cogs.debates.forum_sync import EDIT_RECHECK, EDIT_WINDOW, WRITE_POSTS, ForumSync
from cogs.debates.models import Author, Post, Thread
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.support.apps import feature_migrations
from tests.support.clock import ManualClock
from tests.support.databases import database_url

POLICY = HttpPolicy(allow_private=("127.0.0.1",))
UNLIMITED = 10_000_000  # requests per minute: no rate limit


# ----- the forum in its own process ----------------------------------------------------------


def _serve(connection: Connection, posts: int) -> None:
    async def main() -> None:
        forum = Forum.big(posts=posts)
        for post in forum.posts_by_id.values():
            _ = post.cooked  # Discourse serves cooked HTML it stored when the post was made
        fake = FakeDiscourse(forum, limits=RateLimits.off())
        await fake.start()
        connection.send(fake.base_url)
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        await fake.stop()

    asyncio.run(main())


@asynccontextmanager
async def forum_process(posts: int) -> AsyncIterator[str]:
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(theirs, posts))
    process.start()
    try:
        yield await asyncio.get_running_loop().run_in_executor(None, ours.recv)
    finally:
        ours.send("stop")
        process.join(10)


async def prepared(url: str) -> Database:
    db = Database(url)
    await db.migrate(feature_migrations())
    await CommunityService(db, [], CORE_SETTINGS).sync_configured("local")
    return db


async def new_source(db: Database, key: str) -> int:
    async with db.transaction() as session:
        source = await store.ensure_source(session, 1, "discourse", key, "bench")
    return source.id or 0


# ----- 1. a first sync and its baselines -------------------------------------------------------


@dataclass
class Speed:
    posts: int
    seconds: float
    cpu: float
    requests: int = 0

    @property
    def rate(self) -> float:
        return self.posts / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.posts


async def timed(posts: int, work: Callable[[], object]) -> Speed:
    cpu, started = time.process_time(), time.perf_counter()
    result = work()
    if asyncio.iscoroutine(result):
        await result
    return Speed(posts, time.perf_counter() - started, time.process_time() - cpu)


async def first_sync(url: str, base_url: str) -> Speed:
    db = await prepared(url)
    try:
        async with db.transaction() as session:
            source = await store.ensure_source(session, 1, "discourse", base_url, "bench")
        async with HttpClient(POLICY) as http:
            client = DiscourseClient(base_url, http, requests_per_minute=UNLIMITED)
            cpu, started = time.process_time(), time.perf_counter()
            report = await ForumSync(db, client, source).run()
            elapsed, used = time.perf_counter() - started, time.process_time() - cpu
        return Speed(report.new, elapsed, used, report.requests)
    finally:
        await db.close()


Topics = list[tuple[str, str, list[store.IncomingPost]]]  # external id, title, posts


def incoming(forum: Forum) -> Topics:
    """The forum's topics as the sync hands them to the store (raw text: no HTML work)."""
    return [
        (
            str(topic.id),
            topic.title,
            [
                store.IncomingPost(
                    external_id=str(p.id),
                    author_id=str(p.user_id),
                    author_name=forum.users[p.user_id].username,
                    created_at=p.created_at,
                    updated_at=p.updated_at,
                    text=p.raw,
                    number=p.post_number,
                    reply_to=str(p.reply_to_post_number) if p.reply_to_post_number else None,
                    likes=p.likes,
                    url=f"https://forum.example/t/{topic.slug}/{topic.id}/{p.post_number}",
                )
                for p in topic.posts
            ],
        )
        for topic in forum.topics.values()
        if topic.posts
    ]


async def store_before(db: Database, source_id: int, topics: Topics) -> None:
    """The store step as it was: a transaction per topic, an ORM object per row."""
    for external_id, title, posts in topics:
        async with db.transaction() as session:
            thread = await store.ensure_thread(session, source_id, external_id, title)
            people = {p.author_id: p.author_name for p in posts}
            query = select(Author).where(
                Author.source_id == source_id, col(Author.external_id).in_(list(people))
            )
            authors = {a.external_id: a for a in (await session.exec(query)).all()}
            for key, name in people.items():
                if key not in authors:
                    authors[key] = Author(source_id=source_id, external_id=key, name=name)
                    session.add(authors[key])
            await session.flush()
            query2 = select(Post).where(
                Post.thread_id == thread.id,
                col(Post.external_id).in_([p.external_id for p in posts]),
            )
            existing = {p.external_id for p in (await session.exec(query2)).all()}
            for item in posts:
                if item.external_id not in existing:
                    session.add(
                        Post(
                            thread_id=thread.id or 0,
                            external_id=item.external_id,
                            number=item.number,
                            author_id=authors[item.author_id].id or 0,
                            created_at=item.created_at,
                            updated_at=item.updated_at,
                            reply_to=item.reply_to,
                            likes=item.likes,
                            url=item.url,
                            text=item.text,
                        )
                    )
            await session.flush()


async def store_now(db: Database, source_id: int, topics: Topics) -> None:
    """The store step now: the topics fetched so far in one transaction, bulk upserts."""
    known: store.Known = {}
    start = 0
    while start < len(topics):
        group: Topics = []
        count = 0
        while start < len(topics) and count < WRITE_POSTS:
            group.append(topics[start])
            count += len(topics[start][2])
            start += 1
        async with db.transaction() as session:
            posts: dict[int, list[store.IncomingPost]] = {}
            for external_id, title, items in group:
                values = {
                    "title": title,
                    "url": "",
                    "category": None,
                    "highest_number": len(items),
                    "bumped_at": items[-1].created_at,
                }
                thread_id = await store.upsert_thread(session, source_id, external_id, values)
                posts[thread_id] = items
            result = await store.upsert_posts(
                session, source_id, posts, fresh=set(posts), known_authors=known
            )
        known.update(result.authors or {})


async def bulk_insert(db: Database, source_id: int, forum: Forum) -> None:
    """The floor: plain INSERTs of the final rows, no lookups and no conflict handling."""
    now = datetime.now(UTC)
    topics = [t for t in forum.topics.values() if t.posts]
    async with db.engine.begin() as connection:
        await connection.execute(
            insert(Author),
            [
                {"source_id": source_id, "external_id": str(u.id), "name": u.username}
                for u in forum.users.values()
            ],
        )
        await connection.execute(
            insert(Thread),
            [
                {"source_id": source_id, "external_id": str(t.id), "title": t.title, "url": ""}
                | {"highest_number": 0}
                for t in topics
            ],
        )
    async with db.read() as session:
        query = select(Thread.external_id, Thread.id).where(Thread.source_id == source_id)
        threads = dict((await session.exec(query)).all())
        query3 = select(Author.external_id, Author.id).where(Author.source_id == source_id)
        authors = dict((await session.exec(query3)).all())
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


async def baselines(url: str, forum: Forum) -> tuple[Speed, Speed, Speed]:
    topics = incoming(forum)
    count = sum(len(posts) for _, _, posts in topics)
    db = await prepared(url)
    try:
        source = await new_source(db, "raw")
        raw = await timed(count, lambda: bulk_insert(db, source, forum))
        source = await new_source(db, "before")
        before = await timed(count, lambda: store_before(db, source, topics))
        source = await new_source(db, "now")
        now = await timed(count, lambda: store_now(db, source, topics))
    finally:
        await db.close()
    return raw, before, now


def median(values: list[float]) -> float:
    return statistics.median(values)


async def speed_table(posts: int, runs: int, databases: list[str]) -> None:
    forum = Forum.big(posts=posts)
    public = sum(len(t.posts) for t in forum.topics.values())
    print(
        f"\n1. First sync of a forum of {public:,} posts in {len(forum.topics)} topics (an "
        f"anonymous reader gets the public ones); medians of {runs} runs\n"
    )
    print(
        "| database | sync posts/s | CPU ms/post | requests/100 posts | raw bulk insert "
        "posts/s | sync / raw insert | store step before, posts/s | store step now, posts/s "
        "| now / before |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    async with forum_process(posts) as base_url:
        for kind in databases:
            syncs: list[Speed] = []
            raws: list[Speed] = []
            befores: list[Speed] = []
            nows: list[Speed] = []
            for _ in range(runs):
                with tempfile.TemporaryDirectory() as tmp:
                    async with database_url(kind, Path(tmp)) as url:
                        syncs.append(await first_sync(url, base_url))
                    async with database_url(kind, Path(tmp) / "b") as url:
                        raw, before, now = await baselines(url, forum)
                raws.append(raw)
                befores.append(before)
                nows.append(now)
            rate = median([s.rate for s in syncs])
            raw_rate = median([s.rate for s in raws])
            before_rate = median([s.rate for s in befores])
            now_rate = median([s.rate for s in nows])
            print(
                f"| {kind} | {rate:,.0f} | {median([s.cpu_ms for s in syncs]):.3f} | "
                f"{100 * syncs[0].requests / syncs[0].posts:.1f} | {raw_rate:,.0f} | "
                f"{rate / raw_rate:.2f} | {before_rate:,.0f} | {now_rate:,.0f} | "
                f"{now_rate / before_rate:.1f}x |"
            )


# ----- 2. requests per sync after one new post -------------------------------------------------


def old_rule(forum: Forum, topic_id: int) -> int:
    """Requests the sync made before for a changed topic: categories, the list, the topic (its
    first 20 posts), then every post outside those that is new or was written within two days
    of the topic's last activity, 20 a request."""
    topic = forum.topics[topic_id]
    cutoff = topic.last_posted_at - EDIT_WINDOW
    again = [p for p in topic.posts[20:] if p.visible and p.created_at >= cutoff]
    return 3 + math.ceil(len(again) / 20)


async def requests_after_one_post(size: int) -> tuple[int, int, int, int]:
    """(posts written in the last two days, requests before, now, at the hourly re-check)."""
    forum = generate_forum(seed=0, topics=0, debate_posts=size)
    topic = forum.debate_topic_id or 0
    clock = ManualClock(forum.now)
    fake = FakeDiscourse(forum, limits=RateLimits.off())
    await fake.start()
    tmp = tempfile.TemporaryDirectory()
    db = await prepared(f"sqlite:///{tmp.name}/requests.db")
    try:
        async with HttpClient(POLICY) as http:
            client = DiscourseClient(fake.base_url, http, requests_per_minute=UNLIMITED)

            async def sync() -> int:
                async with db.transaction() as session:
                    source = await store.ensure_source(
                        session, 1, "discourse", fake.base_url, "bench"
                    )
                before = len(fake.requests)
                await ForumSync(db, client, source, clock).run()
                return len(fake.requests) - before

            def advance(delta: timedelta) -> None:
                forum.now = forum.now + delta
                clock.advance(delta)

            await sync()
            advance(timedelta(minutes=5))
            forum.add_posts(topic, 1)
            cutoff = forum.now - EDIT_WINDOW
            recent = sum(1 for p in forum.topics[topic].posts if p.created_at >= cutoff)
            before = old_rule(forum, topic)
            now = await sync()
            advance(EDIT_RECHECK)
            recheck = await sync()
    finally:
        await db.close()
        await fake.stop()
        tmp.cleanup()
    return recent, before, now, recheck


async def request_table(sizes: list[int]) -> None:
    print("\n2. Requests per sync after one new post (the fake counts them)\n")
    print(
        "| topic posts | written in the last 2 days | requests before | requests now | "
        "before / now | re-check, once an hour |"
    )
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        recent, before, now, recheck = await requests_after_one_post(size)
        print(f"| {size + 1:,} | {recent} | {before} | {now} | {before / now:.1f}x | {recheck} |")


async def main(posts: int, runs: int, databases: list[str]) -> None:
    await speed_table(posts, runs, databases)
    await request_table([1_000, 5_000])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    asyncio.run(main(args.posts, args.runs, args.databases.split(",")))
