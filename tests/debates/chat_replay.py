"""A labelled chat window (bench/eval/chat/) replayed into the fake Discord as its people wrote it:
the same message ids (snowflakes that carry the original times), authors, replies and mentions,
so the bot backfills it through the real discord.py client as it would a real channel's past."""

from __future__ import annotations

from bench.chat_labels import ChatWindow
from tests.fakes.discord_gateway import FakeChannel, FakeMember, FakeUser, snowflake
from tests.fakes.discord_server import FakeDiscord


def people_of(discord: FakeDiscord, window: ChatWindow) -> None:
    """Everyone who writes or is mentioned in the window, as members of the fake guild (with the
    mention ids of the window, so `<@id>` names them)."""
    guild = discord.guild
    known = {m.user.username for m in guild.members}
    ids = {name: user_id for user_id, name in window.people.items()}
    for name in sorted({m.author for m in window.messages} | set(ids)):
        if name not in known:
            guild.members.append(FakeMember(FakeUser(ids.get(name) or snowflake(), name)))
            known.add(name)


async def replay(discord: FakeDiscord, window: ChatWindow, channel: FakeChannel | str) -> None:
    """Post the window's messages in `channel`, oldest first, each with its original id."""
    people_of(discord, window)
    for message in window.messages:
        await discord.post_user_message(
            channel,
            message.author,
            message.text,
            message_id=str(message.id),
            reply_to=str(message.reply_to) if message.reply_to else None,
        )
