"""/draft through the real Discord and Telegram clients against the protocol fakes: a draft made
from a Discord channel, edited from Telegram, listed on Discord."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import select

from cogs.proposals.draft_doc import DraftDoc, budget_lines, stated_total
from cogs.proposals.draft_models import ProposalDraftVersion
from tests.debates.test_chat_ingestion import wait_stored
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
