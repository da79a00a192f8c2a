"""Nothing the bot posts or stores carries bidi overrides or control characters, which could
reorder or hide what a reader sees; error replies quote at most 100 characters of a bad value."""

from __future__ import annotations

from sqlmodel import select

from bot.storage.models import CommunitySetting
from tests.support.world import World, discord_text

# "Pay evil.eth" drawn right to left, an escape sequence, a NUL and a left-to-right isolate.
TRICKS = "Pay \u202ehte.live\u202c \x1b[31mnow\x00 \u2066ok\u2069"


async def test_posts_are_stripped_of_bidi_and_control_characters(world: World) -> None:
    record = await world.on_discord("echo", {"text": TRICKS})
    shown = discord_text(record)
    assert "hte.live" in shown
    assert not any(c in shown for c in "\u202e\u202c\x1b\x00\u2066\u2069")

    [reply] = await world.on_telegram(f"/echo {TRICKS}")
    assert "hte.live" in (reply.plain or "")
    assert not any(c in (reply.text or "") for c in "\u202e\u202c\x1b\x00\u2066\u2069")

    console = await world.on_console(f"/echo {TRICKS}")
    assert "hte.live" in console and "\u202e" not in console and "\x1b" not in console


async def test_stored_names_are_stripped_too(world: World) -> None:
    record = await world.on_discord(
        "config set", {"key": "name", "value": "Evil\u202e DAO\x1b[0m\x00"}, user="carol"
    )
    assert "is now `Evil DAO[0m`" in discord_text(record)
    async with world.app.db.read() as session:
        stored = (
            await session.exec(select(CommunitySetting.value).where(CommunitySetting.key == "name"))
        ).one()
    assert stored == "Evil DAO[0m"


async def test_error_replies_quote_at_most_100_characters_of_a_bad_value(world: World) -> None:
    wallet = "0x" + "z" * 5000
    record = await world.on_discord("typed", {"count": 3, "wallet": wallet, "every": "1h"})
    text = discord_text(record)
    assert "must be a 0x-prefixed 40-hex-digit address" in text
    assert "0x" + "z" * 97 + "…" in text and "z" * 98 not in text
