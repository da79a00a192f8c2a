"""Discord and Telegram discussion lands in the debates store, once per message, and can be
summarized; through the real clients and the protocol fakes."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import col, select

from bot.app import App
from cogs.debates.models import Post, Source, Thread
from tests.support.debate import INJECTION
from tests.support.world import World, discord_text

DEBATE = [
    ("alice", "I propose we move 20% of the treasury into stablecoins; our runway is 14 months."),
    ("bob", "I am against it, the depeg risk is real and we lost 3% in March."),
    ("carol", "What about a staggered diversification instead, 5% a month?"),
    ("alice", "Has anyone modelled the tax impact of selling ETH now?"),
    ("bob", INJECTION),
]


async def stored(app: App, platform: str) -> list[Post]:
    async with app.db.read() as session:
        query = (
            select(Post)
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .join(Source, col(Source.id) == col(Thread.source_id))
            .where(Source.kind == platform)
            .order_by(col(Post.id))
        )
        return list((await session.exec(query)).all())


async def wait_stored(app: App, platform: str, count: int) -> list[Post]:
    for _ in range(200):
        posts = await stored(app, platform)
        if len(posts) >= count:
            return posts
        await asyncio.sleep(0.02)
    return await stored(app, platform)


async def test_discord_channel_backfill_then_live_edits_and_deletes(world: World) -> None:
    general = world.discord.channel("#general")
    for user, text in DEBATE[:3]:
        await world.discord.post_user_message(general, user, text)
    assert await stored(world.app, "discord") == [], "channels are ingested only once chosen"

    record = await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    assert "read 3 messages, 3 new" in discord_text(record)
    again = await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    assert "read 0 messages, 0 new" in discord_text(again), "the checkpoint prevents re-reading"

    for user, text in DEBATE[3:]:
        await world.discord.post_user_message(general, user, text)
    posts = await wait_stored(world.app, "discord", 5)
    # discord.py's clean_content defuses mass mentions with a zero-width space.
    assert sorted(p.text.replace("\u200b", "") for p in posts) == sorted(t for _, t in DEBATE)

    edited = await world.discord.edit_user_message(posts[0].external_id, "I support it, edited.")
    await world.discord.delete_user_message(posts[1].external_id)
    for _ in range(100):
        posts = await stored(world.app, "discord")
        if posts[0].text.endswith("edited.") and posts[1].deleted:
            break
        await asyncio.sleep(0.02)
    assert posts[0].text == "I support it, edited." and edited["id"] == posts[0].external_id
    assert posts[1].deleted
    assert len(posts) == 5, "edits and deletes never add rows"


async def test_members_summarize_the_channel_they_are_in(world: World) -> None:
    general = world.discord.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    for user, text in DEBATE:
        await world.discord.post_user_message(general, user, text)
    await wait_stored(world.app, "discord", len(DEBATE))

    record = await world.discord.invoke("summarize", {}, user="alice", channel_id=general.id)
    await record.wait_done(timeout=10)
    assert record.callback is not None and record.callback["type"] == 5, "deferred at once"
    text = discord_text(record)
    assert "Chat: #general" in text
    assert "TL;DR" in text and "Extractive summary" in text
    assert "Asked or proposed: “I propose we move 20%" in text
    assert "**Against** (bob)" in text and "**Alternative** (carol)" in text
    assert "discord.com/channels/" in text, "citations link to the messages"
    assert "@everyone" not in text
    footer = record.messages()[-1]["embeds"][-1]["footer"]["text"]
    assert footer.startswith("Offline extractive summarizer · 5 messages")


async def test_telegram_group_messages_are_stored_live(world: World) -> None:
    group = world.telegram.group
    for user, text in DEBATE:
        world.telegram.send_text(group, user, text)
    posts = await wait_stored(world.app, "telegram", len(DEBATE))
    assert sorted(p.text for p in posts) == sorted(text for _, text in DEBATE)

    alices = next(p for p in posts if p.text == DEBATE[0][1])
    world.telegram.edit_text(group, int(alices.external_id), "alice", "Edited on Telegram.")
    for _ in range(100):
        posts = await stored(world.app, "telegram")
        if any(p.text == "Edited on Telegram." for p in posts):
            break
        await asyncio.sleep(0.02)
    assert len(posts) == len(DEBATE)
    assert any(p.text == "Edited on Telegram." for p in posts)

    sources = await world.on_telegram("/sources")
    assert "telegram: Test DAO" in (sources[0].plain or "")
    summary = await world.on_telegram("/summarize")
    assert "Chat: Test DAO" in (summary[0].plain or "")


async def test_telegram_cannot_backfill_and_says_why(world: World) -> None:
    telegram_ingest = await world.on_telegram(
        f"/ingest channel {world.telegram.group.id}", user="bob", private=True
    )
    assert "does not let bots read past messages" in (telegram_ingest[0].plain or "")


async def test_summarize_without_stored_posts_explains_what_to_do(
    world: World, tmp_path: Path
) -> None:
    record = await world.on_discord("summarize", {}, user="alice")
    assert "Nothing from #general is stored yet" in discord_text(record)


async def test_threads_of_an_ingested_channel_are_stored_live(world: World) -> None:
    general = world.discord.channel("#general")
    thread = world.discord.channel("treasury-rfc")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    await world.discord.post_user_message(thread, "bob", "In the thread: I support a 10% cap.")
    posts = await wait_stored(world.app, "discord", 1)
    assert [p.text for p in posts] == ["In the thread: I support a 10% cap."]
    summary = await world.discord.invoke("summarize", {}, user="alice", channel_id=thread.id)
    await summary.wait_done(timeout=10)
    assert "Chat: #treasury-rfc" in discord_text(summary)
