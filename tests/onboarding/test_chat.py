"""Onboarding through the real Discord and Telegram clients: the welcome on a join, /onboard by
buttons on Telegram and by options on Discord, the directory by role, and /forget."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from sqlmodel import SQLModel, select

from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.events import MemberJoined
from bot.storage.models import OutboxMessage
from cogs.onboarding.models import ContributorProfile
from tests.fakes.telegram_server import StoredMessage
from tests.onboarding.support import flows, profiles
from tests.support.world import World, discord_fields, discord_text


async def until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10.0
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition did not come true in time")
        await asyncio.sleep(0.02)


def bot_messages(world: World, chat: int) -> list[StoredMessage]:
    return world.telegram.messages(chat, from_bot=True)


async def press(world: World, chat: int, label: str, user: str = "alice") -> StoredMessage:
    """Tap the button labelled `label` on the bot's last message in `chat`; the message as the
    bot edited it, or its next message."""
    before = bot_messages(world, chat)
    last = before[-1]
    keyboard = (last.reply_markup or {}).get("inline_keyboard", [])
    (data,) = [b["callback_data"] for row in keyboard for b in row if b["text"] == label]
    edits = sum(1 for c in world.telegram.sent if c.method.lower() == "editmessagetext")
    world.telegram.press_button(chat, last.message_id, user, data)
    await until(
        lambda: (
            len(bot_messages(world, chat)) > len(before)
            or sum(1 for c in world.telegram.sent if c.method.lower() == "editmessagetext") > edits
        )
    )
    return bot_messages(world, chat)[-1]


def labels(message: StoredMessage) -> list[str]:
    keyboard = (message.reply_markup or {}).get("inline_keyboard", [])
    return [b["text"] for row in keyboard for b in row]


async def test_a_telegram_join_is_welcomed_once_and_its_button_starts_onboarding(
    world: World,
) -> None:
    telegram = world.telegram
    group = telegram.group
    dave = telegram.add_user("dave", 1004, first_name="Dave <@&123> @everyone")
    telegram.join(group, dave)
    await until(lambda: len(bot_messages(world, group.id)) >= 1)
    # The same join seen again (a front end replaying it) adds no second welcome.
    await world.app.events.publish_join(
        MemberJoined(
            "telegram",
            Space("telegram", str(group.id), "Test DAO"),
            str(dave.id),
            "Dave",
            ChannelRef("telegram", str(group.id), "Test DAO"),
        )
    )
    await asyncio.sleep(0.3)
    (welcome,) = bot_messages(world, group.id)
    text = welcome.plain or ""
    assert "Welcome to Test DAO, Dave" in text and "/onboard" in text
    assert "@everyone" not in text and "<@&123>" not in text
    assert labels(welcome) == ["Start onboarding"]
    async with world.app.db.read() as session:
        (row,) = (await session.exec(select(OutboxMessage))).all()
    assert str(dave.id) not in row.key

    dm = telegram.private(dave).id
    keyboard = (welcome.reply_markup or {})["inline_keyboard"]
    telegram.press_button(group, welcome.message_id, dave, keyboard[0][0]["callback_data"])
    await until(lambda: len(bot_messages(world, dm)) == 1)
    assert "step 1 of 7" in (bot_messages(world, dm)[0].plain or "")


async def test_a_discord_join_is_welcomed_in_the_system_channel(world: World) -> None:
    discord = world.discord
    general = discord.channel("#general")
    before = len(discord.channel_messages(general))
    await discord.member_join("dave")
    await until(lambda: len(discord.channel_messages(general)) > before)
    await asyncio.sleep(0.3)
    (welcome,) = discord.channel_messages(general)[before:]
    text = " ".join(e.get("description") or "" for e in welcome.get("embeds", []))
    assert "Welcome to Test DAO, dave" in text and "/onboard" in text


async def test_onboarding_on_telegram_by_buttons(world: World) -> None:
    telegram = world.telegram
    dm = telegram.private("alice").id
    (first,) = await world.on_telegram("/onboard", private=True)
    assert "step 1 of 7" in (first.plain or "")
    assert labels(first) == ["Use Alice", "Type my answer"]
    step = await press(world, dm, "Use Alice")
    assert "step 2 of 7" in (step.plain or "")
    step = await press(world, dm, "solidity")
    step = await press(world, dm, "data")
    assert "Chosen so far: solidity, data." in (step.plain or "")
    step = await press(world, dm, "Done")
    assert "step 3 of 7" in (step.plain or "")
    step = await press(world, dm, "Europe/Berlin")
    step = await press(world, dm, "10 h")
    step = await press(world, dm, "Skip")
    assert "step 6 of 7" in (step.plain or "")
    # Words are typed as a reply to the form's prompt.
    prompt = await press(world, dm, "Type my answer")
    assert (prompt.reply_markup or {}).get("force_reply") is True
    telegram.send_text(dm, "alice", "dashboards of treasury flows", reply_to=prompt.message_id)
    await until(lambda: "step 7 of 7" in (bot_messages(world, dm)[-1].plain or ""))
    done = await press(world, dm, "Yes, suggest me")
    assert "Welcome aboard" in (done.plain or "")
    (profile,) = await profiles(world.app)
    assert (profile.platform, profile.user_id) == ("telegram", str(telegram.alice.id))
    assert profile.skills == ["solidity", "data"] and profile.github == ""
    assert profile.interests == "dashboards of treasury flows"


def components(message: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The buttons and menus on a Discord message, by label (a menu by its placeholder)."""
    found = {}
    for row in (message or {}).get("components", []):
        for item in row.get("components", []):
            found[item.get("label") or item.get("placeholder")] = item
    return found


async def test_onboarding_on_discord_by_menu_buttons_and_forms(world: World) -> None:
    discord = world.discord
    step = await world.on_discord("onboard", {}, user="alice")

    async def use(label: str, values: list[str] | None = None, typed: str | None = None) -> Any:
        message = step.original_message or step.followups[-1]
        item = components(message)[label]
        pressed = await discord.click(message["id"], item["custom_id"], values=values)
        if typed is not None:
            opened = await pressed.wait_callback(10)
            assert opened.callback is not None and opened.callback["type"] == 9
            pressed = await discord.submit_form(opened, {"value": typed})
        return await pressed.wait_done(10)

    assert "step 1 of 7" in discord_text(step)
    step = await use("Type my answer", typed="Alice Müller")
    assert "step 2 of 7" in discord_text(step)
    menu = components(step.original_message)["Choose your skills"]
    assert menu["max_values"] == len(menu["options"]) >= 10
    step = await use("Choose your skills", values=["solidity", "data"])
    assert "step 3 of 7" in discord_text(step), "several skills at once finish the step"
    step = await use("Europe/Berlin")
    step = await use("10 h")
    step = await use("Type my answer", typed="alice-dev")
    step = await use("Type my answer", typed="dashboards of treasury flows")
    step = await use("Yes, suggest me")
    assert "Welcome aboard" in discord_text(step)
    (profile,) = await profiles(world.app)
    assert profile.display_name == "Alice Müller" and profile.skills == ["solidity", "data"]
    assert (profile.github, profile.hours_per_week) == ("alice-dev", 10)
    assert profile.interests == "dashboards of treasury flows"


async def onboard_on_discord(world: World, user: str, answers: list[str]) -> None:
    first = await world.on_discord("onboard", {}, user=user)
    assert first.ephemeral and "step 1 of 7" in discord_text(first)
    for value in answers:
        record = await world.on_discord("onboard", {"action": "answer", "value": value}, user=user)
        assert record.ephemeral, discord_text(record)
        assert "Sorry" not in discord_text(record), discord_text(record)


ALICE = ["Alice", "solidity, security", "Europe/Berlin", "20", "alice-dev", "audits", "yes"]


async def test_discord_directory_by_role_and_forget(world: World) -> None:
    discord = world.discord
    general = discord.channel("#general")
    alice_id = discord.user("alice").id
    await world.app.events.publish_join(
        MemberJoined(
            "discord",
            Space("discord", discord.guild.id, "Test DAO"),
            alice_id,
            "alice",
            ChannelRef("discord", general.id, "general"),
        )
    )
    await until(lambda: len(discord.channel_messages(general)) == 1)
    await onboard_on_discord(world, "alice", ALICE)
    refused = await world.on_discord(
        "onboard", {"action": "answer", "value": "Bob <@&1>"}, user="bob"
    )
    assert "no onboarding in progress" in discord_text(refused)
    await world.on_discord("onboard", {}, user="bob")
    refused = await world.on_discord(
        "onboard", {"action": "answer", "value": "Bob <@&1>"}, user="bob"
    )
    assert "cannot contain `@` or `<`" in discord_text(refused)
    pings = "logos for @everyone <@&42> and <@999>"
    bob = ["Bob", "design done", "UTC", "5", "skip", pings, "no"]
    for value in bob:
        await world.on_discord("onboard", {"action": "answer", "value": value}, user="bob")
    assert await flows(world.app) == []

    member_view = await world.on_discord("contributors", {"skill": "solidity"}, user="bob")
    fields = discord_fields(member_view)
    assert list(fields) == ["Alice"]
    assert "solidity, security" in fields["Alice"] and "Europe/Berlin" not in fields["Alice"]
    steward_view = await world.on_discord("contributors", {"skill": "solidity"}, user="carol")
    assert "Europe/Berlin" in discord_fields(steward_view)["Alice"]
    assert "20 h/week" in discord_fields(steward_view)["Alice"]

    whois = await world.on_discord("whois", {"who": f"<@{alice_id}>"}, user="bob")
    whois_fields = discord_fields(whois)
    assert whois_fields.get("Skills") == "solidity, security" and "GitHub" not in whois_fields
    whois_steward = await world.on_discord("whois", {"who": f"<@{alice_id}>"}, user="carol")
    assert discord_fields(whois_steward)["GitHub"] == "alice-dev"
    bob_id = world.discord.user("bob").id
    shown = discord_fields(await world.on_discord("whois", {"who": f"<@{bob_id}>"}, user="alice"))
    assert "logos for" in shown["Wants to work on"]
    for ping in ("@everyone", "<@&42>", "<@999>"):
        assert ping not in shown["Wants to work on"]
    unknown = await world.on_discord("contributors", {"skill": "juggling"}, user="bob")
    assert "Unknown skill 'juggling'" in discord_text(unknown)

    ask = await world.on_discord("forget", {}, user="alice")
    assert "Forget you?" in discord_text(ask)
    assert await profiles(world.app, user_id=alice_id)
    # The confirmation is a button on Discord: pressing it runs "/forget confirm" as alice.
    assert ask.original_message is not None
    press = await world.discord.click(
        ask.original_message["id"], "st:run:/forget confirm", user="alice"
    )
    done = await press.wait_done(10)
    assert "Forgotten" in discord_text(done)
    assert await rows_naming(world, alice_id, "Alice") == []
    # The outbox forgot her welcome too (delivered, it only kept it from being repeated).
    async with world.app.db.read() as session:
        posts = (await session.exec(select(OutboxMessage))).all()
    assert [p for p in posts if alice_id in str(p.model_dump()) or "alice" in str(p.reply)] == []
    after = await world.on_discord("contributors", {}, user="carol")
    assert "Alice" not in discord_text(after)


async def rows_naming(world: World, user_id: str, name: str) -> list[tuple[str, dict[str, object]]]:
    """Every row of every onboarding table that holds the member's id or name."""
    tables = [
        model
        for model in SQLModel.__subclasses__()
        if model.__module__.startswith("cogs.onboarding") and hasattr(model, "__table__")
    ]
    assert ContributorProfile in tables
    found = []
    async with world.app.db.read() as session:
        for model in tables:
            for row in (await session.exec(select(model))).all():
                values = row.model_dump()
                if any(user_id in str(v) or name in str(v) for v in values.values()):
                    found.append((model.__name__, values))
    return found
