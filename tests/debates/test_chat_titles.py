"""A channel's stored title changes only when the channel is renamed: never from a delete, nor
from an event that names the channel by its id (the client did not know it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.events import ChatMessage
from cogs.debates.models import Source, Thread
from tests.debates.test_chat_ingestion import stored, wait_stored
from tests.support.world import World, discord_text


async def titles(world: World, platform: str = "discord") -> dict[str, str]:
    async with world.app.db.read() as session:
        query = select(Thread).join(Source).where(Source.kind == platform)
        return {t.external_id: t.title for t in (await session.exec(query)).all()}


async def eventually(check: Callable[[], Awaitable[bool]]) -> None:
    for _ in range(200):
        if await check():
            return
        await asyncio.sleep(0.02)


async def test_a_deleted_message_keeps_the_channel_title(world: World) -> None:
    """Through the real discord.py client: MESSAGE_DELETE names no channel."""
    general = world.discord.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    first = await world.discord.post_user_message(general, "alice", "I support the grant.")
    await world.discord.post_user_message(general, "bob", "I am against it.")
    await wait_stored(world.app, "discord", 2)
    assert (await titles(world))[general.id] == "#general"

    await world.discord.delete_user_message(first["id"])

    async def deleted() -> bool:
        return any(p.deleted for p in await stored(world.app, "discord"))

    await eventually(deleted)
    assert [p.deleted for p in await stored(world.app, "discord")] == [True, False]
    assert (await titles(world))[general.id] == "#general"
    record = await world.discord.invoke("summarize", {}, user="alice", channel_id=general.id)
    await record.wait_done(timeout=10)
    assert "Chat: #general" in discord_text(record)


AT = datetime(2026, 4, 29, 14, 2, tzinfo=UTC)


def said(world: World, channel: ChannelRef, message_id: str, text: str, **more: Any) -> ChatMessage:
    """A message as the Discord front end publishes it (alice writes, at AT unless edited)."""
    return ChatMessage(
        platform="discord",
        space=Space("discord", world.discord.guild.id, "Test DAO"),
        channel=channel,
        message_id=message_id,
        author_id="7",
        author_name="alice",
        text=text,
        created_at=AT,
        **more,
    )


def gone(world: World, channel: ChannelRef, message_id: str) -> ChatMessage:
    return ChatMessage(
        platform="discord",
        space=Space("discord", world.discord.guild.id, "Test DAO"),
        channel=channel,
        message_id=message_id,
        deleted=True,
    )


async def test_events_naming_a_channel_by_its_id_keep_its_title(world: World) -> None:
    """A client with no channel object for an edit or a delete (discord.py's
    PartialMessageable, for a channel or thread it has not cached) knows only the channel's id;
    the store keeps the name it has. Fails on the first commit of issue 10: "#<id>" renamed."""
    general = world.discord.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    named = ChannelRef("discord", general.id, "#general")
    await world.app.events.publish(said(world, named, "501", "I support the grant."))
    await wait_stored(world.app, "discord", 1)
    assert (await titles(world))[general.id] == "#general"

    for number, display in enumerate((general.id, f"#{general.id}", "")):
        by_id = ChannelRef("discord", general.id, display)
        text = f"I support the grant, edit {number}."
        edited = AT + timedelta(minutes=number + 1)
        await world.app.events.publish(said(world, by_id, "501", text, edited_at=edited))
        await world.app.events.publish(gone(world, by_id, "502"))

        async def applied(expected: str = text) -> bool:
            return (await stored(world.app, "discord"))[0].text == expected

        await eventually(applied)
        assert await applied()
        assert (await titles(world))[general.id] == "#general", f"renamed by {display!r}"

    # A rename is a name: it does rename.
    renamed_ref = ChannelRef("discord", general.id, "#treasury-talk")
    await world.app.events.publish(said(world, renamed_ref, "503", "Renamed."))

    async def renamed() -> bool:
        return (await titles(world))[general.id] == "#treasury-talk"

    await eventually(renamed)
    assert (await titles(world))[general.id] == "#treasury-talk"
