"""What chat ingest keeps of a message beyond its words: attachments, mentions (as ids, shown as
names), reply references, and the thread, forum post or topic it was written in, under its
channel; and what /sources says per channel. Messages come in through the real discord.py client
against the fake Discord where the front end already carries what is tested, else published on
the app's event bus as the front ends publish them, through the real ChatIngest and store."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import func, select

from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.events import Attachment, ChatMessage, Mention
from cogs.debates import store
from cogs.debates.mentions import display_text
from cogs.debates.models import Source, Thread
from cogs.debates.sources_render import FIELD_VALUE
from tests.debates.test_chat_ingestion import stored, wait_stored
from tests.support.world import World, discord_fields

AT = datetime(2026, 4, 29, 14, 2, tzinfo=UTC)


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    for _ in range(250):
        if await check():
            return True
        await asyncio.sleep(0.02)
    return await check()


def message(
    world: World,
    platform: str,
    channel: ChannelRef,
    message_id: str,
    text: str,
    *,
    author: tuple[str, str] = ("7", "alice"),
    **more: Any,
) -> ChatMessage:
    """A message as the front end of `platform` publishes it."""
    space = (
        Space("discord", world.discord.guild.id, "Test DAO")
        if platform == "discord"
        else Space("telegram", str(world.telegram.group.id), "Test DAO")
    )
    return ChatMessage(
        platform=platform,
        space=space,
        channel=channel,
        message_id=message_id,
        author_id=author[0],
        author_name=author[1],
        text=text,
        created_at=more.pop("created_at", AT),
        **more,
    )


async def threads(world: World, platform: str) -> dict[str, Thread]:
    async with world.app.db.read() as session:
        query = select(Thread).join(Source).where(Source.kind == platform)
        return {t.external_id: t for t in (await session.exec(query)).all()}


async def ingest(world: World, channel_id: str) -> None:
    await world.on_discord("ingest channel", {"channel": channel_id}, user="carol")


async def test_attachments_are_stored_apart_and_attachment_only_is_no_text_post(
    world: World,
) -> None:
    general = world.discord.channel("#general")
    await ingest(world, general.id)
    ref = ChannelRef("discord", general.id, "#general")
    spec = Attachment("budget.pdf", "application/pdf", 48_213, "https://cdn.example/budget.pdf")
    photo = Attachment("chart.png", "image/png", 1_024, "https://cdn.example/chart.png")
    await world.app.events.publish(
        message(world, "discord", ref, "601", "The budget, as agreed.", attachments=(spec,))
    )
    await world.app.events.publish(message(world, "discord", ref, "602", "", attachments=(photo,)))
    posts = await wait_stored(world.app, "discord", 2)
    assert [(p.text, [a["name"] for a in p.attachments]) for p in posts] == [
        ("The budget, as agreed.", ["budget.pdf"]),
        ("", ["chart.png"]),
    ]
    assert posts[0].attachments[0] == {
        "name": "budget.pdf",
        "content_type": "application/pdf",
        "size": 48_213,
        "url": "https://cdn.example/budget.pdf",
    }
    assert "budget.pdf" not in posts[0].text and "cdn.example" not in posts[0].text
    thread_source = (await threads(world, "discord"))[general.id].source_id
    async with world.app.db.read() as session:
        texts = (await session.exec(select(func.count()).where(store.is_text_post()))).one()
        counts = await store.post_counts(session, [thread_source])
        stats = await store.thread_stats(session, [posts[0].thread_id])
    assert texts == 1 and counts == {thread_source: 1}
    assert stats[posts[0].thread_id].messages == 1

    # An edit that removes the file and adds words: the newest version's attachments win.
    await world.app.events.publish(
        message(world, "discord", ref, "602", "Now with words.", edited_at=AT + timedelta(hours=1))
    )

    async def edited() -> bool:
        return (await stored(world.app, "discord"))[1].text == "Now with words."

    assert await eventually(edited)
    assert (await stored(world.app, "discord"))[1].attachments == []


async def test_mentions_are_stored_as_ids_and_shown_by_their_latest_names(world: World) -> None:
    general = world.discord.channel("#general")
    await ingest(world, general.id)
    ref = ChannelRef("discord", general.id, "#general")
    raw = "<@8> and <@!9> asked <@&456> to move this to <#1100000000000000012> (cc <@10>)"
    mentions = (
        Mention("8", "Bobby (old name)"),
        Mention("9", "carol"),
        Mention("456", "stewards", "role"),
        Mention("1100000000000000012", "alerts", "channel"),
    )
    await world.app.events.publish(message(world, "discord", ref, "701", raw, mentions=mentions))
    # bob writes later under his current name.
    await world.app.events.publish(
        message(world, "discord", ref, "702", "Agreed.", author=("8", "bob"))
    )
    posts = await wait_stored(world.app, "discord", 2)
    post = posts[0]
    assert post.text == raw, "the raw form is stored"
    assert post.mentions == [
        {"id": "8", "name": "Bobby (old name)", "kind": "user"},
        {"id": "9", "name": "carol", "kind": "user"},
        {"id": "456", "name": "stewards", "kind": "role"},
        {"id": "1100000000000000012", "name": "alerts", "kind": "channel"},
    ]
    async with world.app.db.read() as session:
        source_id = (await threads(world, "discord"))[general.id].source_id
        names = await store.mention_names(session, source_id, post.mentions)
    assert names == {"8": "bob"}, "only people and channels Steward stores"
    shown = display_text(post.text, post.mentions, names)
    assert shown == ("@bob and @carol asked @stewards to move this to #alerts (cc @unknown-user)")
    assert "<@" not in shown and "<#" not in shown


def test_display_text_prefers_stored_names_and_never_leaves_markup() -> None:
    mentions = [{"id": "42", "name": "general", "kind": "channel"}, {"id": "1", "name": "ann"}]
    names = {"42": "#governance", "1": "Ann Lee"}
    assert display_text("<#42>: <@1>, <@&7>, <#99>", mentions, names) == (
        "#governance: @Ann Lee, @unknown-role, #unknown-channel"
    )
    assert display_text("thanks @ann_lee", [], {}) == "thanks @ann_lee", "Telegram's stays"
    assert display_text("", mentions, names) == ""


async def test_reply_references_survive_edits_and_later_events(world: World) -> None:
    general = world.discord.channel("#general")
    await ingest(world, general.id)
    ref = ChannelRef("discord", general.id, "#general")
    await world.app.events.publish(message(world, "discord", ref, "801", "Shall we vote?"))
    await world.app.events.publish(
        message(world, "discord", ref, "802", "Yes, Friday.", reply_to="801")
    )
    await world.app.events.publish(message(world, "discord", ref, "803", "No, next week."))
    await wait_stored(world.app, "discord", 3)
    # An edit whose event lacks the reference keeps it; a later event that carries a reference
    # the first lacked (a backfill reading the message again) adds it.
    await world.app.events.publish(
        message(world, "discord", ref, "802", "Yes, on Friday.", edited_at=AT + timedelta(hours=1))
    )
    await world.app.events.publish(
        message(world, "discord", ref, "803", "No, next week.", reply_to="801")
    )

    async def settled() -> bool:
        posts = await stored(world.app, "discord")
        return posts[1].text == "Yes, on Friday." and posts[2].reply_to == "801"

    assert await eventually(settled)
    assert [p.reply_to for p in await stored(world.app, "discord")] == [None, "801", "801"]


async def test_a_thread_is_stored_under_its_channel(world: World) -> None:
    """Through the real discord.py client: a message in #general's thread #treasury-rfc."""
    general = world.discord.channel("#general")
    rfc = world.discord.channel("treasury-rfc")
    await ingest(world, general.id)
    await world.discord.post_user_message(general, "alice", "Let's discuss in the thread.")
    await world.discord.post_user_message(rfc, "bob", "In the thread: I support a 10% cap.")
    await wait_stored(world.app, "discord", 2)
    rows = await threads(world, "discord")
    parent, child = rows[general.id], rows[rfc.id]
    assert (parent.kind, parent.parent_id, parent.title) == ("channel", None, "#general")
    assert (child.kind, child.parent_id, child.title) == ("thread", parent.id, "#treasury-rfc")
    community = await world.app.communities.by_slug("test-dao")
    assert community is not None
    async with world.app.db.read() as session:
        listed = await store.chat_threads(session, community.id, "discord")
        assert [t.external_id for t in listed] == [general.id, rfc.id]
        assert [t.id for t in await store.children(session, parent.id or 0)] == [child.id]
        assert await store.children(session, child.id or 0) == []


async def test_forum_posts_and_telegram_topics_are_threads_of_their_channel(
    world: World,
) -> None:
    # A Discord forum channel: each post is a thread; the forum channel holds no messages.
    forum = ChannelRef("discord", "1100000000000000099", "#proposals")
    await world.app.communities.set(
        (await world.app.communities.by_slug("test-dao")).id,  # type: ignore[union-attr]
        "ingest_channels",
        forum.id,
        "discord",
        by="steward",
    )
    post = ChannelRef("discord", "1100000000000000100", "Grant for the explorer")
    await world.app.events.publish(
        message(
            world,
            "discord",
            post,
            "1100000000000000100",
            "Proposal: 20k for the block explorer.",
            parent=forum,
            channel_kind="forum_post",
        )
    )
    # A Telegram forum topic, "<chat id>/<message_thread_id>", and the group's General topic.
    group = world.telegram.group
    chat = ChannelRef("telegram", str(group.id), "Test DAO")
    topic = ChannelRef("telegram", f"{group.id}/77", "Budget 2027")
    await world.app.events.publish(
        message(
            world,
            "telegram",
            topic,
            "9001",
            "The budget draft is up.",
            parent=chat,
            channel_kind="topic",
        )
    )
    await world.app.events.publish(message(world, "telegram", chat, "9002", "gm"))
    await wait_stored(world.app, "discord", 1)
    await wait_stored(world.app, "telegram", 2)

    discord = await threads(world, "discord")
    assert (discord[forum.id].kind, discord[forum.id].title) == ("forum", "#proposals")
    assert (discord[post.id].kind, discord[post.id].parent_id) == (
        "forum_post",
        discord[forum.id].id,
    )
    telegram = await threads(world, "telegram")
    assert (telegram[topic.id].kind, telegram[topic.id].title) == ("topic", "Budget 2027")
    assert telegram[topic.id].parent_id == telegram[str(group.id)].id
    assert telegram[str(group.id)].kind == "channel"

    # A delete in the topic (no name, no kind, no parent) changes none of it.
    await world.app.events.publish(
        ChatMessage(
            platform="telegram",
            space=Space("telegram", str(group.id), "Test DAO"),
            channel=ChannelRef("telegram", topic.id),
            message_id="9001",
            deleted=True,
        )
    )

    async def deleted() -> bool:
        return any(p.deleted for p in await stored(world.app, "telegram"))

    assert await eventually(deleted)
    # Nor does a message whose event knows the topic only by its id.
    unnamed = ChannelRef("telegram", topic.id)
    await world.app.events.publish(message(world, "telegram", unnamed, "9003", "Still here."))
    await wait_stored(world.app, "telegram", 3)
    after = (await threads(world, "telegram"))[topic.id]
    assert (after.kind, after.title, after.parent_id) == (
        "topic",
        "Budget 2027",
        telegram[str(group.id)].id,
    )


async def test_sources_lists_each_channel_with_counts_dates_and_origin(world: World) -> None:
    general = world.discord.channel("#general")
    rfc = world.discord.channel("treasury-rfc")
    await world.discord.post_user_message(general, "alice", "Before Steward: I propose a cap.")
    await world.discord.post_user_message(general, "bob", "Before Steward: against.")
    await ingest(world, general.id)  # backfills the two
    await world.discord.post_user_message(general, "carol", "Live: what about 5%?")
    await world.discord.post_user_message(rfc, "bob", "Live in the thread.")
    await wait_stored(world.app, "discord", 4)
    # An attachment-only message is stored, not counted.
    await world.app.events.publish(
        message(
            world,
            "discord",
            ChannelRef("discord", general.id, "#general"),
            "990",
            "",
            attachments=(Attachment("a.png", "image/png", 1, "https://cdn.example/a.png"),),
            created_at=datetime.now(UTC),
        )
    )
    await wait_stored(world.app, "discord", 5)
    # Telegram: messages live in the group and in a topic.
    for n in range(3):
        world.telegram.send_text(world.telegram.group, "alice", f"Telegram message {n}")
    await wait_stored(world.app, "telegram", 3)

    record = await world.on_discord("sources")
    fields = discord_fields(record)
    today = date.today().isoformat()
    lines = fields["discord: Test DAO"].splitlines()
    assert lines[0] == "4 messages in 2 channels"
    general_line = next(line for line in lines if line.startswith("#general:"))
    assert (
        general_line == f"#general: 3 messages · {today} · backfilled {today} + live since {today}"
    )
    thread_line = next(line for line in lines if "treasury-rfc" in line)
    assert thread_line == f"#general › #treasury-rfc: 1 message · {today} · live since {today}"
    telegram = fields["telegram: Test DAO"].splitlines()
    assert telegram == [
        "3 messages in 1 channel",
        f"Test DAO: 3 messages · {today} · live since {today}",
    ]


async def test_sources_lists_the_busiest_channels_of_a_large_source(world: World) -> None:
    group = world.telegram.group
    chat = ChannelRef("telegram", str(group.id), "Test DAO")
    for topic_number in range(1, 16):
        topic = ChannelRef("telegram", f"{group.id}/{topic_number}", f"Topic {topic_number:02d}")
        for n in range(topic_number):
            await world.app.events.publish(
                message(
                    world,
                    "telegram",
                    topic,
                    f"{topic_number}{n:03d}",
                    f"Message {n} in topic {topic_number}",
                    parent=chat,
                    channel_kind="topic",
                    created_at=AT + timedelta(days=topic_number, minutes=n),
                )
            )
    total = sum(range(1, 16))
    await wait_stored(world.app, "telegram", total)

    record = await world.on_discord("sources")
    value = discord_fields(record)["telegram: Test DAO"]
    assert len(value) <= FIELD_VALUE
    lines = value.splitlines()
    assert lines[0] == f"{total} messages in 15 channels"
    shown = [line.split(" (topic)")[0] for line in lines[1:-1]]
    assert shown == [f"Test DAO › Topic {n:02d}" for n in range(15, 15 - len(shown), -1)]
    assert len(shown) >= 5, "the busiest, first"
    hidden = 15 - len(shown)
    assert lines[-1] == f"… and {hidden} more ({sum(range(1, hidden + 1))} messages)"
    busiest = lines[1]
    assert busiest == (
        "Test DAO › Topic 15 (topic): 15 messages · 2026-05-14 · live since "
        f"{date.today().isoformat()}"
    )
