"""Debates: ingest forum and chat discussion, summarize it with citations."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.commands import options as opt
from bot.commands.community import SettingSpec, on_off
from bot.context import FeatureContext
from bot.errors import StewardError, UpstreamError
from bot.features import Feature
from cogs.debates.activity import ChatActivity
from cogs.debates.chat_ingest import CHANNELS_SETTING, ChatIngest
from cogs.debates.commands import (
    forum_add,
    forum_remove,
    ingest_channel,
    sources,
    summarize,
    sync,
    usage,
)
from cogs.debates.config import DebatesConfig
from cogs.debates.digest_part import DebatesDigest
from cogs.debates.digest_text import DigestSummarizer
from cogs.debates.discussions import DebateDiscussions
from cogs.debates.records import DebateRecords
from cogs.debates.runtime import Debates
from cogs.debates.service import DebateService
from summarizer.errors import ModelError


def _channel_list(name: str, raw: str, platform: str) -> str:
    channels = [
        opt.parse_channel(name, token, platform).id for token in re.split(r"[,\s]+", raw) if token
    ]
    return ",".join(sorted(set(channels)))


def _model_error(exc: Exception) -> StewardError:
    retryable = exc.retryable if isinstance(exc, ModelError) else True
    return UpstreamError("the language model", str(exc), retryable=retryable)


def digest_source(ctx: FeatureContext[DebatesConfig], service: DebateService) -> DebatesDigest:
    model = service.model
    summarizer = DigestSummarizer(model, ctx.llm) if model is not None else None
    return DebatesDigest(ctx.db, ctx.communities, summarizer)


@asynccontextmanager
async def lifespan(ctx: FeatureContext[DebatesConfig]) -> AsyncIterator[Debates]:
    service = DebateService(ctx.db, ctx.config, ctx.llm, ctx.http, ctx.clock)
    try:
        communities = {c.slug: c.id for c in await ctx.communities.all()}
        await service.ensure_configured_forums(communities, communities[ctx.default_community])
        ingest = ChatIngest(ctx.db, ctx.communities, ctx.frontends, service)
        ctx.events.subscribe(ingest.handle)
        ctx.discussions.register(DebateDiscussions(service))
        ctx.activity.register(ChatActivity(ctx.db))
        ctx.records.register(DebateRecords(ctx.db))
        ctx.digest_parts.register(digest_source(ctx, service))
        every = timedelta(minutes=ctx.config.sync_minutes)
        ctx.scheduler.every("debates.forum-sync", every, service.sync_all)
        async with ingest:  # writes the queued chat messages at shutdown
            yield Debates(service, ingest)
    finally:
        await service.close()


feature = Feature(
    name="debates",
    description="forum and chat ingestion, debate summaries with citations",
    commands=(forum_add, forum_remove, sync, sources, summarize, usage, ingest_channel),
    settings=(
        SettingSpec(
            CHANNELS_SETTING,
            "Discord channels whose discussion is stored",
            _channel_list,
            None,
            True,
        ),
        SettingSpec("ingest_telegram", "Store messages of Telegram groups (on/off)", on_off, "on"),
    ),
    config=DebatesConfig,
    lifespan=lifespan,
    errors=((ModelError, _model_error),),
    migrations=Path(__file__).parent / "migrations",
)
