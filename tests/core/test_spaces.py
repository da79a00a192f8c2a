"""Whose community a command acts for: channel settings stay inside their own community, and a
direct message belongs to the member's own communities, through the real clients."""

from __future__ import annotations

from tests.fakes.discord_gateway import FakeUser
from tests.support.world import World, discord_text


async def test_a_discord_channel_setting_must_be_a_channel_of_this_server(world: World) -> None:
    other = world.discord.add_guild("Another DAO")
    await world.discord.dispatch("GUILD_CREATE", other.payload(gateway=True))
    foreign = other.channels[0]

    refused = await world.on_discord(
        "config set", {"key": "alert_channel", "value": f"<#{foreign.id}>"}, user="carol"
    )
    assert "is not in this community's server" in discord_text(refused)
    own = world.discord.channel("#alerts")
    accepted = await world.on_discord(
        "config set", {"key": "alert_channel", "value": f"<#{own.id}>"}, user="carol"
    )
    assert f"is now `{own.id}`" in discord_text(accepted)


async def test_a_telegram_group_cannot_point_its_alerts_into_another_communitys_chat(
    world: World,
) -> None:
    telegram = world.telegram
    # Mallory owns another group the bot is in: that group is a community of its own (B).
    mallory = telegram.add_user("mallory", 1666)
    telegram.set_member_status(telegram.supergroup, mallory, "creator")

    [refused] = await world.on_telegram(
        f"/config set alert_channel {telegram.group.id}",
        user="mallory",
        chat=telegram.supergroup.id,
        private=True,
    )
    assert "is not in this community's chat" in (refused.plain or "")
    [accepted] = await world.on_telegram(
        f"/config set alert_channel {telegram.supergroup.id}",
        user="mallory",
        chat=telegram.supergroup.id,
        private=True,
    )
    assert f"is now {telegram.supergroup.id}" in (accepted.plain or "")

    # B's alerts go to B's chat only; A (Test DAO, group -4001) hears nothing of them.
    b_group = await world.app.communities.resolve("telegram", str(telegram.supergroup.id), "")
    async with world.app.db.transaction() as session:
        from bot.commands.reply import Reply
        from bot.outbox import ToChannelSetting

        await world.app.outbox.enqueue(
            session,
            key="b-alert",
            community_id=b_group.id,
            reply=Reply(title="B's alert"),
            to=ToChannelSetting("alert_channel"),
        )
    await world.app.outbox.drain()
    assert any("B's alert" in (m.plain or "") for m in telegram.messages(telegram.supergroup))
    assert not any("B's alert" in (m.plain or "") for m in telegram.messages(telegram.group))


async def test_a_telegram_dm_from_someone_in_no_community_is_refused(world: World) -> None:
    telegram = world.telegram
    dave = telegram.add_user("dave", 1004)
    [reply] = await world.on_telegram("/help", user="dave", chat=telegram.private(dave).id)
    assert "You are not in any community I serve here" in (reply.plain or "")
    assert "Test DAO" not in (reply.plain or "")


async def test_a_telegram_dm_belongs_to_the_members_community(world: World) -> None:
    telegram = world.telegram
    [reply] = await world.on_telegram("/help", user="bob", chat=telegram.private("bob").id)
    assert "Steward commands for Test DAO" in (reply.plain or "")


async def test_a_member_of_two_communities_chooses_in_a_dm(world: World) -> None:
    telegram = world.telegram
    # The supergroup becomes a second community the first time it is used; alice is in both.
    telegram.set_member_status(telegram.supergroup, telegram.alice, "member")
    await world.on_telegram("/echo hello", user="alice", chat=telegram.supergroup.id)
    dm = telegram.private("alice").id

    [question] = await world.on_telegram("/help", user="alice", chat=dm)
    assert "You belong to several communities here" in (question.plain or "")
    assert question.reply_markup is not None
    buttons = [b for row in question.reply_markup["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["Test DAO", "Test DAO Supergroup"]

    telegram.press_button(dm, question.message_id, "alice", buttons[1]["callback_data"])
    answer = await telegram.wait_for(
        "editMessageText", lambda call: int(call.params["chat_id"]) == dm, timeout=10
    )
    assert "Steward commands for Test DAO Supergroup" in str(answer.params["text"])


async def test_a_discord_dm_belongs_to_the_members_community(world: World) -> None:
    record = await world.discord.invoke("help", {}, user="alice", dm=True)
    await record.wait_done(timeout=10)
    assert "Steward commands for Test DAO" in discord_text(record)


async def test_a_discord_dm_from_someone_in_no_server_of_ours_is_refused(world: World) -> None:
    stranger = FakeUser("1999000000000000001", "stranger")
    world.discord.world.extra_users.append(stranger)
    record = await world.discord.invoke("help", {}, user=stranger, dm=True)
    await record.wait_done(timeout=10)
    text = discord_text(record)
    assert "You are not in any community I serve here" in text and "Test DAO" not in text
