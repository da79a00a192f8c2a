"""Discord chat events and history through the real discord.py client against the fake Discord:
threads and forum posts with their parents, attachments, mentions, jump URLs, deletes that
name no channel, backfill of a channel's threads, and channels found by name."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.adapters.discord import DiscordFrontEnd
from bot.app import App
from bot.commands.options import ChannelRef
from bot.events import Attachment, ChatMessage, Mention
from tests.fakes.discord_gateway import snowflake
from tests.fakes.discord_server import FakeChannel, FakeDiscord, default_guild
from tests.support.apps import make_settings, running_app
from tests.support.frontends import discord_frontend

ALICE, BOB, CAROL = "1100000000000000201", "1100000000000000202", "1100000000000000203"


class Heard:
    """Every chat event the app publishes, as a feature would receive them."""

    def __init__(self, app: App) -> None:
        self.messages: list[ChatMessage] = []
        app.events.subscribe(self._hear)

    async def _hear(self, message: ChatMessage) -> None:
        self.messages.append(message)

    async def first(self, wanted: Callable[[ChatMessage], bool]) -> ChatMessage:
        for _ in range(250):
            found = next((m for m in self.messages if wanted(m)), None)
            if found is not None:
                return found
            await asyncio.sleep(0.02)
        raise AssertionError(f"no such chat event among {self.messages}")


@dataclass
class Chat:
    fake: FakeDiscord
    app: App
    bot: DiscordFrontEnd
    heard: Heard

    async def read(self, channel: str, after: str | None = None) -> list[ChatMessage]:
        ref = ChannelRef("discord", channel)
        return [m async for m in self.bot.history(ref, after)]


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    guild = default_guild()
    # carol has a nickname in this guild, alice a display name of her own.
    carol = guild.member(CAROL)
    alice = guild.member(ALICE)
    assert carol is not None and alice is not None
    carol.nick = "Carol of the Treasury"
    alice.user.global_name = "Alice A."
    async with FakeDiscord(guilds=[guild]) as fake:
        settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'steward.db'}")
        async with running_app(settings) as app, discord_frontend(app, fake) as bot:
            yield Chat(fake, app, bot, Heard(app))
        assert fake.unhandled == [] and fake.errors == []


def jump_url(fake: FakeDiscord, channel_id: str, message_id: str) -> str:
    return f"https://discord.com/channels/{fake.guild.id}/{channel_id}/{message_id}"


async def test_thread_messages_name_the_thread_and_its_parent(chat: Chat) -> None:
    fake = chat.fake
    general = fake.channel("#general")
    thread = await fake.create_thread(general, "fee-switch", user="bob")
    sent = await fake.post_user_message(thread, "bob", "Shall we turn the fee switch on?")
    heard = await chat.heard.first(lambda m: m.message_id == sent["id"])

    assert heard.channel == ChannelRef("discord", thread.id, "#fee-switch")
    assert heard.parent == ChannelRef("discord", general.id, "#general")
    assert heard.channel_kind == "thread"
    assert heard.url == jump_url(fake, thread.id, sent["id"])
    assert heard.author_name == "bob"

    private = await fake.create_thread(general, "stewards-only", user="carol", private=True)
    secret = await fake.post_user_message(private, "carol", "Draft numbers inside.")
    heard = await chat.heard.first(lambda m: m.message_id == secret["id"])
    assert (heard.channel.display, heard.channel_kind) == ("#stewards-only", "thread")
    assert heard.parent is not None and heard.parent.id == general.id
    assert heard.author_name == "Carol of the Treasury", "the guild nickname is the name"

    plain = await fake.post_user_message(general, "alice", "gm")
    heard = await chat.heard.first(lambda m: m.message_id == plain["id"])
    assert (heard.channel_kind, heard.parent) == ("channel", None)
    assert heard.author_name == "Alice A.", "the display name before the username"


async def test_forum_posts_are_threads_whose_parent_is_the_forum(chat: Chat) -> None:
    fake = chat.fake
    forum = await fake.create_forum("proposals")
    post, opening = await fake.create_forum_post(
        forum, "alice", "RFC: cap grants at 5%", "I propose a 5% cap on grants."
    )
    assert opening["id"] == post.id, "a post's first message has the thread's id"
    answer = await fake.post_user_message(post, "bob", "Against: 5% is too low.", reply_to=post.id)

    first = await chat.heard.first(lambda m: m.message_id == opening["id"])
    second = await chat.heard.first(lambda m: m.message_id == answer["id"])
    for heard in (first, second):
        assert heard.channel == ChannelRef("discord", post.id, "#RFC: cap grants at 5%")
        assert heard.parent == ChannelRef("discord", forum.id, "#proposals")
        assert heard.channel_kind == "forum_post"
    assert second.reply_to == post.id
    assert second.url == jump_url(fake, post.id, answer["id"])


async def test_attachments_and_mentions_with_names(chat: Chat) -> None:
    fake = chat.fake
    general, alerts = fake.channel("#general"), fake.channel("#alerts")
    steward = fake.guild.role("Steward")
    assert steward is not None
    content = f"<@{BOB}> <@{CAROL}> see <#{alerts.id}>, <@&{steward.id}> please review"
    files = [
        {"filename": "budget-q3.pdf", "content_type": "application/pdf", "size": 48213},
        {"filename": "chart.png", "content_type": "image/png", "size": 1024},
    ]
    sent = await fake.post_user_message(general, "alice", content, attachments=files)
    heard = await chat.heard.first(lambda m: m.message_id == sent["id"])

    base = f"https://cdn.discordapp.com/attachments/{general.id}/"
    assert [(a.name, a.content_type, a.size) for a in heard.attachments] == [
        ("budget-q3.pdf", "application/pdf", 48213),
        ("chart.png", "image/png", 1024),
    ]
    assert all(a.url.startswith(base) and a.url.endswith(a.name) for a in heard.attachments)
    assert "budget-q3" not in heard.text, "attachments are not text"
    assert heard.mentions == (
        Mention(BOB, "bob", "user"),
        Mention(CAROL, "Carol of the Treasury", "user"),
        Mention(steward.id, "Steward", "role"),
        Mention(alerts.id, "alerts", "channel"),
    )
    assert "<@" not in heard.text and "@bob" in heard.text, "text reads as Discord shows it"

    only_file = await fake.post_user_message(
        general, "bob", "", attachments=[{"filename": "minutes.txt", "size": 12}]
    )
    heard = await chat.heard.first(lambda m: m.message_id == only_file["id"])
    assert heard.text == ""
    assert heard.attachments == (Attachment("minutes.txt", "", 12, heard.attachments[0].url),)


async def test_a_delete_names_the_channel_only_when_it_is_known(chat: Chat) -> None:
    fake = chat.fake
    general = fake.channel("#general")
    kept = await fake.post_user_message(general, "alice", "to be deleted")
    await fake.delete_user_message(kept["id"])
    heard = await chat.heard.first(lambda m: m.message_id == kept["id"] and m.deleted)
    assert heard.channel == ChannelRef("discord", general.id, "#general"), "cached: real name"

    thread = await fake.create_thread(general, "old-debate")
    old = await fake.post_user_message(thread, "bob", "an old point")
    await chat.heard.first(lambda m: m.message_id == old["id"])
    await fake.archive_thread(thread)  # discord.py drops archived threads from its cache
    await asyncio.sleep(0.1)
    await fake.delete_user_message(old["id"])
    heard = await chat.heard.first(lambda m: m.message_id == old["id"] and m.deleted)
    assert heard.channel.id == thread.id
    assert heard.channel.display == "", "a delete carries no name: never the id"
    assert heard.space.id == fake.guild.id and not heard.author_id

    edited = await fake.post_user_message(general, "carol", "first words")
    await fake.edit_user_message(edited["id"], "second words")
    heard = await chat.heard.first(lambda m: m.message_id == edited["id"] and m.edited_at)
    assert (heard.text, heard.channel.display) == ("second words", "#general")


async def test_backfill_reads_active_and_archived_threads_merged_oldest_first(
    chat: Chat,
) -> None:
    fake = chat.fake
    general = fake.channel("#general")
    opening = await fake.post_user_message(general, "alice", "Topic: the Q3 budget")
    live = await fake.create_thread(general, "q3-live", user="bob")
    in_live = await fake.post_user_message(live, "bob", "Live thread point")
    archived = await fake.create_thread(general, "q3-archived", user="carol")
    in_archived = await fake.post_user_message(archived, "carol", "Archived thread point")
    private = await fake.create_thread(general, "q3-private", user="carol", private=True)
    in_private = await fake.post_user_message(private, "carol", "Private point")
    closing = await fake.post_user_message(general, "alice", "Wrapping up")
    await fake.archive_thread(archived)
    await fake.archive_thread(private)

    read = await chat.read(general.id)
    ids = [m.message_id for m in read]
    assert ids == [opening["id"], in_live["id"], in_archived["id"], closing["id"]]
    assert ids == sorted(ids, key=int), "merged by time, so the last id is a checkpoint"
    by_id = {m.message_id: m for m in read}
    assert by_id[in_archived["id"]].channel == ChannelRef("discord", archived.id, "#q3-archived")
    assert by_id[in_archived["id"]].parent == ChannelRef("discord", general.id, "#general")
    assert by_id[in_live["id"]].channel_kind == "thread"
    # Private archived threads need Manage Threads, which the bot lacks here: Discord's 403.
    refused = [r for r in fake.requests if r.path.endswith("/threads/archived/private")]
    assert [r.status for r in refused] == [403]

    fake.requests.clear()
    assert await chat.read(general.id, after=closing["id"]) == []
    reads = [r.path for r in fake.requests if r.path.endswith("/messages")]
    assert reads == [f"/channels/{general.id}/messages"], "no thread with nothing new is read"

    later = await fake.post_user_message(archived, "alice", "Reopening this")
    await asyncio.sleep(0.1)
    again = await chat.read(general.id, after=closing["id"])
    assert [m.message_id for m in again] == [later["id"]]

    bot = fake.guild.member(fake.bot_user.id)
    admin = fake.guild.role("Admin")
    assert bot is not None and admin is not None
    bot.role_ids.append(admin.id)  # with Manage Threads the private archive is readable
    everything = await chat.read(general.id)
    assert in_private["id"] in [m.message_id for m in everything]


async def test_backfill_of_a_forum_reads_its_posts(chat: Chat) -> None:
    fake = chat.fake
    forum = await fake.create_forum("proposals")
    first, opening = await fake.create_forum_post(forum, "alice", "Grants cap", "Cap at 5%.")
    reply = await fake.post_user_message(first, "bob", "Too low.")
    second, other = await fake.create_forum_post(forum, "carol", "New logo", "Vote on logos.")
    await fake.archive_thread(first)

    read = await chat.read(forum.id)
    assert [m.message_id for m in read] == [opening["id"], reply["id"], other["id"]]
    assert {m.channel.id for m in read} == {first.id, second.id}
    assert all(m.channel_kind == "forum_post" for m in read)
    assert all(m.parent == ChannelRef("discord", forum.id, "#proposals") for m in read)

    one_post = await chat.read(first.id)
    assert [m.message_id for m in one_post] == [opening["id"], reply["id"]]


async def test_channels_are_found_by_name(chat: Chat) -> None:
    fake = chat.fake
    guild_id = fake.guild.id
    general = fake.channel("#general")
    finder = chat.app.frontends.channel_finder("discord")
    assert finder is chat.bot

    found = await chat.bot.find_channels(guild_id, "#General")
    assert found == [ChannelRef("discord", general.id, "#general")]
    forum = await fake.create_forum("proposals")
    await asyncio.sleep(0.1)
    assert await chat.bot.find_channels(guild_id, "proposals") == [
        ChannelRef("discord", forum.id, "#proposals")
    ]
    rfc = fake.channel("treasury-rfc")
    assert await chat.bot.find_channels(guild_id, "treasury-rfc") == [
        ChannelRef("discord", rfc.id, "#treasury-rfc")
    ]

    namesake = await fake.create_thread(fake.channel("#alerts"), "general")
    await asyncio.sleep(0.1)
    ambiguous = await chat.bot.find_channels(guild_id, "general")
    assert {c.id for c in ambiguous} == {general.id, namesake.id}

    await fake.archive_thread(namesake)
    await asyncio.sleep(0.1)
    assert [c.id for c in await chat.bot.find_channels(guild_id, "general")] == [general.id]
    assert await chat.bot.find_channels(guild_id, "nowhere") == []
    assert await chat.bot.find_channels("42", "general") == []


async def test_a_thread_the_gateway_never_announced_is_fetched_once_for_its_name(
    chat: Chat,
) -> None:
    fake = chat.fake
    general = fake.channel("#general")
    # A thread Discord did not tell the bot about (no THREAD_CREATE): discord.py has no
    # channel object for its messages, so the adapter asks GET /channels/{id} once.
    unseen = FakeChannel(
        snowflake(), "missed-thread", 11, guild_id=fake.guild.id, parent_id=general.id
    )
    fake.guild.channels.append(unseen)
    first = await fake.post_user_message(unseen, "alice", "first")
    second = await fake.post_user_message(unseen, "bob", "second")
    for sent in (first, second):
        heard = await chat.heard.first(lambda m, sent=sent: m.message_id == sent["id"])
        assert heard.channel == ChannelRef("discord", unseen.id, "#missed-thread")
        assert heard.parent == ChannelRef("discord", general.id, "#general")
        assert heard.channel_kind == "thread"
    fetched = [r for r in fake.requests if r.method == "GET" and r.path == f"/channels/{unseen.id}"]
    assert len(fetched) == 1, "fetched once, then remembered"
