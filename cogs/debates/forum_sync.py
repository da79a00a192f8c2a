"""Incremental sync of a Discourse forum into the debates store.

Topics come from /latest (newest activity first) until one is older than what the last complete
sync saw. A topic whose bumped_at differs from the stored one is fetched with /t/{id}.json; the
post ids of post_stream.stream that are not stored yet, and those recent enough to have been
edited, are fetched in batches. Each topic is committed on its own, so a sync that is cut off
resumes where it stopped: the next run skips topics whose bumped_at already matches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, select

from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.discourse import DiscourseClient
from cogs.debates.html_text import cooked_to_text
from cogs.debates.models import Post, Source, Thread

log = logging.getLogger(__name__)

# Discourse does not bump a topic when an earlier post is edited, and no list shows edits. When a
# topic changes, posts written within this window before its last activity are fetched again to
# pick up edits; older edits are picked up by a full sync (/sync full=yes).
EDIT_WINDOW = timedelta(days=2)
_LIKE = 2  # Discourse's post action type for likes


@dataclass
class SyncReport:
    topics_seen: int = 0
    topics_synced: int = 0
    new: int = 0
    updated: int = 0
    deleted: int = 0
    requests: int = 0
    errors: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (
            f"{self.topics_synced} of {self.topics_seen} topics changed: {self.new} new posts, "
            f"{self.updated} edited, {self.deleted} deleted ({self.requests} requests)"
        )


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back without a zone; they were stored in UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class ForumSync:
    def __init__(self, db: Database, client: DiscourseClient, source: Source) -> None:
        self._db = db
        self._client = client
        self._source = source
        self._categories: set[int] | None = None
        self._category_names: dict[int, str] = {}

    async def run(self, full: bool = False) -> SyncReport:
        report = SyncReport()
        start_requests = self._client.requests
        await self._load_categories()
        listed_until = (
            None if full else parse_time(str(self._source.cursor.get("listed_until", "")))
        )
        newest: datetime | None = None
        page = 0
        while True:
            data = await self._client.latest(page)
            topic_list = data.get("topic_list", {})
            topics = topic_list.get("topics", [])
            reached_known = False
            for topic in topics:
                bumped = parse_time(topic.get("bumped_at") or topic.get("last_posted_at"))
                if bumped and (newest is None or bumped > newest):
                    newest = bumped
                if listed_until and bumped and bumped <= listed_until and not topic.get("pinned"):
                    reached_known = True
                    continue
                if not self._wanted(topic):
                    continue
                report.topics_seen += 1
                await self._sync_topic(topic, bumped, report, full)
            if reached_known or not topics or not topic_list.get("more_topics_url"):
                break
            page += 1
        await self._finish(newest, report)
        report.requests = self._client.requests - start_requests
        return report

    async def _load_categories(self) -> None:
        configured = self._source.options.get("categories")
        wanted = [str(c).lower() for c in configured] if isinstance(configured, list) else []
        data = await self._client.categories()
        by_name: dict[str, int] = {}
        for category in data.get("category_list", {}).get("categories", []):
            for entry in [category, *(category.get("subcategory_list") or [])]:
                self._category_names[entry["id"]] = entry.get("name", "")
                for key in (str(entry["id"]), entry.get("name", ""), entry.get("slug", "")):
                    by_name[str(key).lower()] = entry["id"]
        if wanted:
            self._categories = {by_name[w] for w in wanted if w in by_name}

    def _wanted(self, topic: dict[str, Any]) -> bool:
        return self._categories is None or topic.get("category_id") in self._categories

    async def _sync_topic(
        self, summary: dict[str, Any], bumped: datetime | None, report: SyncReport, full: bool
    ) -> None:
        topic_id = int(summary["id"])
        async with self._db.read() as session:
            query = select(Thread).where(
                Thread.source_id == self._source.id, Thread.external_id == str(topic_id)
            )
            known = (await session.exec(query)).first()
        if not full and known and as_utc(known.bumped_at) == bumped and bumped is not None:
            return
        topic = await self._client.topic(topic_id)
        stream = [int(i) for i in topic.get("post_stream", {}).get("stream", [])]
        first_chunk = topic.get("post_stream", {}).get("posts", [])
        async with self._db.read() as session:
            stored = await self._stored(session, known)
        fetched_ids = {int(p["id"]) for p in first_chunk}
        # The forum's clock, not ours: posts written shortly before the topic's last activity.
        last_activity = parse_time(topic.get("last_posted_at")) or bumped or datetime.now(UTC)
        recent_cutoff = last_activity - EDIT_WINDOW
        wanted = [
            i
            for i in stream
            if i not in fetched_ids
            and (full or str(i) not in stored or stored[str(i)] >= recent_cutoff)
        ]
        posts = first_chunk + await self._client.posts(topic_id, wanted)
        incoming = [self._incoming(topic, p) for p in posts]
        gone = set(stored) - {str(i) for i in stream}
        async with self._db.transaction() as session:
            thread = await store.ensure_thread(
                session,
                self._source.id or 0,
                str(topic_id),
                topic.get("title") or summary.get("title", ""),
                f"{self._client.base_url}/t/{topic.get('slug', 'topic')}/{topic_id}",
            )
            result = await store.upsert_posts(session, thread, incoming)
            result.deleted += await store.mark_deleted(session, thread.id or 0, gone)
            thread.category = self._category_names.get(topic.get("category_id") or -1)
            thread.highest_number = int(topic.get("highest_post_number") or 0)
            thread.bumped_at = bumped  # last: marks this topic done, for a resumed sync
        report.topics_synced += 1
        report.new += result.new
        report.updated += result.updated
        report.deleted += result.deleted

    async def _stored(self, session: Any, thread: Thread | None) -> dict[str, datetime]:
        if thread is None:
            return {}
        query = select(Post.external_id, Post.created_at).where(Post.thread_id == thread.id)
        rows = (await session.exec(query)).all()
        return {external_id: as_utc(created) or created for external_id, created in rows}

    def _incoming(self, topic: dict[str, Any], post: dict[str, Any]) -> store.IncomingPost:
        created = parse_time(post.get("created_at")) or datetime.now(UTC)
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
            url=f"{self._client.base_url}/t/{topic.get('slug', 'topic')}/{topic.get('id')}/"
            f"{post.get('post_number')}",
            deleted=bool(post.get("deleted_at") or post.get("user_deleted")),
        )

    async def _finish(self, newest: datetime | None, report: SyncReport) -> None:
        async with self._db.transaction() as session:
            source = await session.get(Source, self._source.id)
            if source is None:
                return
            cursor = dict(source.cursor)
            if newest is not None:
                cursor["listed_until"] = newest.isoformat()
            source.cursor = cursor
            source.last_synced_at = datetime.now(UTC)
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
