"""The debates service: forums and sources, syncing, and summaries with their provenance."""

from __future__ import annotations

import asyncio
import ctypes
import logging
import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, String, cast, func
from sqlalchemy import select as select_columns
from sqlmodel import col, delete, select

from bot.clock import Clock
from bot.commands.community import CommunityContext
from bot.errors import InvalidOption, UpstreamError, UserError
from bot.http import HttpClient
from bot.settings import LLMSettings
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.cache import DatabaseAnswerCache, DatabaseSummaryCache
from cogs.debates.config import DebatesConfig, ForumConfig
from cogs.debates.discourse import DiscourseClient
from cogs.debates.forum_sync import ForumSync, SyncReport, as_utc
from cogs.debates.mentions import display_text
from cogs.debates.models import Author as AuthorRow
from cogs.debates.models import ModelUsage, Post, Source, Summary, Thread
from cogs.debates.period import WHOLE, Period
from cogs.debates.render import PostRef
from cogs.debates.sources_render import ChannelRow
from summarizer.chat_model import ChatModelSummarizer
from summarizer.chat_offline import summarize_chat_offline
from summarizer.errors import ModelError
from summarizer.llm import LanguageModel, Usage
from summarizer.mapreduce import CallLog, MapReduceSummarizer
from summarizer.offline import summarize_offline
from summarizer.prompts import PROMPT_VERSION
from summarizer.schema import ChatSummary, DebateSummary, PostInput, Provenance, Window
from summarizer.tokens import TokenCounter

log = logging.getLogger(__name__)

# Posts a summary reads by default: the most recent ones. The window's start moves in steps, so
# it stays put while new posts arrive and re-summaries reuse what the model already read.
DEFAULT_WINDOW = 2_000
WINDOW_STEP = 500
# The most posts one summary reads, whatever period is asked for.
MAX_POSTS = 20_000
# Periods suggested to read more than the window: the first longer than what was read.
_MORE_DAYS = (7, 30, 90, 365)


@dataclass(frozen=True)
class SummaryResult:
    thread: Thread
    summary: DebateSummary
    provenance: Provenance
    posts: dict[str, PostRef]
    previous: Summary | None


SummaryT = TypeVar("SummaryT", DebateSummary, ChatSummary)
# A model-backed summary in the making: the summary, its provenance and the calls it made.
_ModelRun = Coroutine[Any, Any, tuple[SummaryT, Provenance, CallLog]]


@dataclass(frozen=True)
class ChatSummaryResult:
    thread: Thread
    summary: ChatSummary
    provenance: Provenance
    posts: dict[str, PostRef]  # every message read, by the summary's post ids
    previous: Summary | None
    period: Period
    files: list[SharedFile] = field(default_factory=list)


@dataclass(frozen=True)
class SharedFile:
    """A file sent in the window: shown as a link, never read as text."""

    name: str
    content_type: str
    size: int
    url: str
    author: str
    created_at: datetime


@dataclass
class _Read:
    """What a summary read from the store: its posts, in order, and what to link them by."""

    posts: list[PostInput]
    refs: dict[str, PostRef]
    last_post_id: int
    window: Window | None
    opening: bool  # posts[0] is the thread's opening post, a forum topic's first


class DebateService:
    def __init__(
        self,
        db: Database,
        config: DebatesConfig,
        llm: LLMSettings,
        http: HttpClient,
        clock: Clock,
    ) -> None:
        self._db = db
        self._config = config
        self._llm = llm
        self._http = http
        self._clock = clock
        self._model: LanguageModel | None = None
        if llm.api_key is not None:
            self._model = LanguageModel(
                model=llm.model,
                api_key=llm.api_key.get_secret_value(),
                base_url=llm.base_url,
                timeout=llm.timeout,
                attempts=llm.attempts,
            )
        self._answers = DatabaseAnswerCache(db)
        self._cache = DatabaseSummaryCache(self._answers)

    async def close(self) -> None:
        if self._model is not None:
            await self._model.close()

    def now(self) -> datetime:
        return self._clock.now()

    @property
    def model_name(self) -> str | None:
        return self._model.model if self._model else None

    @property
    def model(self) -> LanguageModel | None:
        """The configured model, for the feature's digest part (cogs/debates/digest_part.py)."""
        return self._model

    # Forums -------------------------------------------------------------------------------

    async def ensure_configured_forums(self, communities: dict[str, int], default: int) -> None:
        for forum in self._config.forums:
            community_id = communities.get(forum.community or "", default)
            await self._store_forum(community_id, forum.base_url, forum)

    async def add_forum(self, community_id: int, url: str) -> Source:
        """A forum named in chat: checked to be a Discourse forum before anything is stored."""
        url = url.rstrip("/")
        try:
            about = await self.client_for_url(url).about()
        except UpstreamError as exc:
            raise InvalidOption(
                "url", f"{url} is not a Discourse forum I can read: {exc.message}"
            ) from exc
        return await self._store_forum(community_id, url, None, str(about.get("title") or url))

    async def _store_forum(
        self, community_id: int, url: str, config: ForumConfig | None, title: str | None = None
    ) -> Source:
        options: dict[str, object] = {"origin": "config" if config else "chat"}
        if config is not None:
            options["categories"] = config.categories
        async with self._db.transaction() as session:
            source = await store.ensure_source(
                session, community_id, "discourse", url, (title or url)[:200]
            )
            source.options = {**source.options, **options, "removed": False}
        return source

    async def remove_forum(self, community_id: int, url: str, *, keep: bool) -> Source:
        """Stop syncing a forum; with keep=False its threads, posts and summaries go too."""
        url = url.rstrip("/")
        async with self._db.transaction() as session:
            source = await store.source_by_key(session, community_id, "discourse", url)
            if source is None:
                raise InvalidOption("url", f"{url} is not a forum of this community; see /sources")
            if keep:
                source.options = {**source.options, "removed": True}
                return source
            threads = select(Thread.id).where(Thread.source_id == source.id)
            await session.exec(delete(Summary).where(col(Summary.thread_id).in_(threads)))
            await session.exec(delete(Post).where(col(Post.thread_id).in_(threads)))
            await session.exec(delete(Thread).where(col(Thread.source_id) == source.id))
            await session.exec(delete(AuthorRow).where(col(AuthorRow.source_id) == source.id))
            await session.delete(source)
        return source

    def client_for_url(self, url: str) -> DiscourseClient:
        config = self._config.forum(url)
        return DiscourseClient(
            url,
            self._http,
            api_key=config.api_key.get_secret_value() if config and config.api_key else None,
            api_username=config.api_username if config else None,
            requests_per_minute=config.requests_per_minute if config else None,
            # Forums of the configuration file are the operator's; others came from chat.
            untrusted=config is None,
        )

    def client_for(self, source: Source) -> DiscourseClient:
        return self.client_for_url(source.key)

    async def sync(self, source: Source, *, full: bool = False) -> SyncReport:
        try:
            return await ForumSync(self._db, self.client_for(source), source, self._clock).run(
                full=full
            )
        except UpstreamError as exc:
            async with self._db.transaction() as session:
                row = await session.get(Source, source.id)
                if row is not None:
                    row.last_error = str(exc)
            raise

    async def sync_all(self) -> None:
        """The scheduled sync: every forum of every community; one failing does not stop others."""
        async with self._db.read() as session:
            forums = (await session.exec(select(Source).where(Source.kind == "discourse"))).all()
        for source in forums:
            if source.options.get("removed"):
                continue
            try:
                await self.sync(source)
            except UpstreamError as exc:
                log.warning(
                    "scheduled forum sync failed", extra={"forum": source.key, "error": str(exc)}
                )

    async def sources(self, community_id: int) -> list[tuple[Source, int]]:
        async with self._db.read() as session:
            sources = await store.sources_of(session, community_id)
            counts = await store.post_counts(session, [s.id or 0 for s in sources])
        return [(source, counts.get(source.id or 0, 0)) for source in sources]

    async def chat_channels(self, community_id: int) -> dict[int, list[ChannelRow]]:
        """Per chat source (by id), its channels, threads, forum posts and topics with what
        they hold, busiest first; those with nothing stored and never backfilled are left out
        (a delete seen in a channel Steward never stored makes an empty one)."""
        out: dict[int, list[ChannelRow]] = {}
        async with self._db.read() as session:
            for source in await store.sources_of(session, community_id):
                if source.kind == "discourse":
                    continue
                threads = await store.chat_threads(session, community_id, source.kind)
                threads = [t for t in threads if t.source_id == source.id]
                titles = {t.id: t.title for t in threads}
                stats = await store.thread_stats(session, [t.id or 0 for t in threads])
                rows = [
                    ChannelRow(
                        t,
                        stats.get(t.id or 0, store.ThreadStats(0, None, None)),
                        titles.get(t.parent_id) if t.parent_id is not None else None,
                    )
                    for t in threads
                    if t.id in stats or t.backfilled_at is not None or t.checkpoint is not None
                ]
                rows.sort(key=lambda r: (-r.stats.messages, r.thread.title, r.thread.id or 0))
                out[source.id or 0] = rows
        return out

    async def forum_sources(self, community_id: int) -> list[Source]:
        return [
            s
            for s, _ in await self.sources(community_id)
            if s.kind == "discourse" and not s.options.get("removed")
        ]

    # Threads ------------------------------------------------------------------------------

    async def thread(
        self, community_id: int, kind: str, key: str, external_id: str
    ) -> Thread | None:
        async with self._db.read() as session:
            source = await store.source_by_key(session, community_id, kind, key)
            if source is None:
                return None
            query = select(Thread).where(
                Thread.source_id == source.id, Thread.external_id == external_id
            )
            return (await session.exec(query)).first()

    async def chat_thread(self, community_id: int, platform: str, channel_id: str) -> Thread | None:
        async with self._db.read() as session:
            query = (
                select(Thread)
                .join(Source, col(Source.id) == col(Thread.source_id))
                .where(
                    Source.community_id == community_id,
                    Source.kind == platform,
                    Thread.external_id == channel_id,
                )
            )
            return (await session.exec(query)).first()

    async def chat_threads(self, community_id: int) -> list[tuple[Thread, Source]]:
        """Every chat channel, thread and topic stored for the community, with its source."""
        async with self._db.read() as session:
            query = (
                select(Thread, Source)
                .join(Source, col(Source.id) == col(Thread.source_id))
                .where(Source.community_id == community_id, Source.kind != "discourse")
            )
            return [(thread, source) for thread, source in (await session.exec(query)).all()]

    async def source_of(self, thread: Thread) -> Source:
        async with self._db.read() as session:
            source = await session.get(Source, thread.source_id)
        assert source is not None  # a foreign key
        return source

    async def child_threads(self, thread: Thread) -> list[Thread]:
        """A channel's threads and forum posts, a Telegram group's topics."""
        async with self._db.read() as session:
            return await store.children(session, thread.id or 0)

    async def discussion_posts(self, thread: Thread, *, with_threads: bool) -> list[PostInput]:
        """The posts another feature reads (bot/discussions.py): as a summary of the whole
        thread reads them, a forum topic's opening post first."""
        ids = [thread.id or 0]
        if with_threads:
            ids += [t.id or 0 for t in await self.child_threads(thread)]
        read = await self._posts(ids, WHOLE)
        _check_read(read, WHOLE)
        return read.posts

    async def latest_summary(self, thread: Thread) -> Summary | None:
        async with self._db.read() as session:
            query = (
                select(Summary)
                .where(Summary.thread_id == thread.id)
                .order_by(col(Summary.id).desc())
                .limit(1)
            )
            return (await session.exec(query)).first()

    # Summaries ----------------------------------------------------------------------------

    async def summarize(
        self,
        community: CommunityContext,
        thread: Thread,
        *,
        period: Period = WHOLE,
        command: str,
    ) -> SummaryResult:
        """A forum topic's summary, or a chat channel's read as one thread."""
        read = await self._posts([thread.id or 0], period)
        _check_read(read, period)
        previous = await self._previous(thread, period)
        boundaries = previous.content.get("provenance", {}) if previous else {}
        summary, provenance = await self._summarize(
            community,
            read.posts,
            thread.title,
            command,
            list(boundaries.get("boundaries", [])) if isinstance(boundaries, dict) else [],
            opening=read.opening,
        )
        provenance = provenance.model_copy(update={"window": read.window})
        cited = {c.post_id for c in summary.citations()}
        by_id = {post_id: ref for post_id, ref in read.refs.items() if post_id in cited}
        _release_freed_memory()
        await self._store_summary(community, thread, read, summary, provenance, period)
        return SummaryResult(thread, summary, provenance, by_id, previous)

    async def summarize_chat(
        self,
        community: CommunityContext,
        thread: Thread,
        *,
        period: Period = WHOLE,
        with_threads: bool = True,
        command: str,
    ) -> ChatSummaryResult:
        """A chat channel's window by topic; with its threads (Discord threads and forum posts,
        Telegram topics) unless asked not to."""
        ids = [thread.id or 0]
        if with_threads:
            ids += [t.id or 0 for t in await self.child_threads(thread)]
        read = await self._posts(ids, period)
        _check_read(read, period)
        key = period.key + ("" if with_threads else ":alone")
        previous = await self._previous(thread, period, key)
        summary, provenance = await self._summarize_chat(
            community, read.posts, thread.title, command
        )
        provenance = provenance.model_copy(update={"window": read.window})
        _release_freed_memory()
        await self._store_summary(community, thread, read, summary, provenance, period, key)
        files = await self._files(ids, period)
        return ChatSummaryResult(thread, summary, provenance, read.refs, previous, period, files)

    async def _files(
        self, thread_ids: list[int], period: Period, limit: int = 50
    ) -> list[SharedFile]:
        """The files of the window's messages, newest first (attachment-only messages too)."""
        conditions = [*_in_window(thread_ids, period), cast(col(Post.attachments), String) != "[]"]
        query = (
            select(Post.attachments, Post.url, Post.created_at, AuthorRow.name)
            .join(AuthorRow, col(AuthorRow.id) == col(Post.author_id))
            .where(*conditions)
            .order_by(col(Post.created_at).desc())
            .limit(limit)
        )
        files: list[SharedFile] = []
        async with self._db.read() as session:
            for attachments, url, created_at, author in (await session.exec(query)).all():
                for item in attachments or []:
                    files.append(
                        SharedFile(
                            name=str(item.get("name") or "file"),
                            content_type=str(item.get("content_type") or ""),
                            size=int(item.get("size") or 0),
                            url=str(item.get("url") or url or ""),
                            author=author,
                            created_at=as_utc(created_at) or created_at,
                        )
                    )
        return files

    async def _store_summary(
        self,
        community: CommunityContext,
        thread: Thread,
        read: _Read,
        summary: DebateSummary | ChatSummary,
        provenance: Provenance,
        period: Period,
        key: str | None = None,
    ) -> None:
        async with self._db.transaction() as session:
            session.add(
                Summary(
                    community_id=community.id,
                    thread_id=thread.id or 0,
                    model=provenance.model,
                    prompt_version=provenance.prompt_version,
                    posts_covered=provenance.posts_covered,
                    last_post_id=read.last_post_id,
                    prompt_tokens=provenance.prompt_tokens,
                    completion_tokens=provenance.completion_tokens,
                    extractive=provenance.extractive,
                    content={
                        "kind": "chat" if isinstance(summary, ChatSummary) else "debate",
                        "window": {"key": key or period.key, "label": period.label},
                        "summary": summary.model_dump(),
                        "provenance": provenance.model_dump(mode="json"),
                    },
                )
            )

    async def _summarize_chat(
        self, community: CommunityContext, posts: list[PostInput], channel: str, command: str
    ) -> tuple[ChatSummary, Provenance]:
        def with_model(model: LanguageModel, counter: TokenCounter) -> _ModelRun[ChatSummary]:
            chat = ChatModelSummarizer(model, counter, self._answers, self._llm.context_budget)
            return chat.summarize(posts, channel)

        return await self._model_or_offline(
            community, command, posts, with_model, lambda: summarize_chat_offline(posts, channel)
        )

    async def _summarize(
        self,
        community: CommunityContext,
        posts: list[PostInput],
        topic: str,
        command: str,
        boundaries: list[str],
        *,
        opening: bool,
    ) -> tuple[DebateSummary, Provenance]:
        def with_model(model: LanguageModel, counter: TokenCounter) -> _ModelRun[DebateSummary]:
            mapper = MapReduceSummarizer(model, counter, self._cache, self._llm.context_budget)
            return mapper.summarize(posts, topic, boundaries, opening=opening)

        return await self._model_or_offline(
            community, command, posts, with_model, lambda: summarize_offline(posts, topic)
        )

    async def _model_or_offline(
        self,
        community: CommunityContext,
        command: str,
        posts: list[PostInput],
        with_model: Callable[[LanguageModel, TokenCounter], _ModelRun[SummaryT]],
        offline: Callable[[], SummaryT],
    ) -> tuple[SummaryT, Provenance]:
        """The model's summary when one is configured and allowed, its use recorded; else, or
        when the model fails, the offline summary with the reason in its provenance."""
        reason = None
        if self._model is not None and community.get("ai") == "off":
            reason = "model use is off for this community"
        elif self._model is not None:
            # The first count in a process loads the vocabulary: off the event loop.
            counter = await asyncio.to_thread(TokenCounter(self._model.model).load)
            try:
                summary, provenance, calls = await with_model(self._model, counter)
            except ModelError as exc:
                reason = f"the language model failed ({exc})"
                log.warning(
                    "summary fell back to the offline summarizer", extra={"error": str(exc)}
                )
            else:
                await self._record_usage(community.id, command, calls.calls)
                return summary, provenance
        return offline(), Provenance(
            posts_covered=len(posts),
            model="extractive",
            prompt_version=PROMPT_VERSION,
            extractive=True,
            fallback_reason=reason,
        )

    async def _record_usage(self, community_id: int, command: str, calls: list[Usage]) -> None:
        if not calls or self._model is None:
            return
        model = self._model.model
        await self.record_model_use(
            community_id,
            command,
            model,
            calls=len(calls),
            prompt_tokens=sum(c.prompt_tokens for c in calls),
            completion_tokens=sum(c.completion_tokens for c in calls),
            cost_usd=sum(c.cost(model) for c in calls),
        )

    async def record_model_use(
        self,
        community_id: int,
        command: str,
        model: str,
        *,
        calls: int,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float,
    ) -> None:
        """Model calls shown by /usage: this feature's, and other features' (bot/discussions)."""
        async with self._db.transaction() as session:
            session.add(
                ModelUsage(
                    community_id=community_id,
                    command=command,
                    model=model,
                    calls=calls,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    cost_usd=cost_usd,
                )
            )

    async def usage(self, community_id: int) -> list[tuple[str, str, int, int, int, float]]:
        async with self._db.read() as session:
            rows = (
                await session.exec(
                    select(ModelUsage).where(ModelUsage.community_id == community_id)
                )
            ).all()
        totals: dict[tuple[str, str], list[float]] = {}
        for row in rows:
            entry = totals.setdefault((row.command, row.model), [0, 0, 0, 0.0])
            entry[0] += row.calls
            entry[1] += row.prompt_tokens
            entry[2] += row.completion_tokens
            entry[3] += row.cost_usd
        return [
            (command, model, int(v[0]), int(v[1]), int(v[2]), v[3])
            for (command, model), v in sorted(totals.items())
        ]

    async def _posts(self, thread_ids: list[int], period: Period) -> _Read:
        """The posts a summary reads, chosen in SQL: by default the most recent window of a long
        thread, else those of the period asked for, at most MAX_POSTS; a forum topic's opening
        post always, first. Messages without text (an attachment alone) are not read. Rows are
        streamed as plain columns, never loaded as ORM objects."""
        # The first two (the threads, not deleted) also find a forum topic's opening post.
        live = [*_in_window(thread_ids, period), col(Post.text) != ""]
        async with self._db.read() as session:
            first_thread = await session.get(Thread, thread_ids[0])
            source = await session.get(Source, first_thread.source_id) if first_thread else None
            total = (await session.exec(select(func.count(col(Post.id))).where(*live))).one()
            wanted = min(total, MAX_POSTS)
            if period.whole and total > DEFAULT_WINDOW:
                wanted = total - (total - DEFAULT_WINDOW) // WINDOW_STEP * WINDOW_STEP
            columns = (
                col(Post.id),
                col(Post.number),
                col(Post.text),
                col(Post.likes),
                col(Post.url),
                col(Post.created_at),
                col(AuthorRow.name),
                col(Post.reply_to),
                col(Post.external_id),
                col(Post.mentions),
                col(Post.thread_id),
            )
            newest_first = (
                select_columns(*columns)
                .join(AuthorRow, col(AuthorRow.id) == col(Post.author_id))
                .where(*live)
                .order_by(col(Post.created_at).desc(), col(Post.id).desc())
                .limit(wanted)
                .execution_options(yield_per=1000)
            )
            posts: list[PostInput] = []
            refs: dict[str, PostRef] = {}
            external: dict[str, tuple[str, str | None]] = {}
            mentioned: dict[str, list[dict[str, object]]] = {}
            last_post_id = 0
            async for rows in (await session.stream(newest_first)).partitions():
                for row in rows:
                    posts.append(_input(row))
                    refs[posts[-1].id] = _ref(row)
                    external[row.external_id] = (posts[-1].id, row.reply_to)
                    if row.mentions:
                        mentioned[posts[-1].id] = row.mentions
                    last_post_id = max(last_post_id, row.id or 0)
            posts.reverse()
            posts = _with_replies(posts, external)
            if mentioned and source is not None:
                names = await store.mention_names(
                    session, source.id or 0, (m for ms in mentioned.values() for m in ms)
                )
                posts = [_with_names(p, mentioned.get(p.id), names) for p in posts]
            first = None
            if posts and source is not None and source.kind == "discourse":
                opening = (
                    select_columns(*columns)
                    .join(AuthorRow, col(AuthorRow.id) == col(Post.author_id))
                    .where(col(Post.number) == 1, *live[:2])
                )
                first = await (await session.stream(opening)).first()
        window = None
        if posts and len(posts) < total:
            since_time = posts[0].created_at or self._clock.now()
            window = Window(
                posts=len(posts),
                total=total,
                since=since_time,
                capped=not period.whole,
                more=None if not period.whole else _more(self._clock.now() - since_time),
            )
        if first is not None and f"P{first.id}" not in refs:
            # The proposal, when the window or the period asked for starts after it.
            posts.insert(0, _input(first))
            refs[posts[0].id] = _ref(first)
        return _Read(posts, refs, last_post_id, window, opening=first is not None)

    async def _previous(
        self, thread: Thread, period: Period, key: str | None = None
    ) -> Summary | None:
        """The last summary of the same kind of window, to say what changed since; None when
        the thread has none (summaries older than windows were of the whole thread)."""
        wanted = key or period.key
        async with self._db.read() as session:
            query = (
                select(Summary)
                .where(Summary.thread_id == thread.id)
                .order_by(col(Summary.id).desc())
                .limit(50)
            )
            for summary in (await session.exec(query)).all():
                window = summary.content.get("window")
                found = window.get("key") if isinstance(window, dict) else "all"
                if found == wanted:
                    return summary
        return None


_Row = Row[
    int | None,
    int | None,
    str,
    int,
    str,
    datetime,
    str,
    str | None,
    str,
    list[dict[str, object]],
    int,
]


def _input(row: _Row) -> PostInput:
    return PostInput(
        id=f"P{row.id}",
        author=row.name,
        text=row.text,
        likes=row.likes,
        url=row.url,
        created_at=as_utc(row.created_at),
        channel=str(row.thread_id),
    )


def _in_window(thread_ids: list[int], period: Period) -> list[ColumnElement[bool]]:
    """Posts of these threads, not deleted, written in the period: the threads first."""
    conditions: list[ColumnElement[bool]] = [
        col(Post.thread_id).in_(thread_ids),
        col(Post.deleted).is_(False),
    ]
    if period.since is not None:
        conditions.append(col(Post.created_at) >= period.since)
    if period.until is not None:
        conditions.append(col(Post.created_at) < period.until)
    return conditions


def _with_replies(
    posts: list[PostInput], external: dict[str, tuple[str, str | None]]
) -> list[PostInput]:
    """Replies by the summary's post ids: a reply to a message outside the window has none."""
    by_id = {post_id: reply_to for post_id, reply_to in external.values() if reply_to}
    if not by_id:
        return posts
    ids = {external_id: post_id for external_id, (post_id, _) in external.items()}
    return [
        post.model_copy(update={"reply_to": ids.get(by_id[post.id] or "")})
        if post.id in by_id
        else post
        for post in posts
    ]


def _with_names(
    post: PostInput, mentions: list[dict[str, object]] | None, names: dict[str, str]
) -> PostInput:
    """Mentions as the names people read ("@alice"), never as the platform's markup."""
    if not mentions:
        return post
    shown = [
        names.get(str(m.get("id")), "") or str(m.get("name") or "")
        for m in mentions
        if m.get("kind", "user") == "user"
    ]
    return post.model_copy(
        update={
            "text": display_text(post.text, mentions, names),
            "mentions": tuple(name for name in shown if name),
        }
    )


def _ref(row: _Row) -> PostRef:
    return PostRef(row.url, row.number, row.likes, row.name, as_utc(row.created_at))


def _check_read(read: _Read, period: Period) -> None:
    if not read.posts and not period.whole:
        raise UserError(f"No messages or posts there in {period.label}; try a longer window.")
    if not read.posts:
        raise UserError("There are no stored posts to summarize there yet.")


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None  # not Linux with glibc: nothing to do
    return trim


def _release_freed_memory() -> None:
    """Give the system back the heap pages a summary used and freed. A long thread's rows,
    prompts and answers take tens of MB for a moment; Python frees them, but glibc keeps the
    pages unless asked, and the process would idle at its peak."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _more(read: timedelta) -> str:
    """A period to ask for, to read more than the window did."""
    days = math.ceil(read / timedelta(days=1))
    return f"{next((d for d in _MORE_DAYS if d > days), 2 * days)}d"
