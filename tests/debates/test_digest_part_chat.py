"""The debates part of a digest from chat: Discord channels and threads and a Telegram group,
ingested live through the real clients and the protocol fakes, no model configured."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from bot.digest_parts import DigestPart, DigestRequest, Reader, Section
from tests.debates.test_chat_ingestion import wait_stored
from tests.support.world import World, discord_text

GENERAL = [
    ("alice", "I propose we move 20% of the treasury into stablecoins; our runway is 14 months."),
    ("bob", "I am against it, the depeg risk is real and we lost 3% in March."),
    ("carol", "What about a staggered diversification instead, 5% a month?"),
    ("carol", "Staggered sounds right to me, @everyone please weigh in."),
    ("alice", "Fine, staggered it is: 5% a month for four months."),
]
TELEGRAM = [
    ("alice", "Can someone review the grants budget before Friday?"),
    ("bob", "I can take the grants budget review."),
]


async def digest(world: World, start: datetime, end: datetime) -> DigestPart:
    community = await world.app.communities.by_slug("test-dao")
    assert community is not None
    request = DigestRequest(community.id, start, end, Reader("discord", "alice"))
    parts = await world.app.digest_parts.gather(request)
    return next(p for p in parts if p.source == "debates")


async def test_chat_debates_rank_link_to_their_first_new_message_and_count_per_source(
    world: World,
) -> None:
    general = world.discord.channel("#general")
    record = await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    assert "read 0 messages" in discord_text(record)
    start = datetime.now(UTC) - timedelta(minutes=1)
    first = await world.discord.post_user_message(general, *GENERAL[0])
    for user, text in GENERAL[1:]:
        await world.discord.post_user_message(general, user, text)
    thread = await world.discord.create_thread(general, "Grants", user="bob")
    await world.discord.post_user_message(thread, "bob", "Grants round two opens next week.")
    for user, text in TELEGRAM:
        world.telegram.send_text(world.telegram.group, user, text)
    await wait_stored(world.app, "discord", len(GENERAL) + 1)
    await wait_stored(world.app, "telegram", len(TELEGRAM))
    end = datetime.now(UTC) + timedelta(minutes=1)

    part = await digest(world, start, end)

    items = [i for i in part.items if i.section is Section.DEBATES]
    assert len(items) == 3
    guild = world.discord.guild.id
    assert items[0].text.startswith("**#general (Discord ")
    assert "5 new posts from 3 people (3 new)." in items[0].text
    assert items[0].url == f"https://discord.com/channels/{guild}/{general.id}/{first['id']}"
    assert items[1].text.startswith("**Telegram Test DAO** · 2 new posts")
    assert items[2].text.startswith("**#Grants in #general (Discord ")
    assert items[2].url is not None and f"/{thread.id}/" in items[2].url
    assert "@everyone" not in items[0].text
    for item in items:
        said = item.text.split(". ", 1)[1]
        assert 1 <= len(re.split(r"(?<=[.!?…])\s+(?=[“A-Z])", said)) <= 2, item.text
    assert part.model_calls == 0

    totals = {s.label.split(" ")[0]: sum(v for _, v in s.points) for s in part.series}
    assert totals == {"Discord": len(GENERAL) + 1, "Telegram": len(TELEGRAM)}
    assert all(s.chart == "activity" for s in part.series)

    later = await digest(world, end, end + timedelta(days=1))
    assert later.items == () and later.series == ()
