"""/ask on Discord and Telegram through their real clients and the protocol fakes: who may be
quoted what, follow-ups in the same place, a deleted post gone from the next answer, and a
direct message answered from the member's own community."""

from __future__ import annotations

from cogs.knowledge.ask_render import NOTHING
from tests.knowledge.support import Asking, private_note
from tests.support.world import discord_text

ROTATION = "when is the multisig signer rotation?"


async def test_a_private_channel_is_quoted_to_stewards_only(asking: Asking) -> None:
    world = asking.world
    alerts = world.discord.channel("#alerts").id
    await asking.set("private_channels", f"<#{alerts}>")
    await asking.set("steward_role", world.discord.guild.role("Steward").id)

    member = discord_text(await world.on_discord("ask", {"question": ROTATION}, user="alice"))
    assert NOTHING in member and "March 3" not in member

    steward = discord_text(await world.on_discord("ask", {"question": ROTATION}, user="bob"))
    assert "March 3" in steward and NOTHING not in steward

    # A member on the other platform is not quoted the Discord channel either.
    replies = await world.on_telegram(f"/ask {ROTATION}", user="alice")
    assert NOTHING in (replies[0].plain or "") and "March 3" not in (replies[0].plain or "")
    # Carol owns the Telegram group: a steward there.
    replies = await world.on_telegram(f"/ask {ROTATION}", user="carol")
    assert "March 3" in (replies[0].plain or "")


async def test_the_steward_channel_counts_as_private(asking: Asking) -> None:
    world = asking.world
    general = world.discord.channel("#general").id
    await asking.notes.add(asking.dao.id, private_note(f"discord:{general}"))
    await asking.set("steward_channel", f"<#{general}>")
    text = discord_text(await world.on_discord("ask", {"question": ROTATION}, user="alice"))
    # The #alerts note is not private here, the #general one is: only #alerts' is quoted.
    assert "discord.com/channels/1/9/9" in text
    rows = await asking.asks()
    cited = rows[-1].cited_keys.split("\n")
    assert asking.keys["private"] in cited and len(cited) == 1


async def test_a_follow_up_in_the_same_chat_keeps_the_question(asking: Asking) -> None:
    world = asking.world
    first = await world.on_telegram("/ask who runs the treasury committee?", user="alice")
    assert "maria and kai" in (first[0].plain or "")
    second = await world.on_telegram("/ask and when do they meet?", user="alice")
    shown = second[0].plain or ""
    assert "Following up on: “who runs the treasury committee?”" in shown
    assert "Tuesday at 15:00 UTC" in shown
    # Another member asking the same is not following anyone up.
    other = await world.on_telegram("/ask and when do they meet?", user="bob")
    assert "Following up" not in (other[0].plain or "")
    rows = await asking.asks()
    assert [r.user_id for r in rows] == [str(world.telegram.alice.id)] * 2 + [
        str(world.telegram.bob.id)
    ]
    assert rows[1].cited_keys.split("\n")[0] == asking.keys["test-dao:committee"]


async def test_a_deleted_post_is_no_longer_cited(asking: Asking) -> None:
    world = asking.world
    question = {"question": "what is the grants budget for 2026?"}
    before = discord_text(await world.on_discord("ask", question))
    assert "grants-budget/12/40" in before
    await asking.notes.delete(asking.keys["test-dao:decision"])
    after = discord_text(await world.on_discord("ask", question))
    assert "grants-budget/12/40" not in after
    assert asking.keys["test-dao:decision"] not in (await asking.asks())[-1].cited_keys


async def test_a_direct_message_is_answered_from_the_member_community(asking: Asking) -> None:
    world = asking.world
    dm = world.telegram.private("alice").id
    replies = await world.on_telegram(
        "/ask who runs the treasury committee?", user="alice", chat=dm
    )
    assert "maria and kai" in (replies[0].plain or "")
    assert (await asking.asks())[-1].community_id == asking.dao.id
