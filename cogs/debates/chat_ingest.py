"""Chat messages into the debates store: live from the gateway or polling, and backfilled.

Which chats are ingested: Telegram groups the bot is in (with their forum topics), and the
Discord channels stewards chose with /ingest channel (with the threads inside them, and the posts
of a forum channel). Each message is stored once, keyed by its id in its channel, whatever order
the new, edited and deleted events arrive in.

A thread, a forum channel's post and a Telegram topic are threads of their own in the store,
under their channel's (`Thread.parent_id`). A channel's title comes from the events that name it:
a delete names none, and a channel the client does not know is named by its id; neither renames
a stored channel. A message's attachments and mentions are stored with it; a message with
attachments only is stored with text "". Each thread records when it was first followed live
(`live_at`) and when it was last backfilled (`backfilled_at`).

Live events are not written one transaction each: they wait in memory, in arrival order, and one
writer stores them together every FLUSH_SECONDS (sooner when FLUSH_MESSAGES are waiting), in one
transaction with one bulk statement per chat. Within a batch, the events of one message become
one: the newest text wins and a delete deletes it, whether it came before, with or after it. An
edit applies only if it is at least as new as the stored text, and a delete of a message not
stored yet is remembered for when the message arrives. `close()` (or leaving `async with`) stores
what is waiting; messages that come after it are stored one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.community import CommunityContext, CommunityService
from bot.commands.options import ChannelRef
from bot.errors import InvalidOption, UserError
from bot.events import Attachment, ChatMessage, Mention
from bot.frontend import FrontEnds
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.models import Thread
from cogs.debates.service import DebateService

log = logging.getLogger(__name__)

CHANNELS_SETTING = "ingest_channels"
BACKFILL_BATCH = 100
FLUSH_SECONDS = 0.1  # the longest a live message waits before it is written
FLUSH_MESSAGES = 500  # or as soon as this many wait
WRITE_LIMIT = 2_000  # events per transaction, so no write holds the database for long
MAX_PENDING = 10_000  # beyond this, events wait for the writer instead of piling up
TOMBSTONES = 10_000  # deletes of messages not stored (yet) that are remembered
RETRY_SECONDS = 1.0  # after a failed write; the messages stay queued

Pending = tuple[CommunityContext, ChatMessage]
# A backfill's batch: the channel being read, and the newest message id read so far.
Checkpoint = tuple[ChannelRef, str]


@dataclass(frozen=True)
class _KnownThread:
    """A committed thread row as the ingest last wrote it."""

    id: int
    title: str
    kind: str
    parent_id: int | None


@dataclass
class _Learned:
    """Rows a write created or found, kept for later writes once it is committed."""

    sources: dict[tuple[int, str, str], int] = field(default_factory=dict)
    threads: dict[tuple[int, str], _KnownThread] = field(default_factory=dict)
    authors: dict[int, store.Known] = field(default_factory=dict)
    tombstones: set[tuple[int, str]] = field(default_factory=set)
    live: set[int] = field(default_factory=set)
    new: int = 0


def _kind(message: ChatMessage) -> str:
    """What the message's channel is; a channel with a parent is at least a thread."""
    if message.channel_kind == "channel" and message.parent is not None:
        return "thread"
    return message.channel_kind


def _attachment(attachment: Attachment) -> dict[str, object]:
    return {
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": attachment.url,
    }


def _mention(mention: Mention) -> dict[str, object]:
    return {"id": mention.id, "name": mention.name, "kind": mention.kind}


class ChatIngest:
    def __init__(
        self,
        db: Database,
        communities: CommunityService,
        frontends: FrontEnds,
        debates: DebateService,
        *,
        flush_seconds: float = FLUSH_SECONDS,
        flush_messages: int = FLUSH_MESSAGES,
    ) -> None:
        self._db = db
        self._communities = communities
        self._frontends = frontends
        self._debates = debates
        self._flush_seconds = flush_seconds
        self._flush_messages = flush_messages
        self._pending: list[Pending] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._write_lock = asyncio.Lock()
        self._closed = False
        # Rows already committed, so a batch looks up only what it has not seen.
        self._sources: dict[tuple[int, str, str], int] = {}
        self._threads: dict[tuple[int, str], _KnownThread] = {}
        self._authors: dict[int, store.Known] = {}
        self._live: set[int] = set()  # threads whose live_at is set
        self._tombstones: OrderedDict[tuple[int, str], None] = OrderedDict()

    async def __aenter__(self) -> ChatIngest:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # Live events -------------------------------------------------------------------------------

    async def handle(self, message: ChatMessage) -> None:
        community = await self._communities.resolve(
            message.platform, message.space.id, message.space.name
        )
        if not self.wanted(community, message):
            return
        await self.submit(message, community)

    @staticmethod
    def wanted(community: CommunityContext, message: ChatMessage) -> bool:
        if message.platform == "telegram":
            return community.get("ingest_telegram") != "off"
        chosen = set((community.get(CHANNELS_SETTING, message.platform) or "").split(","))
        return message.channel.id in chosen or (
            message.parent is not None and message.parent.id in chosen
        )

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def submit(self, message: ChatMessage, community: CommunityContext) -> None:
        """Queue a live event; it is written within FLUSH_SECONDS, with the others."""
        if self._closed:
            await self.store([message], community)
            return
        self._pending.append((community, message))
        if len(self._pending) >= self._flush_messages:
            self._wake.set()
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="chat-ingest-writer")
        if len(self._pending) >= MAX_PENDING:
            await self.flush()  # the database is behind: wait for it rather than grow

    async def _write_loop(self) -> None:
        """Runs while events wait; ends when none do (the next event starts it again)."""
        while self._pending and not self._closed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._flush_seconds)
            self._wake.clear()
            if self._closed:
                return  # close() writes what is left
            try:
                await self.flush()
            except Exception:
                log.exception("chat messages not stored yet", extra={"waiting": self.pending})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), RETRY_SECONDS)

    async def flush(self) -> None:
        """Write the events queued now, in arrival order, WRITE_LIMIT to a transaction; on
        failure they stay queued, in order."""
        async with self._write_lock:
            left = len(self._pending)
            while left > 0 and self._pending:
                batch = self._pending[:WRITE_LIMIT]
                del self._pending[:WRITE_LIMIT]
                left -= len(batch)
                try:
                    await self._write(batch)
                except BaseException:
                    self._pending[:0] = batch
                    raise

    async def close(self) -> None:
        """Store what is waiting. Events after this are stored one by one as they come."""
        self._closed = True
        self._wake.set()
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self._writer
        try:
            await self.flush()
        except Exception:
            log.exception("chat messages lost at shutdown", extra={"count": self.pending})
            raise

    # Writing -----------------------------------------------------------------------------------

    async def store(self, messages: list[ChatMessage], community: CommunityContext) -> int:
        """Store messages now, in one transaction; returns how many were new."""
        async with self._write_lock:
            return await self._write([(community, m) for m in messages])

    async def _write(self, batch: list[Pending], checkpoint: Checkpoint | None = None) -> int:
        """Events for one source, thread or author created at once by someone else (a backfill
        next to live events, another process) lose on a unique key; the retry finds theirs."""
        for attempt in range(3):
            try:
                return await self._write_once(batch, checkpoint)
            except IntegrityError:
                self._forget()
                if attempt == 2:
                    raise
        return 0

    async def _write_once(self, batch: list[Pending], checkpoint: Checkpoint | None) -> int:
        if not batch:
            return 0
        groups: dict[tuple[int, str, str], dict[str, list[ChatMessage]]] = {}
        spaces: dict[tuple[int, str, str], ChatMessage] = {}
        for community, message in batch:
            key = (community.id, message.platform, message.space.id)
            spaces.setdefault(key, message)
            groups.setdefault(key, {}).setdefault(message.channel.id, []).append(message)
        learned = _Learned()
        async with self._db.transaction() as session:
            for key, channels in groups.items():
                source_id = self._sources.get(key)
                if source_id is None:
                    first = spaces[key]
                    source = await store.ensure_source(
                        session, key[0], first.platform, first.space.id, first.space.name
                    )
                    source_id = learned.sources[key] = source.id or 0
                await self._store_source(session, source_id, channels, learned, checkpoint)
        self._remember(learned)
        return learned.new

    async def _thread_id(
        self, session: AsyncSession, source_id: int, messages: list[ChatMessage], learned: _Learned
    ) -> int:
        """The thread of one channel's messages. Only a message's own event that names the
        channel says what it is and where it belongs: a delete has no author, and an event
        that knows the channel only by its id does not know its kind or parent either."""
        channel = messages[0].channel
        title = next(
            (
                m.channel.display
                for m in reversed(messages)
                if store.is_name(m.channel.display, channel.id)
            ),
            "",
        )
        full = next(
            (
                m
                for m in reversed(messages)
                if m.author_id and store.is_name(m.channel.display, channel.id)
            ),
            None,
        )
        kind: str | None = None
        parent_id: int | None = None
        if full is not None:
            kind = _kind(full)
            if full.parent is not None and full.parent.id != channel.id:
                parent_kind = "forum" if kind == "forum_post" else None
                parent = full.parent
                parent_id = await self._ensure_thread(
                    session, source_id, parent.id, parent.display, parent_kind, None, learned
                )
        return await self._ensure_thread(
            session, source_id, channel.id, title, kind, parent_id, learned
        )

    async def _ensure_thread(
        self,
        session: AsyncSession,
        source_id: int,
        external_id: str,
        title: str,
        kind: str | None,
        parent_id: int | None,
        learned: _Learned,
    ) -> int:
        key = (source_id, external_id)
        cached = learned.threads.get(key) or self._threads.get(key)
        if (
            cached is not None
            and (not store.is_name(title, external_id) or title.strip() == cached.title)
            and (kind is None or (kind, parent_id) == (cached.kind, cached.parent_id))
        ):
            return cached.id
        thread = await store.ensure_thread(
            session, source_id, external_id, title, kind=kind, parent_id=parent_id
        )
        learned.threads[key] = _KnownThread(
            thread.id or 0, thread.title, thread.kind, thread.parent_id
        )
        return thread.id or 0

    async def _store_source(
        self,
        session: AsyncSession,
        source_id: int,
        channels: dict[str, list[ChatMessage]],
        learned: _Learned,
        checkpoint: Checkpoint | None,
    ) -> None:
        """The messages of one source's channels, in one statement."""
        now = datetime.now(UTC)
        posts: dict[int, list[store.IncomingPost]] = {}
        elsewhere: dict[int, set[str]] = {}
        for messages in channels.values():
            thread_id = await self._thread_id(session, source_id, messages, learned)
            deletes = {m.message_id for m in messages if m.deleted and not m.author_id}
            posts[thread_id] = [
                store.IncomingPost(
                    external_id=m.message_id,
                    author_id=m.author_id,
                    author_name=m.author_name,
                    created_at=m.created_at or now,
                    updated_at=m.edited_at or m.created_at or now,
                    text=m.text if m.text.strip() else "",
                    reply_to=m.reply_to,
                    likes=m.reactions,
                    url=m.url,
                    attachments=tuple(_attachment(a) for a in m.attachments),
                    mentions=tuple(_mention(x) for x in m.mentions),
                    # A delete before, with or after its message in this batch deletes it.
                    deleted=m.deleted
                    or m.message_id in deletes
                    or (thread_id, m.message_id) in self._tombstones,
                )
                for m in messages
                if m.author_id
            ]
            elsewhere[thread_id] = deletes - {p.external_id for p in posts[thread_id]}
        result = await store.upsert_posts(
            session, source_id, posts, known_authors=self._authors.get(source_id)
        )
        learned.authors.setdefault(source_id, {}).update(result.authors or {})
        learned.new += result.new
        connection = await session.connection()
        for thread_id, ids in elsewhere.items():
            marked = await store.mark_deleted(session, thread_id, ids)
            # Deletes of messages not stored (yet): remembered for when they arrive.
            learned.tombstones.update((thread_id, i) for i in ids - marked)
        threads = store.THREADS
        if checkpoint is not None:
            # The channel read moves its checkpoint, whether this batch held its own messages
            # or only its threads'; every thread written here was backfilled.
            channel, last_read = checkpoint
            channel_id = await self._ensure_thread(
                session, source_id, channel.id, channel.display, None, None, learned
            )
            await connection.execute(
                update(threads)
                .where(threads.c.id == channel_id)
                .values(checkpoint=last_read, backfilled_at=now)
            )
            await connection.execute(
                update(threads).where(threads.c.id.in_(sorted(posts))).values(backfilled_at=now)
            )
        else:
            # Followed live from now on: recorded once per thread.
            first_live = sorted(set(posts) - self._live)
            if first_live:
                await connection.execute(
                    update(threads)
                    .where(threads.c.id.in_(first_live), threads.c.live_at.is_(None))
                    .values(live_at=now)
                )
                learned.live.update(first_live)

    def _remember(self, learned: _Learned) -> None:
        self._sources.update(learned.sources)
        self._threads.update(learned.threads)
        self._live.update(learned.live)
        for source_id, authors in learned.authors.items():
            self._authors.setdefault(source_id, {}).update(authors)
        for key in learned.tombstones:
            self._tombstones[key] = None
        while len(self._tombstones) > TOMBSTONES:
            self._tombstones.popitem(last=False)

    def _forget(self) -> None:
        self._sources.clear()
        self._threads.clear()
        self._authors.clear()
        self._live.clear()

    # Backfill ----------------------------------------------------------------------------------

    async def backfill(self, community: CommunityContext, channel: ChannelRef) -> tuple[int, int]:
        """Read a channel's history from the stored checkpoint on; (new messages, read)."""
        frontend = self._frontends.history_reader(channel.platform)
        if frontend is None:
            raise UserError(
                f"{channel.platform.title()} does not let bots read past messages; Steward "
                "stores messages from the moment it is in the chat."
            )
        await self._remember_channel(community, channel)
        thread = await self._thread(community, channel)
        checkpoint = thread.checkpoint if thread else None
        batch: list[ChatMessage] = []
        new = read = 0
        async for message in frontend.history(channel, checkpoint):
            batch.append(message)
            read += 1
            if len(batch) == BACKFILL_BATCH:
                new += await self._store_batch(community, channel, batch)
                batch = []
        new += await self._store_batch(community, channel, batch)
        await self._backfilled(community, channel)
        return new, read

    async def _backfilled(self, community: CommunityContext, channel: ChannelRef) -> None:
        """A backfill read the channel to its end: recorded even when nothing was new."""
        async with self._write_lock, self._db.transaction() as session:
            await store.mark_backfilled(
                session, community.id, channel.platform, channel.id, datetime.now(UTC)
            )

    async def _store_batch(
        self, community: CommunityContext, channel: ChannelRef, batch: list[ChatMessage]
    ) -> int:
        if not batch:
            return 0
        # The checkpoint moves in the batch's own transaction, so a crash re-reads, never skips.
        async with self._write_lock:
            return await self._write(
                [(community, m) for m in batch], checkpoint=(channel, batch[-1].message_id)
            )

    async def named_channel(self, channel: ChannelRef, where: ChannelRef | None) -> ChannelRef:
        """A channel typed as "#name" on a platform that can name its channels, found in the
        space the command was run in; other references are returned as they are."""
        if channel.display != f"#{channel.id}":
            return channel  # a mention or an id
        finder = self._frontends.channel_finder(channel.platform)
        space = await self._frontends.space_of(where) if where is not None else None
        if finder is None or space is None:
            return channel
        found = await finder.find_channels(space, channel.id)
        if not found:
            raise InvalidOption("channel", f"there is no channel named {channel.display} here")
        if len(found) > 1:
            listed = ", ".join(f"{c.display or c.id} (id {c.id})" for c in found[:8])
            raise InvalidOption(
                "channel", f"{channel.display} matches {len(found)} channels: {listed}; use the id"
            )
        return found[0]

    async def _remember_channel(self, community: CommunityContext, channel: ChannelRef) -> None:
        chosen = {
            c for c in (community.get(CHANNELS_SETTING, channel.platform) or "").split(",") if c
        }
        if channel.id not in chosen:
            chosen.add(channel.id)
            await self._communities.set(
                community.id,
                CHANNELS_SETTING,
                ",".join(sorted(chosen)),
                channel.platform,
                by="steward",
            )

    async def _thread(self, community: CommunityContext, channel: ChannelRef) -> Thread | None:
        return await self._debates.chat_thread(community.id, channel.platform, channel.id)
