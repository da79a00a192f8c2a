"""Chat messages into the debates store: live from the gateway or polling, and backfilled.

Which chats are ingested: Telegram groups the bot is in, and the Discord channels stewards chose
with /ingest channel (and the threads inside them). Each message is stored once, keyed by its id
in its channel, whatever order the new, edited and deleted events arrive in.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from bot.commands.community import CommunityContext, CommunityService
from bot.commands.options import ChannelRef
from bot.errors import UserError
from bot.events import ChatMessage
from bot.frontend import FrontEnds
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.models import Thread
from cogs.debates.service import DebateService

log = logging.getLogger(__name__)

CHANNELS_SETTING = "ingest_channels"
BACKFILL_BATCH = 100


class ChatIngest:
    def __init__(
        self,
        db: Database,
        communities: CommunityService,
        frontends: FrontEnds,
        debates: DebateService,
    ) -> None:
        self._db = db
        self._communities = communities
        self._frontends = frontends
        self._debates = debates

    async def handle(self, message: ChatMessage) -> None:
        community = await self._communities.resolve(
            message.platform, message.space.id, message.space.name
        )
        if not self.wanted(community, message):
            return
        await self.store([message], community)

    @staticmethod
    def wanted(community: CommunityContext, message: ChatMessage) -> bool:
        if message.platform == "telegram":
            return community.get("ingest_telegram") != "off"
        chosen = set((community.get(CHANNELS_SETTING, message.platform) or "").split(","))
        return message.channel.id in chosen or (
            message.parent is not None and message.parent.id in chosen
        )

    async def store(self, messages: list[ChatMessage], community: CommunityContext) -> int:
        """Store a batch of messages of one channel; returns how many were new.

        Events for one channel arrive concurrently; when two create the same source, thread,
        author or message at once, the loser's unique-key violation is retried and then finds
        the winner's row, so nothing is stored twice.
        """
        for attempt in range(3):
            try:
                return await self._store_once(messages, community)
            except IntegrityError:
                if attempt == 2:
                    raise
        return 0

    async def _store_once(self, messages: list[ChatMessage], community: CommunityContext) -> int:
        if not messages:
            return 0
        first = messages[0]
        new = 0
        async with self._db.transaction() as session:
            source = await store.ensure_source(
                session, community.id, first.platform, first.space.id, first.space.name
            )
            thread = await store.ensure_thread(
                session, source.id or 0, first.channel.id, first.channel.display or first.channel.id
            )
            deleted = [m.message_id for m in messages if m.deleted and not m.author_id]
            incoming = [
                store.IncomingPost(
                    external_id=m.message_id,
                    author_id=m.author_id,
                    author_name=m.author_name,
                    created_at=m.created_at or datetime.now(UTC),
                    updated_at=m.edited_at or m.created_at or datetime.now(UTC),
                    text=m.text,
                    reply_to=m.reply_to,
                    likes=m.reactions,
                    url=m.url,
                    deleted=m.deleted,
                )
                for m in messages
                if m.author_id
            ]
            result = await store.upsert_posts(session, thread, incoming)
            await store.mark_deleted(session, thread.id or 0, deleted)
            new = result.new
        return new

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
                new += await self._store_batch(community, batch)
                batch = []
        new += await self._store_batch(community, batch)
        return new, read

    async def _store_batch(self, community: CommunityContext, batch: list[ChatMessage]) -> int:
        if not batch:
            return 0
        new = await self.store(batch, community)
        # The checkpoint moves only after the batch is committed, so a crash re-reads, never skips.
        async with self._db.transaction() as session:
            source = await store.ensure_source(
                session, community.id, batch[0].platform, batch[0].space.id, batch[0].space.name
            )
            thread = await store.ensure_thread(session, source.id or 0, batch[0].channel.id, "")
            thread.checkpoint = batch[-1].message_id
        return new

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
