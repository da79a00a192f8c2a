"""Vote announcements: once per event, to the channels subscribed to it, one forum post per
proposal on Discord, link buttons per choice while the vote is open."""

from __future__ import annotations

from sqlmodel import select

from bot.storage.models import OutboxThread
from tests.proposals.votes_support import announce_event, community_id, embeds, event, link_buttons
from tests.support.world import World


async def test_each_event_is_announced_once_where_channels_asked_for_it(world: World) -> None:
    discord, telegram = world.discord, world.telegram
    general = discord.channel("#general")
    forum = await discord.create_forum("votes")
    done = await world.on_discord(
        "proposals announce", {"channel": general.id, "events": "opened,closed"}, user="carol"
    )
    assert "opened, closed" in str(done.messages())
    await world.on_discord("proposals announce", {"channel": forum.id}, user="carol")
    group = telegram.group.id
    await world.on_telegram(f"/proposals announce {group} all", user="bob")
    community = await community_id(world)
    now = world.app.clock.now()

    for kind in ("created", "opened", "ending", "closed"):
        assert await announce_event(world, event(community, kind, now)) > 0
    # A follower seeing the same event again (a restart, a second replica) adds nothing.
    assert await announce_event(world, event(community, "opened", now)) == 0

    posts = [
        m for m in discord.channel_messages(general) if m["author"]["id"] == discord.bot_user.id
    ]
    posts = [m for m in posts if "Fund the docs sprint" in str(m.get("embeds"))]
    in_general = embeds(posts)
    assert [e["title"].split(":")[0] for e in in_general] == ["Voting is open", "Vote closed"]
    opened = posts[0]
    assert link_buttons(opened)[1:] == [
        ("Vote For", event(community, "opened", now).link),
        ("Vote Against", event(community, "opened", now).link),
        ("Vote Abstain", event(community, "opened", now).link),
    ]
    fields = {f["name"]: f["value"] for f in in_general[0]["fields"]}
    assert "For: 700 (70%)" in fields["Tally"]
    assert fields["Quorum"] == "1,000 of 800: reached"
    closed = posts[1]
    assert link_buttons(closed) == [("Open the proposal", event(community, "closed", now).link)]

    threads = [c for c in discord.guild.channels if c.parent_id == forum.id]
    assert [t.name for t in threads] == ["Fund the docs sprint"]
    in_thread = embeds(discord.channel_messages(threads[0]))
    assert len(in_thread) == 4 and in_thread[0]["title"].startswith("New proposal")
    async with world.app.db.read() as session:
        remembered = (await session.exec(select(OutboxThread.thread_id))).all()
    assert remembered == [threads[0].id]

    posted = [m.plain or "" for m in telegram.messages(group, from_bot=True)]
    announcements = [p for p in posted if "Fund the docs sprint" in p]
    assert len(announcements) == 4


async def test_a_second_proposal_gets_a_post_of_its_own(world: World) -> None:
    forum = await world.discord.create_forum("votes")
    await world.on_discord("proposals announce", {"channel": forum.id}, user="carol")
    community = await community_id(world)
    now = world.app.clock.now()
    await announce_event(world, event(community, "created", now))
    await announce_event(
        world, event(community, "created", now, proposal="snapshot:0xdef", title="Hire an auditor")
    )
    await announce_event(world, event(community, "opened", now))
    threads = {c.name: c for c in world.discord.guild.channels if c.parent_id == forum.id}
    assert set(threads) == {"Fund the docs sprint", "Hire an auditor"}
    assert len(world.discord.channel_messages(threads["Fund the docs sprint"])) == 2
    assert len(world.discord.channel_messages(threads["Hire an auditor"])) == 1


async def test_only_stewards_choose_announcement_channels(world: World) -> None:
    general = world.discord.channel("#general")
    done = await world.on_discord("proposals announce", {"channel": general.id}, user="alice")
    assert done.ephemeral
    bad = await world.on_discord(
        "proposals announce", {"channel": general.id, "events": "opened,tallied"}, user="carol"
    )
    assert "tallied" in str(bad.messages())
    stop = await world.on_discord(
        "proposals announce", {"channel": general.id, "events": "none"}, user="carol"
    )
    assert "got no vote announcements" in str(stop.messages())
