"""The running world of end-to-end tests: one app, three front ends, two protocol fakes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import ConsoleFrontEnd
from bot.adapters.discord import DiscordFrontEnd
from bot.adapters.telegram import TelegramFrontEnd
from bot.app import App
from bot.commands.spec import Role
from tests.fakes.discord_server import FakeDiscord, InteractionRecord
from tests.fakes.telegram_server import FakeTelegram, StoredMessage
from tests.support.apps import make_settings, running_app
from tests.support.frontends import dao_on_both, discord_frontend, telegram_frontend


@dataclass
class World:
    app: App
    discord: FakeDiscord
    telegram: FakeTelegram
    discord_bot: DiscordFrontEnd
    telegram_bot: TelegramFrontEnd
    console_out: io.StringIO

    async def on_discord(
        self, name: str, options: dict[str, Any] | None = None, user: str = "alice"
    ) -> InteractionRecord:
        record = await self.discord.invoke(name, options or {}, user=user)
        return await record.wait_done(timeout=10)

    async def on_telegram(
        self,
        text: str,
        user: str = "alice",
        chat: int | None = None,
        replies: int = 1,
        *,
        private: bool = False,
    ) -> list[StoredMessage]:
        """Send `text` as `user`; the replies, from the chat (or the user's DM when `private`:
        Telegram has no ephemeral messages, so private answers and errors go there)."""
        chat_id = self.telegram.group.id if chat is None else chat
        answered_in = self.telegram.private(user).id if private else chat_id
        before = {m.message_id for m in self.telegram.messages(answered_in, from_bot=True)}
        self.telegram.send_text(chat_id, user, text)
        for _ in range(replies):
            await self.telegram.wait_for(
                "sendMessage", lambda call: int(call.params["chat_id"]) == answered_in, timeout=10
            )
        return [
            m
            for m in self.telegram.messages(answered_in, from_bot=True)
            if m.message_id not in before
        ]

    async def on_console(self, line: str, role: Role = Role.MEMBER) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()


@pytest.fixture
def world_settings() -> dict[str, Any]:
    """Extra settings sections for the world's app; feature tests override this fixture."""
    return {}


@pytest.fixture
async def world(
    tmp_path: Path, db_url: str, world_settings: dict[str, Any]
) -> AsyncIterator[World]:
    async with FakeDiscord() as discord_fake:
        telegram_fake = FakeTelegram()
        community = dao_on_both(discord_fake, telegram_fake)
        settings = make_settings(tmp_path, db_url, communities=[community], **world_settings)
        await telegram_fake.start()
        # Telegram roles come from chat status: bob administers the group, carol owns it.
        group = telegram_fake.group
        telegram_fake.set_member_status(group, telegram_fake.alice, "member")
        telegram_fake.set_member_status(group, telegram_fake.bob, "administrator")
        telegram_fake.set_member_status(group, telegram_fake.carol, "creator")
        try:
            async with running_app(settings) as app:
                console_out = io.StringIO()
                console = ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out)
                app.add_frontend(console)
                async with (
                    discord_frontend(app, discord_fake) as discord_bot,
                    telegram_frontend(app, telegram_fake) as telegram_bot,
                ):
                    yield World(
                        app, discord_fake, telegram_fake, discord_bot, telegram_bot, console_out
                    )
        finally:
            await telegram_fake.stop()
    assert discord_fake.unhandled == [] and telegram_fake.unhandled == []


def discord_fields(record: InteractionRecord) -> dict[str, str]:
    return {
        f["name"]: f["value"]
        for m in record.messages()
        for e in m.get("embeds", [])
        for f in e.get("fields", [])
    }


def discord_text(record: InteractionRecord) -> str:
    parts = []
    for message in record.messages():
        parts.append(message.get("content") or "")
        for embed in message.get("embeds", []):
            parts += [embed.get("title", ""), embed.get("description", "")]
    return "\n".join(parts)
