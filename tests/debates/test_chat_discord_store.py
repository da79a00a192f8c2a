"""Discord discussion in the debates store through the real discord.py client against the fake
Discord: a channel's threads and a forum channel's posts backfilled and followed live under
their channel, attachments, mentions and replies kept, and /sources per channel."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlmodel import select

from cogs.debates.models import Source, Thread
from tests.debates.test_chat_ingestion import stored, wait_stored
from tests.support.world import World, discord_fields, discord_text


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    for _ in range(250):
        if await check():
            return True
        await asyncio.sleep(0.02)
    return await check()


async def threads(world: World) -> dict[str, Thread]:
    async with world.app.db.read() as session:
        query = select(Thread).join(Source).where(Source.kind == "discord")
        return {t.external_id: t for t in (await session.exec(query)).all()}


def today() -> str:
    return datetime.now(UTC).date().isoformat()


async def test_a_channels_threads_are_backfilled_and_followed_under_it(world: World) -> None:
    fake = world.discord
    general = fake.channel("#general")
    thread = await fake.create_thread(general, "fee-switch", user="bob")
    await fake.post_user_message(general, "alice", "Should we turn the fee switch on?")
    await fake.post_user_message(thread, "bob", "In the thread: yes, at 10%.")
    await fake.post_user_message(thread, "carol", "In the thread: 5% first.")

    record = await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    assert "read 3 messages, 3 new" in discord_text(record), "the thread is read with it"
    rows = await threads(world)
    assert (rows[thread.id].kind, rows[thread.id].parent_id) == ("thread", rows[general.id].id)
    assert rows[thread.id].title == "#fee-switch"
    assert rows[general.id].backfilled_at is not None and rows[thread.id].backfilled_at
    assert rows[general.id].live_at is None and rows[thread.id].live_at is None
    assert rows[thread.id].checkpoint is None, "the channel read holds the checkpoint"

    again = await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    assert "read 0 messages, 0 new" in discord_text(again)

    await fake.post_user_message(thread, "alice", "Live in the thread: agreed on 5%.")
    await wait_stored(world.app, "discord", 4)

    async def followed() -> bool:
        return (await threads(world))[thread.id].live_at is not None

    assert await eventually(followed)
    assert (await threads(world))[general.id].live_at is None, "nothing live in #general yet"

    fields = discord_fields(await world.on_discord("sources"))
    lines = fields["discord: Test DAO"].splitlines()
    assert lines[0] == "4 messages in 2 channels"
    assert lines[1] == (
        f"#general › #fee-switch: 3 messages · {today()} · backfilled {today()} "
        f"+ live since {today()}"
    )
    assert lines[2] == f"#general: 1 message · {today()} · backfilled {today()}"


async def test_forum_posts_are_stored_under_the_forum(world: World) -> None:
    fake = world.discord
    forum = await fake.create_forum("proposals")
    post, _ = await fake.create_forum_post(
        forum, "alice", "RFC: cap grants at 5%", "I propose a 5% cap on grants."
    )
    record = await world.on_discord("ingest channel", {"channel": forum.id}, user="carol")
    assert "read 1 messages, 1 new" in discord_text(record)
    later, _ = await fake.create_forum_post(
        forum, "bob", "RFC: a grants committee", "A committee of three should decide."
    )
    await fake.post_user_message(post, "bob", "Against: 5% is too low.", reply_to=post.id)
    posts = await wait_stored(world.app, "discord", 3)
    assert [p.reply_to for p in posts] == [None, None, post.id]

    rows = await threads(world)
    assert (rows[forum.id].kind, rows[forum.id].title) == ("forum", "#proposals")
    for post_id in (post.id, later.id):
        assert (rows[post_id].kind, rows[post_id].parent_id) == ("forum_post", rows[forum.id].id)
    assert rows[post.id].title == "#RFC: cap grants at 5%"
    assert rows[later.id].backfilled_at is None and rows[later.id].live_at is not None

    lines = discord_fields(await world.on_discord("sources"))["discord: Test DAO"].splitlines()
    assert lines[0] == "3 messages in 3 channels"
    assert lines[1].startswith("#proposals › #RFC: cap grants at 5% (forum post): 2 messages")
    assert lines[2].startswith("#proposals › #RFC: a grants committee (forum post): 1 message")
    assert lines[3] == f"#proposals (forum): 0 messages · backfilled {today()}"


async def test_attachments_mentions_and_replies_from_discord(world: World) -> None:
    fake = world.discord
    general = fake.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    bob = fake.user("bob")
    first = await fake.post_user_message(
        general,
        "alice",
        f"<@{bob.id}> the budget is attached",
        attachments=[{"filename": "budget.pdf", "content_type": "application/pdf", "size": 4096}],
    )
    await fake.post_user_message(
        general,
        "bob",
        "",
        attachments=[{"filename": "chart.png", "content_type": "image/png", "size": 512}],
        reply_to=first["id"],
    )
    posts = await wait_stored(world.app, "discord", 2)
    assert [(a["name"], a["content_type"], a["size"]) for a in posts[0].attachments] == [
        ("budget.pdf", "application/pdf", 4096)
    ]
    assert str(posts[0].attachments[0]["url"]).endswith("/budget.pdf")
    assert "budget.pdf" not in posts[0].text
    assert [(m["id"], m["kind"]) for m in posts[0].mentions] == [(bob.id, "user")]
    assert (posts[1].text, posts[1].reply_to) == ("", first["id"])
    assert [a["name"] for a in posts[1].attachments] == ["chart.png"]

    await fake.edit_user_message(first["id"], f"<@{bob.id}> the budget v2 is attached")

    async def edited() -> bool:
        return "v2" in (await stored(world.app, "discord"))[0].text

    assert await eventually(edited)
    after = await stored(world.app, "discord")
    assert [a["name"] for a in after[0].attachments] == ["budget.pdf"], "kept by the edit"
    assert after[1].reply_to == first["id"]
    lines = discord_fields(await world.on_discord("sources"))["discord: Test DAO"].splitlines()
    assert lines[0] == "1 message in 1 channel", "the attachment-only reply is not counted"
