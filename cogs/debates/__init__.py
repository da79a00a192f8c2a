"""Debates: ingest forum and chat discussion, summarize it with citations."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import aiohttp

from bot.app import App
from bot.commands import options as opt
from bot.community import SettingSpec
from bot.features import Feature
from cogs.debates.chat_ingest import CHANNELS_SETTING, ChatIngest
from cogs.debates.commands import (
    forum_add,
    ingest_channel,
    sources,
    summarize,
    sync,
    usage,
)
from cogs.debates.service import DebateService


def _channel_list(name: str, raw: str, platform: str) -> str:
    channels = [
        opt.parse_channel(name, token, platform).id for token in re.split(r"[,\s]+", raw) if token
    ]
    return ",".join(sorted(set(channels)))


def _on_off(name: str, raw: str, _platform: str) -> str:
    return "on" if opt.parse_boolean(name, raw) else "off"


@asynccontextmanager
async def lifespan(app: App) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as http:
        service = DebateService(app.db, app.settings, http)
        communities = {c.slug: c.id for c in await app.communities.all()}
        default_slug = (
            app.settings.communities[0].slug
            if app.settings.communities
            else (app.settings.console.community)
        )
        await service.ensure_configured_forums(communities, communities[default_slug])
        app.provide(service)
        ingest = ChatIngest(app)
        app.provide(ingest)
        app.events.subscribe(ingest.handle)
        minutes = min([f.sync_minutes for f in app.settings.forums] or [5])
        app.scheduler.every("debates.forum-sync", timedelta(minutes=minutes), service.sync_all)
        try:
            yield
        finally:
            await service.close()


feature = Feature(
    name="debates",
    description="forum and chat ingestion, debate summaries with citations",
    commands=(forum_add, sync, sources, summarize, usage, ingest_channel),
    settings=(
        SettingSpec(
            CHANNELS_SETTING,
            "Discord channels whose discussion is stored",
            _channel_list,
            None,
            True,
        ),
        SettingSpec("ingest_telegram", "Store messages of Telegram groups (on/off)", _on_off, "on"),
    ),
    lifespan=lifespan,
)
