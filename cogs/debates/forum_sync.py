"""Incremental sync of a Discourse forum into the debates store.

What a sync costs follows what is new, not the size of the forum or of its topics:

* /latest lists topics, newest activity first, until one is older than what the last complete
  sync saw: one request when nothing changed. /categories.json is read again only when a topic
  names a category not seen before, when a configured category is unknown, or once a day.
* A known topic whose bumped_at changed is read at its last post, /t/{id}/{highest}.json. That
  one request carries the ids of all its posts (post_stream.stream) and its last 20 posts in
  full, with their version and updated_at: new posts and edits among the last 20 are stored,
  stored posts missing from the stream are marked deleted, and only new posts outside that page
  are fetched by id, 20 a request. One new post costs 2 requests whatever the topic's size.
* A topic seen for the first time (every topic in a full sync) is read whole: /t/{id}.json and
  the rest of its stream by id, 20 a request, a few requests in flight.

Discourse bumps a topic for a new post (or a new version of its last post), never for an edit of
an earlier one, and no list shows edits. So once an hour (EDIT_RECHECK) the posts written in the
last two days (EDIT_WINDOW) are fetched again by id, which picks up their edits, likes and
deletions. That costs one request per 20 such posts, per hour, not per sync: for a topic of 1,000
posts over three weeks (about 100 in the last two days) 5 requests an hour, where re-reading them
at every change of the topic cost 5 more requests every 5 minutes. Edits to posts older than two
days are picked up by a full sync (/sync full=yes).

Each topic is committed on its own, so a sync that is cut off resumes where it stopped: the next
run skips topics whose bumped_at already matches.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.clock import Clock, SystemClock
from bot.errors import UpstreamError
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.discourse import POSTS_PER_REQUEST, DiscourseClient
from cogs.debates.html_text import cooked_to_text
from cogs.debates.models import Post, Source, Thread

log = logging.getLogger(__name__)

# Posts written this recently are fetched again every EDIT_RECHECK to pick up their edits.
EDIT_WINDOW = timedelta(days=2)
EDIT_RECHECK = timedelta(hours=1)
CATEGORIES_MAX_AGE = timedelta(days=1)
PREFETCH = 8  # topics fetched ahead of the one being written
WRITE_POSTS = 1_000  # topics fetched by then are written together, up to this many posts
IN_FLIGHT = 4  # requests at once; the client's rate limiter paces them all
_LIKE = 2  # Discourse's post action type for likes


@dataclass
class SyncReport:
    topics_seen: int = 0
    topics_synced: int = 0
    new: int = 0
    updated: int = 0
    deleted: int = 0
    requests: int = 0
    rechecked: int = 0  # recent posts fetched again for their edits
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = (
            f"{self.topics_synced} of {self.topics_seen} topics changed: {self.new} new posts, "
            f"{self.updated} edited, {self.deleted} deleted ({self.requests} requests)"
        )
        if self.rechecked:
            text += f"; {self.rechecked} recent posts re-checked for edits"
        return text


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; they were stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass
class _Fetched:
    """One topic as fetched, ready to be written in one transaction."""

    topic_id: int
    thread_id: int | None  # None: not stored yet
    fresh: bool  # nothing of it was stored when it was read
    posts: list[store.IncomingPost]
    gone: set[str]  # stored post ids the forum no longer shows
    thread: dict[str, Any] | None  # the thread's columns; None leaves the row as it is


class ForumSync:
    def __init__(
        self,
        db: Database,
        client: DiscourseClient,
        source: Source,
        clock: Clock | None = None,
    ) -> None:
        self._db = db
        self._client = client
        self._source = source
        self._clock = clock or SystemClock()
        self._cursor: dict[str, object] = dict(source.cursor)
        self._categories: set[int] | None = None
        self._category_names: dict[int, str] = {}
        self._categories_fetched = False
        self._threads: dict[str, tuple[int, datetime | None]] = {}  # topic id -> row, bumped_at
        self._authors: store.Known = {}  # committed author rows, so topics share the lookups
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
        # Requests this sync made. Counted here, not by the client, which cannot tell apart
        # requests in flight at once; retries the HTTP client makes on its own are not counted.
        self._requests = 0

    @property
    def _source_id(self) -> int:
        return self._source.id or 0

    async def run(self, full: bool = False) -> SyncReport:
        report = SyncReport()
        now = self._clock.now()
        await self._load_threads()
        await self._load_categories(refresh=full or self._categories_stale(now))
        listed_until = None if full else parse_time(str(self._cursor.get("listed_until", "")))
        newest: datetime | None = None
        scheduled: set[int] = set()
        pending: deque[asyncio.Task[_Fetched]] = deque()
        try:
            page = 0
            while True:
                data = await self._get("/latest.json", {"page": page})
                topic_list = data.get("topic_list", {})
                topics = topic_list.get("topics", [])
                reached_known = False
                for topic in topics:
                    bumped = parse_time(topic.get("bumped_at") or topic.get("last_posted_at"))
                    if bumped and (newest is None or bumped > newest):
                        newest = bumped
                    if (
                        listed_until
                        and bumped
                        and bumped < listed_until
                        and not topic.get("pinned")
                    ):
                        reached_known = True
                        continue
                    topic_id = int(topic["id"])
                    if topic_id in scheduled or not await self._wanted(topic):
                        continue
                    scheduled.add(topic_id)
                    report.topics_seen += 1
                    known = self._threads.get(str(topic_id))
                    if not full and known and known[1] == bumped and bumped is not None:
                        continue
                    pending.append(asyncio.create_task(self._fetch(topic, bumped, known, full)))
                    while len(pending) > PREFETCH:
                        await self._write_ready(pending, report)
                if reached_known or not topics or not topic_list.get("more_topics_url"):
                    break
                page += 1
            while pending:
                await self._write_ready(pending, report)
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._recheck_when_due(now, full, report)
        if newest is not None:
            self._cursor["listed_until"] = newest.isoformat()
        await self._finish(report)
        report.requests = self._requests
        return report

    # Categories --------------------------------------------------------------------------------

    def _categories_stale(self, now: datetime) -> bool:
        fetched = parse_time(str(self._cursor.get("categories_at", "")))
        return fetched is None or now - fetched >= CATEGORIES_MAX_AGE

    async def _load_categories(self, refresh: bool) -> None:
        configured = self._source.options.get("categories")
        wanted = [str(c).lower() for c in configured] if isinstance(configured, list) else []
        entries = self._cursor.get("categories")
        if not isinstance(entries, list):
            entries, refresh = [], True
        by_name = self._apply_categories(entries)
        if (refresh or any(w not in by_name for w in wanted)) and not self._categories_fetched:
            entries = await self._fetch_categories()
            by_name = self._apply_categories(entries)
        if wanted:
            self._categories = {by_name[w] for w in wanted if w in by_name}

    async def _fetch_categories(self) -> list[list[object]]:
        data = await self._get("/categories.json", {"include_subcategories": "true"})
        entries: list[list[object]] = []
        for category in data.get("category_list", {}).get("categories", []):
            for entry in [category, *(category.get("subcategory_list") or [])]:
                entries.append([int(entry["id"]), entry.get("name", ""), entry.get("slug", "")])
        self._cursor["categories"] = entries
        self._cursor["categories_at"] = self._clock.now().isoformat()
        self._categories_fetched = True
        return entries

    def _apply_categories(self, entries: Sequence[object]) -> dict[str, int]:
        by_name: dict[str, int] = {}
        self._category_names = {}
        for entry in entries:
            if not isinstance(entry, list) or len(entry) != 3:
                continue
            category_id, name, slug = int(entry[0]), str(entry[1]), str(entry[2])
            self._category_names[category_id] = name
            for key in (str(category_id), name, slug):
                by_name[key.lower()] = category_id
        return by_name

    async def _wanted(self, topic: dict[str, Any]) -> bool:
        category = topic.get("category_id")
        if category is not None and category not in self._category_names:
            await self._load_categories(refresh=True)  # a new category: once per run
        return self._categories is None or category in self._categories

    # Topics ------------------------------------------------------------------------------------

    async def _load_threads(self) -> None:
        async with self._db.read() as session:
            query = select(Thread.external_id, Thread.id, Thread.bumped_at).where(
                Thread.source_id == self._source_id
            )
            rows = (await session.exec(query)).all()
        self._threads = {external: (row or 0, as_utc(bumped)) for external, row, bumped in rows}

    async def _get(self, path: str, params: dict[str, str | int] | None = None) -> dict[str, Any]:
        async with self._in_flight:
            self._requests += 1
            return await self._client.get(path, params)

    async def _posts(self, topic_id: int, ids: Sequence[int]) -> list[dict[str, Any]]:
        """Posts by id, 20 a request, a few requests at once."""

        async def batch(part: Sequence[int]) -> list[dict[str, Any]]:
            async with self._in_flight:
                self._requests += 1
                return await self._client.posts(topic_id, part)

        tasks = [
            asyncio.ensure_future(batch(ids[start : start + POSTS_PER_REQUEST]))
            for start in range(0, len(ids), POSTS_PER_REQUEST)
        ]
        try:
            batches = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return [post for part in batches for post in part]

    async def _fetch(
        self,
        summary: dict[str, Any],
        bumped: datetime | None,
        known: tuple[int, datetime | None] | None,
        full: bool,
    ) -> _Fetched:
        topic_id = int(summary["id"])
        stored: set[str] = set()
        if known is not None:
            async with self._db.read() as session:
                stored = await store.stored_ids(session, known[0])
        whole = full or not stored
        if whole:
            topic = await self._get(f"/t/{topic_id}.json")
        else:
            # The page at the last post: the whole stream of ids and the newest posts in full.
            highest = int(summary.get("highest_post_number") or 1)
            topic = await self._get(f"/t/{topic_id}/{highest}.json")
        post_stream = topic.get("post_stream", {})
        page: list[dict[str, Any]] = post_stream.get("posts", [])
        have = {int(p["id"]) for p in page}
        stream = post_stream.get("stream")
        wanted: list[int] = []
        gone: set[str] = set()
        if isinstance(stream, list):
            ids = [int(i) for i in stream]
            wanted = [i for i in ids if i not in have and (whole or str(i) not in stored)]
            gone = stored - {str(i) for i in ids}
        # else a megatopic (10,000+ posts): Discourse sends no stream, so nothing is marked gone
        posts = page + await self._posts(topic_id, wanted)
        slug = topic.get("slug") or summary.get("slug") or "topic"
        thread = {
            "title": (topic.get("title") or summary.get("title") or "")[:500],
            "url": f"{self._client.base_url}/t/{slug}/{topic_id}"[:500],
            "category": self._category_names.get(topic.get("category_id") or -1),
            "highest_number": int(topic.get("highest_post_number") or 0),
            "bumped_at": bumped,  # written with the posts: marks this topic done
        }
        incoming = [self._incoming(slug, topic_id, p) for p in posts]
        incoming.sort(key=lambda p: p.number or 0)
        thread_id = known[0] if known else None
        return _Fetched(topic_id, thread_id, not stored, incoming, gone, thread)

    async def _write_ready(
        self, pending: deque[asyncio.Task[_Fetched]], report: SyncReport
    ) -> None:
        """Write the first topic in line, with those after it whose fetch is done, in one
        transaction: one topic at a time on a slow forum, larger batches on a fast one."""
        group = [await pending[0]]  # raises what its fetch raised; the topics before are stored
        pending.popleft()
        posts = len(group[0].posts)
        while pending and posts < WRITE_POSTS:
            task = pending[0]
            if not task.done() or task.exception() is not None:
                break
            group.append(pending.popleft().result())
            posts += len(group[-1].posts)
        await self._write(group, report)

    async def _write(self, group: Sequence[_Fetched], report: SyncReport) -> None:
        marked = 0
        async with self._db.transaction() as session:
            threads: list[int] = []
            for fetched in group:
                thread_id = fetched.thread_id or 0
                if fetched.thread is not None:
                    thread_id = await store.upsert_thread(
                        session, self._source_id, str(fetched.topic_id), fetched.thread
                    )
                threads.append(thread_id)
            result = await store.upsert_posts(
                session,
                self._source_id,
                {thread_id: f.posts for thread_id, f in zip(threads, group, strict=True)},
                fresh={t for t, f in zip(threads, group, strict=True) if f.fresh},
                known_authors=self._authors,
            )
            for thread_id, fetched in zip(threads, group, strict=True):
                marked += len(await store.mark_deleted(session, thread_id, fetched.gone))
        self._authors.update(result.authors or {})
        for thread_id, fetched in zip(threads, group, strict=True):
            if fetched.thread is not None:
                self._threads[str(fetched.topic_id)] = (thread_id, fetched.thread["bumped_at"])
                report.topics_synced += 1
        report.new += result.new
        report.updated += result.updated
        report.deleted += result.deleted + marked

    # Edits -------------------------------------------------------------------------------------

    async def _recheck_when_due(self, now: datetime, full: bool, report: SyncReport) -> None:
        checked = parse_time(str(self._cursor.get("edits_checked_at", "")))
        due = checked is not None and now - checked >= EDIT_RECHECK
        if due and not full:
            await self._recheck_recent(now, report)
        if due or full or checked is None:  # a full or a first sync has just read everything
            self._cursor["edits_checked_at"] = now.isoformat()

    async def _recheck_recent(self, now: datetime, report: SyncReport) -> None:
        """Fetch again, by id, the stored posts written within EDIT_WINDOW: their edits, likes
        and deletions. A post the forum no longer returns was deleted."""
        cutoff = now - EDIT_WINDOW
        async with self._db.read() as session:
            query = (
                select(Thread.id, Thread.external_id, Post.external_id)
                .join(Post, col(Post.thread_id) == col(Thread.id))
                .where(
                    Thread.source_id == self._source_id,
                    col(Thread.bumped_at) >= cutoff,
                    col(Post.created_at) >= cutoff,
                    col(Post.deleted).is_(False),
                )
                .order_by(col(Thread.id), col(Post.id))
            )
            rows = (await session.exec(query)).all()
        topics: dict[tuple[int, str], list[int]] = {}
        for thread_id, topic, post in rows:
            topics.setdefault((thread_id or 0, topic), []).append(int(post))
        for (thread_id, topic), ids in topics.items():
            try:
                posts = await self._posts(int(topic), ids)
            except UpstreamError as exc:
                if exc.retryable:
                    raise
                # Gone or made private since: nothing to re-check there.
                log.info("re-check of a topic skipped", extra={"topic": topic, "error": str(exc)})
                continue
            incoming = [
                self._incoming(str(p.get("topic_slug") or "topic"), int(topic), p) for p in posts
            ]
            returned = {p.external_id for p in incoming}
            gone = {str(i) for i in ids} - returned
            fetched = _Fetched(int(topic), thread_id, False, incoming, gone, None)
            await self._write([fetched], report)
            report.rechecked += len(ids)

    # Posts -------------------------------------------------------------------------------------

    def _incoming(self, slug: str, topic_id: int, post: dict[str, Any]) -> store.IncomingPost:
        created = parse_time(post.get("created_at")) or self._clock.now()
        likes = sum(
            a.get("count", 0) for a in post.get("actions_summary", []) if a.get("id") == _LIKE
        )
        reactions = sum(r.get("count", 0) for r in post.get("reactions", []) or [])
        reply_to = post.get("reply_to_post_number")
        return store.IncomingPost(
            external_id=str(post["id"]),
            author_id=str(post.get("user_id") or post.get("username")),
            author_name=post.get("username") or "unknown",
            created_at=created,
            updated_at=parse_time(post.get("updated_at")) or created,
            text=cooked_to_text(post.get("cooked", "")),
            number=post.get("post_number"),
            reply_to=str(reply_to) if reply_to else None,
            likes=max(likes, reactions),
            url=f"{self._client.base_url}/t/{slug}/{topic_id}/{post.get('post_number')}",
            deleted=bool(post.get("deleted_at") or post.get("user_deleted")),
        )

    async def _finish(self, report: SyncReport) -> None:
        async with self._db.transaction() as session:
            source = await session.get(Source, self._source.id)
            if source is None:
                return
            source.cursor = {**source.cursor, **self._cursor}
            source.last_synced_at = self._clock.now()
            source.last_error = None
            self._source = source
        log.info("forum synced", extra={"forum": self._source.key, "report": report.describe()})


async def latest_posts(db: Database, thread_id: int, limit: int | None = None) -> list[Post]:
    async with db.read() as session:
        query = (
            select(Post)
            .where(Post.thread_id == thread_id, col(Post.deleted).is_(False))
            .order_by(col(Post.created_at), col(Post.id))
        )
        posts = list((await session.exec(query)).all())
    return posts[-limit:] if limit else posts
