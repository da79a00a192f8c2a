"""/ask offline (no model configured) through the console, Discord and Telegram: answers quoted
from the record with links, refusals that say what was searched, visibility, follow-ups."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from cogs.knowledge.ask_render import NOTHING
from tests.knowledge.support import COMMITTEE, GRANTS_DECISION, Asking


async def test_a_clear_answer_is_quoted_with_its_link_author_and_date(asking: Asking) -> None:
    out = await asking.world.on_console("/ask what is the grants budget for 2026?")
    assert "**Answer:** “After the vote, the grants budget for 2026 is 1.5M USDC" in out
    assert "[1]" in out and "https://forum.test/t/grants-budget/12/40" in out
    assert "treasury_tom" in out
    assert GRANTS_DECISION.created_at.strftime("%Y-%m-%d") in out
    # The old chatter that matches as well is quoted under it, the decision first.
    assert out.index("grants-budget/12/40") < out.index("grants-budget/12/3")
    assert "Offline" in out
    assert NOTHING not in out


async def test_a_question_the_record_has_nothing_about_is_refused(asking: Asking) -> None:
    out = await asking.world.on_console("/ask who won the chess tournament in Lisbon?")
    assert NOTHING in out
    searched = next(line for line in out.splitlines() if line.startswith("Searched: "))
    assert "notes" in searched
    assert searched.endswith("; words looked for: won, chess, tournament, lisbon.")
    assert "forum.test" not in out
    rows = await asking.asks()
    assert rows[-1].question == "who won the chess tournament in Lisbon?"
    assert rows[-1].cited_keys == ""


async def test_a_superseded_passage_says_so(asking: Asking) -> None:
    out = await asking.world.on_console("/ask where is the brand guide?")
    assert "superseded by Brand guide v2 (2026-10-01)" in out
    assert "brand.example/guide-v1" in out


async def test_dates_are_shown_in_the_community_time_zone(asking: Asking) -> None:
    console = asking.console
    await asking.world.app.communities.set(console.id, "timezone", "Pacific/Kiritimati", "", "t")
    out = await asking.world.on_console("/ask who runs the treasury committee?")
    local = COMMITTEE.created_at.astimezone(ZoneInfo("Pacific/Kiritimati"))
    assert local.strftime("%Y-%m-%d") in out


async def test_a_question_too_long_or_empty_gets_one_line(asking: Asking) -> None:
    out = await asking.world.on_console("/ask " + "why " * 130)
    assert "must be at most 500 characters" in out
    out = await asking.world.on_console("/ask")
    assert "question" in out and "Sorry" in out
    assert await asking.asks() == []


async def test_a_new_question_in_the_same_channel_is_not_a_follow_up(asking: Asking) -> None:
    world = asking.world
    await world.on_console("/ask who won the chess tournament in Lisbon?")
    out = await world.on_console("/ask where is the brand guide?")
    assert "Following up" not in out and "brand.example/guide-v1" in out
    out = await world.on_console("/ask and the logo files?")
    assert "Following up on: “where is the brand guide?”" in out
    assert "design_dana" in out and "with the logo files" in out
