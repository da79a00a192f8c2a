"""A member joining on the platform itself (the fakes' GUILD_MEMBER_ADD and chat_member update,
through the real clients) is welcomed where the platform says: the guild's system channel, the
group."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from tests.support.world import World


async def until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10.0
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.02)


async def test_a_new_discord_member_is_welcomed_in_the_system_channel(world: World) -> None:
    general = world.discord.channel("#general")
    await world.discord.member_join("dave")
    await until(lambda: len(world.discord.channel_messages(general)) >= 1)
    (welcome,) = world.discord.channel_messages(general)
    text = " ".join(e.get("description") or "" for e in welcome.get("embeds", []))
    assert "Welcome to Test DAO, dave" in text and "/onboard" in text
    assert world.discord.channel_messages("#alerts") == []


async def test_a_new_telegram_member_is_welcomed_in_the_group(world: World) -> None:
    telegram = world.telegram
    telegram.join(telegram.group, telegram.add_user("dave", 1004))
    await until(lambda: len(telegram.messages(telegram.group, from_bot=True)) >= 1)
    (welcome,) = telegram.messages(telegram.group, from_bot=True)
    assert "Welcome to Test DAO, Dave" in (welcome.plain or "")
