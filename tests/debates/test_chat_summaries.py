"""A day of a Discord channel, backfilled through the real discord.py client, summarized by topic:
the window asked for in the community's time, the channel by its name, citations people can read
and follow, and "since the last summary" only between like windows."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bench.chat_labels import CHAT_DIR, ChatWindow, load_chat_window
from tests.debates.chat_replay import replay
from tests.debates.test_chat_ingestion import wait_stored
from tests.support.world import World, discord_text

WINDOW: ChatWindow = load_chat_window(CHAT_DIR / "01-testnet-halt-rollback.json")
# The window's day (UTC): 14 October 2025; its last messages are from the next morning.
DAY = "2025-10-14"


def at(message_id: int) -> datetime:
    return datetime.fromisoformat(WINDOW.message(message_id).created_at.replace("Z", "+00:00"))


async def backfilled(world: World) -> str:
    general = world.discord.channel("#general")
    await replay(world.discord, WINDOW, general)
    record = await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    assert f"read {len(WINDOW.messages)} messages" in discord_text(record)
    return general.id


async def summarize(world: World, **options: str) -> str:
    record = await world.discord.invoke("summarize", options, user="alice")
    await record.wait_done(timeout=20)
    return discord_text(record)


async def test_a_past_day_of_a_channel_by_name_with_readable_citations(world: World) -> None:
    channel_id = await backfilled(world)

    text = await summarize(world, target="#general", since=DAY, until=DAY)

    assert "Chat: #general · 14 Oct 2025" in text
    # The day holds the incident but not the next morning's messages.
    later = [m for m in WINDOW.messages if not m.created_at.startswith(DAY)]
    assert later, "the window runs past the day"
    assert all(f"/{m.id})" not in text for m in later), "nothing from outside the day is cited"
    # The decision of the day, with who took it, cited by author and local (UTC) time, linked.
    decision = WINDOW.topics[0].decisions[0]
    when = at(decision.message)
    guild = world.discord.guild.id
    link = (
        f"[mira.eth, 14 Oct {when:%H:%M}]"
        f"(https://discord.com/channels/{guild}/{channel_id}/{decision.message})"
    )
    assert re.search(r"\*\*Decided\*\*: Decision: we roll back to v0\.8\.4.*— mira\.eth", text)
    assert link in text
    # A request to someone is an action item with that person as its owner, shown by name.
    assert "To do: **kwame.dev**" in text
    assert "<@" not in text, "mentions are shown by name"

    empty = await summarize(world, target="#general", since="2025-10-13", until="2025-10-13")
    assert "No messages or posts there in 13 Oct 2025; try a longer window." in empty


async def test_the_community_time_zone_moves_the_day(world: World) -> None:
    await backfilled(world)
    await world.on_discord("config set", {"key": "timezone", "value": "Asia/Tokyo"}, user="carol")

    text = await summarize(world, target="#general", since=DAY, until=DAY)

    # 14 Oct in Tokyo ends at 15:00 UTC: the decision at 07:49 UTC is cited at 16:49 local.
    decision = WINDOW.topics[0].decisions[0]
    local = at(decision.message).astimezone(UTC).hour + 9
    assert f"[mira.eth, 14 Oct {local:02d}:" in text


async def test_since_the_last_summary_compares_like_windows_only(world: World) -> None:
    await backfilled(world)

    whole = await summarize(world, target="#general")
    assert "Since the last summary" not in whole
    other = await summarize(world, target="#general", since="800d")
    assert "Since the last summary" not in other, "the whole channel and 800 days differ"
    again = await summarize(world, target="#general", since="800d")
    assert "**Since the last summary**\n- no new topics or decisions" in again


async def test_names_resolve_and_ambiguous_names_list_the_candidates(world: World) -> None:
    general = await backfilled(world)
    alerts = world.discord.channel("#alerts")
    await world.on_discord("ingest channel", {"channel": alerts.id}, user="carol")
    thread = await world.discord.create_thread(alerts, "General", user="bob")
    await world.discord.post_user_message(thread, "bob", "I propose a general alerts rota.")
    for _ in range(100):
        listed = await summarize(world, target="#general")
        if "matches 2 channels" in listed:
            break

    assert "#general matches 2 channels:" in listed
    assert f"id {general}" in listed and f"id {thread.id}" in listed and "in #alerts" in listed
    by_id = await summarize(world, target=thread.id)
    assert "Chat: #General" in by_id and "general alerts rota" in by_id
    by_mention = await summarize(world, target=f"<#{general}>")
    assert "Chat: #general" in by_mention

    unknown = await summarize(world, target="#governance")
    assert "No stored channel is named #governance. Stored: #alerts, #general." in unknown


async def test_files_are_links_never_text_and_mentions_never_ping(world: World) -> None:
    general = world.discord.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    bob = world.discord.user("bob")
    pdf = {"filename": "incident-timeline.pdf", "content_type": "application/pdf", "size": 245_760}
    await world.discord.post_user_message(general, "alice", "", attachments=[pdf])
    await world.discord.post_user_message(
        general, "alice", f"I propose we publish the timeline today, <@{bob.id}> can you review?"
    )
    await world.discord.post_user_message(general, "bob", "+1, reviewing now @everyone")
    for _ in range(100):
        text = await summarize(world, target="#general", since="1h")
        if "2 messages" in text:
            break

    assert "#general: 2 messages from 2 people" in text, "a file alone is no text message"
    assert re.search(
        r"\*\*Files shared\*\*\n- \[incident-timeline\.pdf\]\(https?://[^)]+\) "
        r"\(application/pdf, 240\.0 KB\) — alice, ",
        text,
    )
    assert "@bob can you review?" in text and f"<@{bob.id}>" not in text
    assert "@everyone" not in text


async def test_a_telegram_topic_alone_or_with_its_group(world: World) -> None:
    fake = world.telegram
    forum = fake.forum
    budget = fake.create_topic(forum, "alice", "Budget 2027")
    motion = fake.send_text(
        forum, "alice", "I propose a 5% cut to the events budget.", topic=budget
    )
    fake.send_text(
        forum, "carol", "Against: events bring members.", topic=budget, reply_to=motion.message_id
    )
    fake.send_text(forum, "bob", "Should the newsletter move to Fridays?")
    await wait_stored(world.app, "telegram", 3)

    alone = await world.on_telegram("/summarize #budget-2027", chat=forum.id)
    text = alone[0].plain or ""
    assert text.startswith("Chat: Budget 2027")
    assert "Against (Carol)" in text and "newsletter" not in text
    links = [
        e.get("url", "")
        for m in alone
        for e in m.payload.get("entities", [])
        if e.get("type") == "text_link"
    ]
    chat = str(forum.id).removeprefix("-100")  # a private supergroup's link id
    link = f"https://t.me/c/{chat}/{motion.message_id}?thread={budget}"
    assert link in links, "citations link to the message in its topic"

    together = await world.on_telegram("/summarize", chat=forum.id)
    both = together[0].plain or ""
    assert both.startswith("Chat: DAO Forum")
    assert "5% cut to the events budget" in both and "newsletter" in both
    without = await world.on_telegram("/summarize threads=no", chat=forum.id)
    assert "events budget" not in (without[0].plain or "")


async def test_a_discord_forum_channel_is_summarized_with_its_posts(world: World) -> None:
    forum = await world.discord.create_forum("proposals")
    post, _opening = await world.discord.create_forum_post(
        forum, "alice", "RFC: cap grants at 5%", "I propose we cap grants at 5% of the treasury."
    )
    await world.discord.post_user_message(post, "bob", "Against, 5% is too little for audits.")
    await world.discord.create_forum_post(
        forum, "carol", "New logo", "I propose we vote on the three logo drafts on Friday."
    )
    record = await world.on_discord("ingest channel", {"channel": forum.id}, user="carol")
    assert "read 3 messages" in discord_text(record)

    text = await summarize(world, target="#proposals")

    assert "Chat: #proposals" in text and "2 topics" in text
    assert "cap grants at 5%" in text and "logo drafts" in text
    assert "**Against** (bob)" in text
    alone = await summarize(world, target=post.id)
    assert "Chat: #RFC: cap grants at 5%" in alone and "logo" not in alone
