"""Telegram forum topics in the debates store through the real python-telegram-bot client
against the fake Bot API: each topic a thread of its own under the group, files kept apart from
the words, replies kept (not the topic's opening, which Telegram attaches to every topic
message), and /sources per topic."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlmodel import select

from cogs.debates.models import Source, Thread
from tests.debates.test_chat_ingestion import stored, wait_stored
from tests.support.world import World


async def eventually(check: Callable[[], Awaitable[bool]]) -> bool:
    for _ in range(250):
        if await check():
            return True
        await asyncio.sleep(0.02)
    return await check()


async def threads(world: World) -> dict[str, Thread]:
    async with world.app.db.read() as session:
        query = select(Thread).join(Source).where(Source.kind == "telegram")
        return {t.external_id: t for t in (await session.exec(query)).all()}


async def test_topics_are_threads_of_the_group_with_files_and_replies(world: World) -> None:
    fake = world.telegram
    forum = fake.forum
    budget = fake.create_topic(forum, "alice", "Budget 2027")
    grants = fake.create_topic(forum, "bob", "Grants")
    motion = fake.send_text(
        forum, "alice", "I propose a 5% cut to the events budget.", topic=budget
    )
    fake.send_document(
        forum, "bob", "budget.xlsx", mime_type="application/vnd.ms-excel", size=9000, topic=budget
    )
    fake.send_text(
        forum, "carol", "Against: events bring members.", topic=budget, reply_to=motion.message_id
    )
    fake.send_text(forum, "bob", "Grants round 3 opens Monday.", topic=grants)
    fake.send_text(forum, "carol", "gm all")  # the General topic: the group itself
    posts = await wait_stored(world.app, "telegram", 5)
    assert len(posts) == 5, "topic openings are service messages, not posts"

    rows = await threads(world)
    chat = rows[str(forum.id)]
    assert (chat.kind, chat.parent_id, chat.title) == ("channel", None, "DAO Forum")
    for topic_id, name in ((budget, "Budget 2027"), (grants, "Grants")):
        topic = rows[f"{forum.id}/{topic_id}"]
        assert (topic.kind, topic.parent_id, topic.title) == ("topic", chat.id, name)
        assert topic.live_at is not None and topic.backfilled_at is None

    by_text = {p.text: p for p in posts}
    assert by_text[""].attachments == [
        {
            "name": "budget.xlsx",
            "content_type": "application/vnd.ms-excel",
            "size": 9000,
            "url": by_text[""].attachments[0]["url"],
        }
    ]
    assert by_text["Against: events bring members."].reply_to == str(motion.message_id)
    assert by_text["I propose a 5% cut to the events budget."].reply_to is None
    assert by_text["Grants round 3 opens Monday."].reply_to is None

    # An edit in a topic keeps its thread, its reply and its title.
    against = by_text["Against: events bring members."]
    fake.edit_text(forum, int(against.external_id), "carol", "Against: events bring new members.")

    async def edited() -> bool:
        return any(p.text.endswith("new members.") for p in await stored(world.app, "telegram"))

    assert await eventually(edited)
    again = next(
        p for p in await stored(world.app, "telegram") if p.external_id == against.external_id
    )
    assert (again.thread_id, again.reply_to) == (against.thread_id, str(motion.message_id))
    assert (await threads(world))[f"{forum.id}/{budget}"].title == "Budget 2027"

    replies = await world.on_telegram("/sources", user="alice", chat=forum.id)
    text = replies[0].plain or ""
    today = datetime.now(UTC).date().isoformat()
    assert "telegram: DAO Forum" in text
    assert "4 messages in 3 channels" in text, "the file alone is not a text post"
    assert f"DAO Forum › Budget 2027 (topic): 2 messages · {today} · live since {today}" in text
    assert f"DAO Forum › Grants (topic): 1 message · {today} · live since {today}" in text
