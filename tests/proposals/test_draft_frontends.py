"""/draft through the real Discord and Telegram clients against the protocol fakes: a draft made
from a Discord channel, edited from Telegram, listed on Discord."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from sqlmodel import select

from cogs.proposals.draft_doc import DraftDoc, budget_lines, stated_total
from cogs.proposals.draft_models import ProposalDraftVersion
from tests.debates.test_chat_ingestion import wait_stored
from tests.fakes.telegram_server import StoredMessage
from tests.support.world import World, discord_fields, discord_text

CHAT = [
    (
        "alice",
        "I propose we pay 12,000 USDC to translators.eth for the docs translation sprint, "
        "over 3 months.",
    ),
    ("bob", "I support it, half our delegates read Spanish or Portuguese first."),
    ("carol", "I am against paying before the first language ships; the risk is rework."),
    ("bob", "Who reviews the translations before they go live?"),
]


async def test_draft_from_discord_edited_on_telegram(world: World) -> None:
    general = world.discord.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    for user, text in CHAT:
        await world.discord.post_user_message(general, user, text)
    await wait_stored(world.app, "discord", len(CHAT))

    record = await world.on_discord("draft new", {"source": f"<#{general.id}>"}, user="alice")

    text = discord_text(record)
    assert "New draft #1" in text
    assert "| 12,000 | USDC | translators.eth |" in text
    assert "discord.com/channels/" in text, "points link to the messages"
    fields = discord_fields(record)
    assert fields["Drafted"] == "offline" and "success_metrics" in fields["Still TODO"]

    replies = await world.on_telegram(
        "/draft edit summary We're paying translators.eth 12,000 USDC for three languages. id=1"
    )
    assert "summary edited (version 2)" in (replies[0].plain or "")
    async with world.app.db.read() as session:
        versions = (await session.exec(select(ProposalDraftVersion))).all()
    latest = DraftDoc.from_json(max(versions, key=lambda v: v.number).doc)
    assert latest.text("summary").startswith("We're paying translators.eth")
    assert {(v.number, v.author_platform) for v in versions} == {(1, "discord"), (2, "telegram")}
    [line] = budget_lines(latest)
    assert (line.amount, line.token, line.recipient) == (Decimal(12000), "USDC", "translators.eth")
    assert stated_total(latest) == (Decimal(12000), "USDC")

    unknown = await world.on_telegram("/draft edit budgets 1 USDC id=1", private=True)
    assert "sections: title, summary, motivation" in (unknown[0].plain or "")
    listed = await world.on_discord("draft list", {}, user="bob")
    assert "#1 · #general" in str(discord_fields(listed))
    # The console is a community of its own: it sees none of the DAO's drafts.
    assert "No drafts yet" in await world.on_console("/draft list")


async def said(world: World, words: str) -> StoredMessage:
    """The bot's latest message in the Telegram group holding `words`, once it is there."""
    for _ in range(200):
        found = [
            m
            for m in world.telegram.messages(world.telegram.group, from_bot=True)
            if words in (m.plain or "")
        ]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not say {words!r}")


def components(message: dict[str, object] | None) -> dict[str, dict[str, object]]:
    found: dict[str, dict[str, object]] = {}
    for row in (message or {}).get("components", []):  # type: ignore[union-attr]
        for item in row.get("components", []):
            found[item.get("label") or item.get("placeholder")] = item
    return found


async def test_a_section_is_edited_in_a_discord_modal_and_a_telegram_reply(world: World) -> None:
    general = world.discord.channel("#general")
    await world.on_discord("ingest channel", {"channel": general.id}, user="carol")
    for user, text in CHAT:
        await world.discord.post_user_message(general, user, text)
    await wait_stored(world.app, "discord", len(CHAT))
    await world.on_discord("draft new", {"source": f"<#{general.id}>"}, user="alice")

    # /draft show offers a menu of sections; choosing one offers the section in a form.
    shown = await world.on_discord("draft show", {"id": 1}, user="alice")
    menu = components(shown.original_message)["Edit a section"]
    assert shown.original_message is not None
    assert "risks" in [o["value"] for o in menu["options"]]  # type: ignore[union-attr]
    chosen = await world.discord.click(
        shown.original_message["id"], str(menu["custom_id"]), values=["risks"], user="alice"
    )
    offered = await chosen.wait_done(10)
    assert offered.original_message is not None or offered.followups
    message = offered.original_message or offered.followups[-1]
    button = components(message)["Edit Risks"]
    opened = await (
        await world.discord.click(message["id"], str(button["custom_id"]), user="alice")
    ).wait_callback(10)
    assert opened.callback is not None and opened.callback["type"] == 9
    [text_input] = [c for row in opened.callback["data"]["components"] for c in row["components"]]
    assert text_input["style"] == 2, "a paragraph field"
    new_risks = "Rework if a language ships late.\n- Reviewers may be scarce in August."
    saved = await (await world.discord.submit_form(opened, {"text": new_risks})).wait_done(10)
    assert "`risks` edited (version 2)" in discord_text(saved)

    # On Telegram the same form asks for a reply to its prompt, which shows the text there is.
    telegram = world.telegram
    [form] = await world.on_telegram("/draft edit summary id=1")
    keyboard = (form.reply_markup or {})["inline_keyboard"]
    [edit] = [b for row in keyboard for b in row if b["text"] == "Edit Summary"]
    telegram.press_button(telegram.group, form.message_id, "alice", edit["callback_data"])
    prompt = await said(world, "Reply to this message")
    assert "12,000" in (prompt.plain or ""), "the prompt shows the summary as it is"
    telegram.send_text(
        telegram.group, "alice", "Three languages in three months.", reply_to=prompt.message_id
    )
    await said(world, "edited (version 3)")

    async with world.app.db.read() as session:
        versions = (await session.exec(select(ProposalDraftVersion))).all()
    latest = DraftDoc.from_json(max(versions, key=lambda v: v.number).doc)
    assert latest.text("risks") == new_risks, "line breaks kept"
    assert latest.text("summary") == "Three languages in three months."
