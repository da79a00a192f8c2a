"""Start the real Discord and Telegram front ends against the protocol fakes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from pydantic import SecretStr

from bot.adapters.discord import DiscordFrontEnd
from bot.adapters.telegram import TelegramFrontEnd
from bot.app import App
from bot.clock import Clock
from bot.settings import DiscordSettings, TelegramSettings
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram
from tests.support.apps import make_settings, running_app


@asynccontextmanager
async def discord_frontend(app: App, fake: FakeDiscord) -> AsyncIterator[DiscordFrontEnd]:
    settings = DiscordSettings(
        token=SecretStr("fake-discord-token"),
        api_base=fake.api_base,
        gateway_url=fake.gateway_url,
        guild_ids=[int(fake.guild.id)],
        ready_timeout=0.1,
        read_messages=True,
        member_events=True,
    )
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    frontend = DiscordFrontEnd(app, settings)
    task = asyncio.create_task(frontend.run())
    try:
        await asyncio.wait_for(frontend.wait_ready(), 10)
        app.add_frontend(frontend)
        yield frontend
    finally:
        await frontend.stop()
        await asyncio.wait_for(task, 10)
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@asynccontextmanager
async def telegram_frontend(app: App, fake: FakeTelegram) -> AsyncIterator[TelegramFrontEnd]:
    settings = TelegramSettings(
        token=SecretStr(fake.token),
        api_base=fake.base_url,
        file_base=fake.base_file_url,
        poll_timeout=1,
        poll_interval=0.0,
    )
    frontend = TelegramFrontEnd(app, settings)
    task = asyncio.create_task(frontend.run())
    try:
        for _ in range(200):
            if frontend.health().ok:
                break
            await asyncio.sleep(0.02)
        app.add_frontend(frontend)
        yield frontend
    finally:
        await frontend.stop()
        await asyncio.wait_for(task, 10)


def dao_on_both(discord: FakeDiscord, telegram: FakeTelegram) -> dict[str, Any]:
    """The tests' one DAO on both platforms: the fake guild and the fake group are spaces of
    the same community ("test-dao")."""
    return {
        "slug": "test-dao",
        "name": "Test DAO",
        "discord_guild_ids": [discord.guild.id],
        "telegram_chat_ids": [str(telegram.group.id)],
    }


@dataclass(frozen=True)
class BothChats:
    """A running app whose one community ("test-dao") is the fake Discord guild and the fake
    Telegram group, both front ends connected."""

    app: App
    discord: FakeDiscord
    telegram: FakeTelegram
    community_id: int


@asynccontextmanager
async def on_both_chats(
    tmp_path: Path, db_url: str, clock: Clock | None = None
) -> AsyncIterator[BothChats]:
    """The app on both fakes; on leaving, neither fake saw a request it could not handle."""
    async with FakeDiscord() as discord_fake:
        telegram_fake = FakeTelegram()
        settings = make_settings(
            tmp_path, db_url, communities=[dao_on_both(discord_fake, telegram_fake)]
        )
        await telegram_fake.start()
        try:
            async with (
                running_app(settings, clock=clock) as app,
                discord_frontend(app, discord_fake),
                telegram_frontend(app, telegram_fake),
            ):
                found = await app.communities.by_slug("test-dao")
                assert found is not None and found.id is not None
                yield BothChats(app, discord_fake, telegram_fake, found.id)
        finally:
            await telegram_fake.stop()
    assert discord_fake.unhandled == [] and discord_fake.errors == []
    assert telegram_fake.unhandled == []
