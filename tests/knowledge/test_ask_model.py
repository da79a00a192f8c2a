"""/ask with a model: the real openai client against tests/fakes/openai_server.py. Sentences
carry [n] markers and the cited passages are listed with links; tokens are recorded for /usage;
a follow-up sends the previous turn; a failing model or a refusing one never crashes /ask."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from bot.commands.spec import Role
from cogs.debates.models import ModelUsage
from cogs.knowledge.ask_render import NOTHING
from tests.fakes.openai_server import FakeOpenAI
from tests.knowledge.support import Asking
from tests.support.world import discord_text


@pytest.fixture
async def model() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(api_key="test") as fake:
        yield fake


@pytest.fixture
def world_settings(model: FakeOpenAI) -> dict[str, Any]:
    return {"llm": {"api_key": "test", "base_url": model.base_url, "attempts": 1}}


def ask_requests(model: FakeOpenAI) -> list[str]:
    return [json.dumps(r.body) for r in model.requests if "ask_answer" in json.dumps(r.body)]


async def test_the_model_answer_cites_passages_with_links(
    asking: Asking, model: FakeOpenAI
) -> None:
    out = await asking.world.on_console("/ask what is the grants budget for 2026?")
    assert "1.5M USDC" in out and "[1]" in out
    assert "**Sources**" in out and "https://forum.test/t/grants-budget/12/40" in out
    assert "Answered by gpt-4o-mini" in out and "Offline" not in out
    assert len(ask_requests(model)) == 1
    async with asking.world.app.db.read() as session:
        uses = (await session.exec(select(ModelUsage))).all()
    assert [(u.command, u.community_id) for u in uses] == [("ask", asking.console.id)]
    assert uses[0].prompt_tokens > 0
    rows = await asking.asks()
    assert asking.keys[f"{asking.console.slug}:decision"] in rows[-1].cited_keys.split("\n")
    assert "1.5M USDC" in rows[-1].answer


async def test_on_discord_with_the_model(asking: Asking) -> None:
    text = discord_text(
        await asking.world.on_discord("ask", {"question": "who runs the treasury committee?"})
    )
    assert "maria and kai" in text and "[1]" in text
    assert "discord.com/channels/1/2/3" in text


async def test_a_failing_model_gives_the_offline_answer_with_a_note(
    asking: Asking, model: FakeOpenAI
) -> None:
    model.fail_next(500, count=5)
    out = await asking.world.on_console("/ask what is the grants budget for 2026?")
    assert "The language model failed" in out
    assert "**Answer:**" in out and "grants-budget/12/40" in out
    assert "hit a bug" not in out and "incident" not in out


async def test_a_follow_up_sends_the_previous_turn_to_the_model(
    asking: Asking, model: FakeOpenAI
) -> None:
    world = asking.world
    await world.on_console("/ask who runs the treasury committee?")
    out = await world.on_console("/ask and when do they meet?")
    assert "Following up on: “who runs the treasury committee?”" in out
    assert "maria and kai" in out and "[1]" in out
    last = ask_requests(model)[-1]
    assert "who runs the treasury committee?" in last and "maria and kai" in last


async def test_the_model_finding_no_answer_is_a_refusal(asking: Asking, model: FakeOpenAI) -> None:
    model.answer_next({"unanswerable": True, "sentences": []})
    out = await asking.world.on_console("/ask what is the grants budget for 2026?")
    assert NOTHING in out and "do not answer it" in out
    assert "Searched: " in out
    assert (await asking.asks())[-1].cited_keys == ""


async def test_citations_that_do_not_hold_fall_back_to_the_passages(
    asking: Asking, model: FakeOpenAI
) -> None:
    invented = {
        "unanswerable": False,
        "sentences": [
            {
                "text": "The budget is 9M.",
                "citations": [{"passage": "P1", "quote": "the grants budget is 9M"}],
            }
        ],
    }
    model.answer_next(invented)
    out = await asking.world.on_console("/ask what is the grants budget for 2026?")
    assert "9M" not in out
    assert "held up" in out and "grants-budget/12/40" in out


async def test_model_use_off_for_the_community_answers_offline(
    asking: Asking, model: FakeOpenAI
) -> None:
    await asking.world.app.communities.set(asking.console.id, "ai", "off", "", "t")
    out = await asking.world.on_console("/ask what is the grants budget for 2026?", Role.MEMBER)
    assert "Model use is off" in out and "**Answer:**" in out
    assert ask_requests(model) == []
