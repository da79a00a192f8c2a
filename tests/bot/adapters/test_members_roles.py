"""Members joining and roles changing, through the real discord.py and python-telegram-bot
clients against the protocol fakes: what the front ends publish and what the platforms record."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.errors import UpstreamError
from bot.events import MemberJoined
from bot.frontend import RoleManager
from tests.support.world import World


async def _joins(world: World) -> asyncio.Queue[MemberJoined]:
    seen: asyncio.Queue[MemberJoined] = asyncio.Queue()
    world.app.events.subscribe_joins(seen.put)
    return seen


def _roles(world: World, platform: str) -> RoleManager:
    manager = world.app.frontends.role_manager(platform)
    assert manager is not None
    return manager


async def test_a_discord_join_is_published_with_the_system_channel(world: World) -> None:
    seen = await _joins(world)
    member = await world.discord.member_join("dave")
    joined = await asyncio.wait_for(seen.get(), 10)
    general = world.discord.channel("#general")
    assert joined.platform == "discord"
    assert (joined.space.id, joined.space.name) == (world.discord.guild.id, "Test DAO")
    assert (joined.user_id, joined.user_name) == (member.user.id, "dave")
    assert joined.channel is not None and joined.channel.id == general.id


async def test_a_discord_guild_without_a_system_channel_offers_no_channel(world: World) -> None:
    seen = await _joins(world)
    world.discord.guild.system_channel_id = None
    await world.discord.dispatch("GUILD_UPDATE", world.discord.guild.payload(gateway=False))
    await world.discord.member_join("erin")
    joined = await asyncio.wait_for(seen.get(), 10)
    assert joined.user_name == "erin" and joined.channel is None


async def test_a_telegram_join_is_published_with_the_group(world: World) -> None:
    seen = await _joins(world)
    telegram = world.telegram
    dave = telegram.add_user("dave", 1004)
    telegram.join(telegram.group, dave)
    joined = await asyncio.wait_for(seen.get(), 10)
    assert joined.platform == "telegram"
    assert joined.space.id == str(telegram.group.id)
    assert (joined.user_id, joined.user_name) == ("1004", "Dave")
    assert joined.channel is not None and joined.channel.id == str(telegram.group.id)


async def test_discord_roles_are_given_and_taken_with_the_reason_in_the_audit_log(
    world: World,
) -> None:
    fake = world.discord
    guild, alice = fake.guild, fake.user("alice")
    steward = guild.role("Steward")
    assert steward is not None
    roles = _roles(world, "discord")

    assert await roles.grant_role(guild.id, alice.id, steward.id, reason="holds 10 TEST") is None
    member = guild.member(alice.id)
    assert member is not None and steward.id in member.role_ids
    await roles.revoke_role(guild.id, alice.id, steward.id, reason="sent the tokens away")
    assert steward.id not in member.role_ids
    assert [(c.user_id, c.role_id, c.added, c.reason) for c in fake.role_changes] == [
        (alice.id, steward.id, True, "holds 10 TEST"),
        (alice.id, steward.id, False, "sent the tokens away"),
    ]


async def test_a_discord_role_above_the_bots_own_is_refused_with_the_reason(world: World) -> None:
    fake = world.discord
    admin = fake.guild.role("Admin")
    assert admin is not None
    with pytest.raises(UpstreamError, match="highest role \\(Steward Bot\\) must be above") as err:
        await _roles(world, "discord").grant_role(fake.guild.id, fake.user("alice").id, admin.id)
    assert not err.value.retryable
    assert fake.role_changes == []


async def test_a_telegram_role_is_a_one_time_invite_and_removal_lets_them_back(
    world: World,
) -> None:
    telegram = world.telegram
    gated, dave = telegram.supergroup, telegram.add_user("dave", 1004)
    roles = _roles(world, "telegram")
    space = str(telegram.group.id)

    link = await roles.grant_role(space, "1004", str(gated.id), reason="holds a badge")
    assert link is not None
    invite = telegram.invite_links[link]
    assert (invite.chat_id, invite.member_limit, invite.name) == (gated.id, 1, "holds a badge")
    assert invite.expire_date is not None and invite.expire_date > time.time() + 3600
    telegram.join_by_link(link, dave)
    assert telegram.member_status(gated, dave) == "member"
    with pytest.raises(ValueError, match="member limit"):
        telegram.join_by_link(link, "carol")
    # Already in: nothing to send.
    assert await roles.grant_role(space, "1004", str(gated.id)) is None

    await roles.revoke_role(space, "1004", str(gated.id), reason="badge sold")
    assert telegram.member_status(gated, dave) == "left"  # removed, not banned for good
    again = await roles.grant_role(space, "1004", str(gated.id))
    assert again is not None and again != link
    telegram.join_by_link(again, dave)
    assert telegram.member_status(gated, dave) == "member"


async def test_a_telegram_group_the_bot_cannot_manage_is_refused_with_the_reason(
    world: World,
) -> None:
    telegram = world.telegram
    telegram.add_user("dave", 1004)
    telegram.set_member_status(telegram.supergroup, telegram.bot_user.id, "member")
    with pytest.raises(UpstreamError, match="must be an administrator") as err:
        await _roles(world, "telegram").grant_role("x", "1004", str(telegram.supergroup.id))
    assert not err.value.retryable
    assert telegram.invite_links == {}
