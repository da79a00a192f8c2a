"""A day of a Discord channel summarized with a model (the OpenAI-compatible fake, through the real
openai client): topics sent once each, the answer checked like the offline summary's, the cost
recorded, and the offline summary when the model fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlmodel import select

from cogs.debates.models import Post, Summary
from summarizer.schema import ChatSummary
from tests.debates.test_chat_summaries import DAY, WINDOW, backfilled, summarize
from tests.fakes.openai_server import FakeOpenAI
from tests.summarizer.reference import reference_counter
from tests.support.world import World, discord_text

BUDGET = 8_000


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI(count_tokens=reference_counter("gpt-4o-mini"), max_prompt_tokens=BUDGET)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert fake.violations == [], "every request: within budget, schema asked, text delimited"


@pytest.fixture
def world_settings(llm: FakeOpenAI) -> dict[str, Any]:
    return {
        "llm": {
            "api_key": "test-key",
            "base_url": llm.base_url,
            "model": "gpt-4o-mini",
            "context_budget": BUDGET,
            "attempts": 2,
            "timeout": 5,
        }
    }


async def test_a_day_with_a_model_is_checked_and_costed(world: World, llm: FakeOpenAI) -> None:
    await backfilled(world)

    text = await summarize(world, target="#general", since=DAY, until=DAY)

    assert "Chat: #general · 14 Oct 2025" in text and "Extractive summary" not in text
    assert llm.requests, "the model was asked"
    # Each message of the day is sent once, inside the delimited block, never its link.
    sent = "\n".join(r.body["messages"][1]["content"] for r in llm.requests)
    day = [m for m in WINDOW.messages if m.created_at.startswith(DAY)]
    for message in day:
        first_line = message.text.split("\n")[0][:40]
        if "http" not in first_line and "<@" not in first_line:
            assert sent.count(first_line) <= 1, f"{first_line!r} sent more than once"
    assert "discord.com/channels" not in sent
    # Every citation the answer kept is a quote of the message it names.
    async with world.app.db.read() as session:
        row = (await session.exec(select(Summary))).one()
        posts = {f"P{p.id}": p for p in (await session.exec(select(Post))).all()}
    summary = ChatSummary.model_validate(row.content["summary"])
    assert summary.citations()
    for citation in summary.citations():
        assert citation.quote in posts[citation.post_id].text.replace("\u200b", "")
    for topic in summary.topics:
        assert topic.motion is not None or not topic.positions, "no sides without a motion"

    usage = await world.on_discord("usage", {}, user="carol")
    assert "/summarize · gpt-4o-mini" in str(usage.messages())


async def test_a_failing_model_falls_back_to_the_offline_summary(
    world: World, llm: FakeOpenAI
) -> None:
    await backfilled(world)
    llm.fail_next(500, count=50)

    record = await world.discord.invoke(
        "summarize", {"target": "#general", "since": DAY, "until": DAY}, user="alice"
    )
    await record.wait_done(timeout=30)
    text = discord_text(record)

    assert "Extractive summary" in text and "Decision: we roll back to v0.8.4" in text
    footer = record.messages()[-1]["embeds"][-1]["footer"]["text"]
    assert "Offline extractive summarizer" in footer and "the language model failed" in footer
