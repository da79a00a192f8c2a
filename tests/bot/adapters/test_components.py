"""Buttons that run commands, menus and forms, on the real discord.py and python-telegram-bot
clients against the protocol fakes, and on the console: the sample feature's /menu offers a
button running '/echo "hi there"', a menu of two colours and a form with one long field."""

from __future__ import annotations

from typing import Any

from tests.support.world import World, discord_text


def components(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for row in message.get("components", []):
        found += row.get("components", [])
    return found


async def test_discord_buttons_menus_and_forms_run_their_commands(world: World) -> None:
    fake = world.discord
    offered = await world.on_discord("menu")
    message = offered.original_message
    assert message is not None
    parts = {c.get("label") or c.get("placeholder"): c for c in components(message)}
    assert set(parts) == {"Say hi", "A colour", "Write"}
    assert "Next:" not in discord_text(offered), "buttons are buttons, not text to copy"

    pressed = await (await fake.click(message["id"], parts["Say hi"]["custom_id"])).wait_done(10)
    assert "hi there" in discord_text(pressed)

    menu = parts["A colour"]
    assert [o["value"] for o in menu["options"]] == ["red", "blue"] and menu["max_values"] == 2
    chosen = await fake.click(message["id"], menu["custom_id"], values=["red", "blue"], user="bob")
    assert "red,blue" in discord_text(await chosen.wait_done(10))

    opened = await (await fake.click(message["id"], parts["Write"]["custom_id"])).wait_callback(10)
    assert opened.callback is not None and opened.callback["type"] == 9, "a modal opens"
    typed = 'my "words", it\'s C:\\path and = signs'
    submitted = await fake.submit_form(opened, {"text": typed})
    assert typed in discord_text(await submitted.wait_done(10)), "read back exactly"


async def test_a_form_left_as_it_was_submits_its_default_text(world: World) -> None:
    offered = await world.on_discord("menu")
    message = offered.original_message
    assert message is not None
    write = next(c for c in components(message) if c.get("label") == "Write")
    opened = await (await world.discord.click(message["id"], write["custom_id"])).wait_callback(10)
    submitted = await (await world.discord.submit_form(opened, {})).wait_done(10)
    assert "a draft" in discord_text(submitted)


async def test_a_pressed_button_runs_as_the_member_who_pressed_it(world: World) -> None:
    # Alice's reply carries a steward-only command; bob pressing it is refused as bob would be.
    offered = await world.on_discord("menu")
    message = offered.original_message
    assert message is not None
    refused = await world.discord.click(message["id"], "st:run:/vault", user="alice")
    assert "/vault is for stewards only." in discord_text(await refused.wait_done(10))


async def test_telegram_menus_are_buttons_and_forms_are_asked_as_replies(world: World) -> None:
    telegram = world.telegram
    [offered] = await world.on_telegram("/menu")
    assert offered.reply_markup is not None
    buttons = {b["text"]: b for row in offered.reply_markup["inline_keyboard"] for b in row}
    assert set(buttons) == {"Say hi", "Red", "Blue", "Write"}

    telegram.press_button(
        telegram.group, offered.message_id, "alice", buttons["Red"]["callback_data"]
    )
    await telegram.wait_for("editMessageText", timeout=10)
    [edited] = [
        m
        for m in telegram.messages(telegram.group, from_bot=True)
        if m.message_id == offered.message_id
    ]
    assert "red" in (edited.plain or "")

    [again] = await world.on_telegram("/menu")
    markup = again.reply_markup or {}
    write = next(b for row in markup["inline_keyboard"] for b in row if b["text"] == "Write")
    telegram.press_button(telegram.group, again.message_id, "alice", write["callback_data"])
    await telegram.wait_for(
        "sendMessage", lambda c: "Your text" in str(c.params["text"]), timeout=10
    )
    [prompt] = [
        m
        for m in telegram.messages(telegram.group, from_bot=True)
        if "Your text" in (m.plain or "")
    ]
    assert (prompt.reply_markup or {}).get("force_reply") is True
    assert "a draft" in (prompt.plain or ""), "the prompt shows the text there is now"

    # Someone else's reply to the prompt is group chat, not an answer for alice's form.
    telegram.send_text(telegram.group, "bob", "not mine", reply_to=prompt.message_id)
    telegram.send_text(telegram.group, "alice", "written on Telegram", reply_to=prompt.message_id)
    await telegram.wait_for(
        "sendMessage", lambda c: "written on Telegram" in str(c.params["text"]), timeout=10
    )
    said = [m.plain or "" for m in telegram.messages(telegram.group, from_bot=True)]
    assert not any("not mine" in text for text in said)


async def test_the_console_says_what_to_type(world: World) -> None:
    shown = await world.on_console("/menu")
    assert '[Say hi] /echo "hi there"' in shown
    assert "Choose, several separated by commas: /echo text=<value>" in shown
    assert "  red (Red), blue (Blue)" in shown
    assert '[Write] /echo text="<Your text>"' in shown
