"""One front end that cannot connect does not stop the others; /about says what is wrong."""

from __future__ import annotations

import asyncio
import io
import os
from pathlib import Path

import discord
from pydantic import SecretStr

from bot.adapters.console import ConsoleFrontEnd
from bot.adapters.discord import DiscordFrontEnd
from bot.adapters.telegram import TelegramFrontEnd
from bot.app import serve
from bot.settings import DiscordSettings, TelegramSettings
from tests.support.apps import make_settings, running_app

# Nothing listens on port 1 of this machine: every connection is refused at once.
NOWHERE = "http://127.0.0.1:1"


async def test_chat_platforms_that_cannot_connect_leave_the_console_working(
    tmp_path: Path, db_url: str
) -> None:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    read_end, write_end = os.pipe()
    output = io.StringIO()
    try:
        async with running_app(make_settings(tmp_path, db_url)) as app:
            unreachable_discord = DiscordFrontEnd(
                app,
                DiscordSettings(
                    token=SecretStr("discord-token"),
                    api_base=f"{NOWHERE}/api/v10",
                    gateway_url="ws://127.0.0.1:1/",
                ),
            )
            unreachable_telegram = TelegramFrontEnd(
                app,
                TelegramSettings(
                    token=SecretStr("123:telegram-token"),
                    api_base=f"{NOWHERE}/bot",
                    file_base=f"{NOWHERE}/file/bot",
                ),
            )
            with os.fdopen(read_end, "r") as stdin:
                console = ConsoleFrontEnd(app, stdin=stdin, stdout=output)
                serving = asyncio.create_task(
                    serve(app, [unreachable_discord, unreachable_telegram, console])
                )
                with os.fdopen(write_end, "w") as script:
                    script.write("/echo one\n/echo two\n")
                    script.flush()
                    for _ in range(500):  # both platforms failed once and are being retried
                        if {"discord", "telegram"} <= set(app.frontend_problems):
                            break
                        await asyncio.sleep(0.02)
                    script.write("/echo three\n/about\n")
                await asyncio.wait_for(serving, 30)
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved

    printed = output.getvalue()
    assert all(word in printed for word in ("one", "two", "three")), printed
    about = printed[printed.index("Steward ") :]
    assert "discord: DOWN" in about and "retrying in" in about
    assert "telegram: DOWN" in about
    assert "console: ok" in about
    assert "Degraded: discord, telegram" in about
