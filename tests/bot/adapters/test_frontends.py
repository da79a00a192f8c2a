"""One command layer, three front ends: the real discord.py and python-telegram-bot clients
against protocol fakes on 127.0.0.1, and the console, all over the same app and database."""

from __future__ import annotations

import re

from tests.support.sample_feature import long_text
from tests.support.world import World, discord_fields, discord_text

WALLET = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"
CHECKSUMMED = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def pairs(text: str, names: set[str]) -> dict[str, str]:
    found = {}
    for line in text.splitlines():
        name, sep, value = line.partition(":")
        if sep and name.strip() in names:
            found[name.strip()] = value.strip()
    return found


async def test_the_same_command_gives_the_same_answer_on_all_three(world: World) -> None:
    options = {"count": 3, "wallet": WALLET, "every": "1h30m", "mood": "busy"}
    expected = {"count": "3", "wallet": CHECKSUMMED, "every": "1h30m", "mood": "busy"}

    on_discord = discord_fields(await world.on_discord("typed", options))
    on_telegram = await world.on_telegram(f"/typed 3 {WALLET} 1h30m busy")
    on_console = await world.on_console(f"/typed 3 {WALLET} 1h30m busy")

    assert on_discord == expected
    assert pairs(on_telegram[0].plain or "", set(expected)) == expected
    assert pairs(on_console, set(expected)) == expected


async def test_steward_only_commands_are_refused_to_members_on_both_platforms(
    world: World,
) -> None:
    refused = await world.on_discord("vault", user="alice")
    assert refused.ephemeral
    assert "/vault is for stewards only." in discord_text(refused)
    # bob has the Discord "Steward" role, but nobody has said it means steward yet.
    assert "/vault is for stewards only." in discord_text(
        await world.on_discord("vault", user="bob")
    )

    steward_role = world.discord.guild.role("Steward").id
    set_role = await world.on_discord(
        "config set", {"key": "steward_role", "value": f"<@&{steward_role}>"}, user="carol"
    )
    assert f"is now `{steward_role}`" in discord_text(set_role)
    allowed = await world.on_discord("vault", user="bob")
    assert discord_fields(allowed) == {"role": "STEWARD"}

    # Telegram has no ephemeral replies: the refusal goes to alice privately, not to the group.
    telegram = world.telegram
    telegram.send_text(telegram.group, "alice", "/vault")
    refusal = await telegram.wait_for("sendMessage", timeout=10)
    assert int(refusal.params["chat_id"]) == telegram.alice.id
    assert "/vault is for stewards only." in str(refusal.params["text"])
    telegram_allowed = await world.on_telegram("/vault", user="bob")
    assert "the multisig is safe" in (telegram_allowed[0].plain or "")


async def test_a_5000_character_reply_is_split_correctly_on_both(world: World) -> None:
    text = long_text(5000)

    record = await world.discord.invoke("long", {"chars": 5000}, user="alice")
    messages = await record.wait_messages(2, timeout=10)
    embeds = [e for m in messages for e in m["embeds"]]
    assert all(len(e.get("description", "")) <= 4096 for e in embeds)
    assert " ".join(e.get("description", "") for e in embeds).split() == text.split()
    # Cuts fall between paragraphs: each embed is whole paragraphs of the original.
    paragraphs = set(text.split("\n\n"))
    assert all(set(e["description"].split("\n\n")) <= paragraphs for e in embeds)

    sent = await world.on_telegram("/long 5000", replies=2)
    assert len(sent) == 2
    assert all(len(m.plain or "") <= 4096 for m in sent)
    as_seen = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    assert " ".join(m.plain or "" for m in sent).split() == ["Long", "reply", *as_seen.split()]
    # Every link arrives whole, as a link, in exactly one message.
    hrefs = [h for m in sent for h in re.findall(r'href="([^"]+)"', m.text or "")]
    assert hrefs == re.findall(r"\((https://[^)]+)\)", text)


async def test_a_slow_command_is_acknowledged_in_time_then_completed(world: World) -> None:
    record = await world.discord.invoke("slow", {"seconds": 2}, user="alice")
    await record.wait_callback(timeout=3)
    assert record.callback is not None and record.callback["type"] == 5
    assert record.latency is not None and record.latency < 2.5
    await record.wait_done(timeout=10)
    assert "done after 2s" in discord_text(record)

    messages = await world.on_telegram("/slow 2")
    assert "done after 2s" in (messages[0].plain or "")
    assert any(call.method == "sendChatAction" for call in world.telegram.sent)


async def test_a_dropped_gateway_connection_is_resumed_and_no_interaction_lost(
    world: World,
) -> None:
    async with world.discord.outage():
        pending = await world.discord.invoke("echo", {"text": "while you were away"}, user="alice")
    await pending.wait_done(timeout=10)

    assert "while you were away" in discord_text(pending)
    assert world.discord.identify_count == 1
    assert world.discord.resume_count == 1
    after = await world.on_discord("echo", {"text": "and after"})
    assert "and after" in discord_text(after)


async def test_invalid_options_get_the_same_clear_error_everywhere(world: World) -> None:
    message = "Option `wallet`: must be a 0x-prefixed 40-hex-digit address (got '0x1234')"

    record = await world.on_discord("typed", {"count": 3, "wallet": "0x1234", "every": "1h"})
    assert record.ephemeral and message in discord_text(record)
    telegram = await world.on_telegram("/typed 3 0x1234 1h", private=True)
    # Telegram shows the `code` spans as formatting, so users see the text without backticks.
    assert message.replace("`", "") in (telegram[0].plain or "")
    assert message in await world.on_console("/typed 3 0x1234 1h")


async def test_commands_are_published_with_their_types_on_both_platforms(world: World) -> None:
    commands = {c["name"]: c for c in world.discord.commands[world.discord.guild.id]}
    typed = {o["name"]: o for o in commands["typed"]["options"]}
    assert (typed["count"]["type"], typed["count"]["min_value"], typed["count"]["max_value"]) == (
        4,
        1,
        10,
    )
    assert [c["value"] for c in typed["mood"]["choices"]] == ["calm", "busy", "on-fire"]
    config = {o["name"]: o for o in commands["config"]["options"]}
    assert set(config) == {"show", "set", "reset"}
    assert config["set"]["options"][0]["autocomplete"] is True

    published = {c["command"] for c in world.telegram.my_commands()}
    assert {"help", "about", "echo", "typed"} <= published
    assert "vault" not in published and "config" not in published
    admins = {c["command"] for c in world.telegram.my_commands({"type": "all_chat_administrators"})}
    assert {"vault", "config"} <= admins


async def test_autocomplete_offers_setting_names(world: World) -> None:
    choices = await world.discord.autocomplete(
        "config set", {"key": "chan"}, focused="key", user="carol"
    )
    assert [c["value"] for c in choices] == [
        "alert_channel",
        "ingest_channels",
        "private_channels",
        "steward_channel",
    ]


async def test_telegram_offers_a_missing_choice_as_a_keyboard(world: World) -> None:
    [prompt] = await world.on_telegram("/mood", user="alice")
    assert prompt.reply_markup is not None
    buttons = [b for row in prompt.reply_markup["inline_keyboard"] for b in row]
    assert [b["text"] for b in buttons] == ["calm", "busy", "on-fire"]

    busy = next(b for b in buttons if b["text"] == "busy")
    world.telegram.press_button(
        world.telegram.group, prompt.message_id, "alice", busy["callback_data"]
    )
    await world.telegram.wait_for("answerCallbackQuery", timeout=10)
    await world.telegram.wait_for("editMessageText", timeout=10)
    [edited] = [
        m
        for m in world.telegram.messages(world.telegram.group, from_bot=True)
        if m.message_id == prompt.message_id
    ]
    assert "mood is now busy" in (edited.plain or "")


async def test_private_replies_are_ephemeral_on_discord_and_direct_on_telegram(
    world: World,
) -> None:
    record = await world.on_discord("help")
    assert record.ephemeral
    world.telegram.send_text(world.telegram.group, "alice", "/help")
    call = await world.telegram.wait_for("sendMessage", timeout=10)
    assert int(call.params["chat_id"]) == world.telegram.alice.id
    assert "/echo" in call.params["text"]


async def test_alerts_reach_every_configured_channel_without_pinging_anyone(world: World) -> None:
    alerts = world.discord.channel("#alerts")
    await world.on_discord(
        "config set", {"key": "alert_channel", "value": f"<#{alerts.id}>"}, user="carol"
    )
    telegram = world.telegram
    telegram.send_text(telegram.group, "carol", f"/config set alert_channel {telegram.group.id}")
    confirmation = await telegram.wait_for("sendMessage", timeout=10)
    assert int(confirmation.params["chat_id"]) == telegram.carol.id, "private replies go by DM"
    reply = await world.on_discord("alert", {"text": "@everyone funds moved <@&123>"}, user="carol")
    assert "queued for 2 channel(s)" in discord_text(reply)

    [posted] = world.discord.channel_messages(alerts)
    assert posted["allowed_mentions"]["parse"] == []
    assert "@everyone" not in posted["embeds"][0]["description"]
    assert "funds moved" in posted["embeds"][0]["description"]
    telegram_alert = world.telegram.messages(world.telegram.group, from_bot=True)[-1]
    assert "funds moved" in (telegram_alert.plain or "")
    assert "@everyone" not in (telegram_alert.plain or "")
    assert "funds moved" not in world.console_out.getvalue(), "the console is another community"


async def test_about_reports_each_connection(world: World) -> None:
    record = await world.on_discord("about")
    fields = discord_fields(record)
    assert fields["database"].startswith("ok")
    assert fields["discord"].startswith("ok: 1 guilds")
    assert fields["telegram"].startswith("ok: polling as @steward_bot")
    assert fields["console"].startswith("ok")


async def test_files_are_attached_on_both_platforms(world: World) -> None:
    record = await world.on_discord("export")
    [message] = record.messages()
    assert [(a["filename"], a["size"]) for a in message["attachments"]] == [("posts.csv", 26)]

    world.telegram.send_text(world.telegram.group, "alice", "/export@steward_bot")
    upload = await world.telegram.wait_for("sendDocument", timeout=10)
    document = upload.params["document"]
    assert (document.filename, document.data) == ("posts.csv", b"post,author\n1,alice\n2,bob\n")


async def test_telegram_commands_addressed_to_another_bot_are_ignored(world: World) -> None:
    world.telegram.send_text(world.telegram.group, "alice", "/echo@other_bot not for us")
    answered = await world.on_telegram("/echo@steward_bot for us")
    assert [m.plain for m in answered] == ["for us"]


async def test_telegram_flood_control_is_waited_out_not_fatal(world: World) -> None:
    # Telegram answers a burst with 429 and retry_after; PTB's AIORateLimiter waits and resends.
    world.telegram.fail_next(
        "sendMessage", 429, "Too Many Requests: retry after 1", retry_after=0.2, count=2
    )
    [reply] = await world.on_telegram("/echo still delivered")
    assert reply.plain == "still delivered"
    refused = [c for c in world.telegram.sent if c.method == "sendMessage" and c.status == 429]
    assert len(refused) == 2
