"""/ask with hybrid retrieval through the real app and console: the leader's job embeds the
record, the question is embedded and its nearest passages fused with full text; when the
embeddings endpoint fails the answer comes from full text alone and says so."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cogs.knowledge.ask_render import NOTHING
from cogs.knowledge.vectors import JOB_ID
from tests.fakes.openai_server import FakeOpenAI
from tests.knowledge.support import Asking
from tests.support.world import discord_text


@pytest.fixture
async def embeddings() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI() as server:
        yield server


@pytest.fixture
def world_settings(embeddings: FakeOpenAI) -> dict[str, Any]:
    # A local endpoint that takes no key, and no [llm] key: answers stay offline.
    return {
        "knowledge": {
            "embeddings_model": "text-embedding-3-small",
            "embeddings_url": embeddings.base_url,
        }
    }


async def index(asking: Asking) -> None:
    app = asking.world.app
    # On PostgreSQL the process leads once it holds the lock; only the leader indexes.
    for _ in range(100):
        if app.leadership.is_leader:
            break
        await asyncio.sleep(0.05)
    await app.scheduler.run_now(JOB_ID)


async def test_the_question_is_embedded_and_answered_from_both_rankings(
    asking: Asking, embeddings: FakeOpenAI
) -> None:
    await index(asking)
    embedded = {text for r in embeddings.embeddings.requests for text in r.inputs}
    assert any("grants budget for 2026 is 1.5M USDC" in text for text in embedded)

    out = await asking.world.on_console("/ask what is the grants budget for 2026?")
    assert embeddings.embeddings.requests[-1].inputs == ["what is the grants budget for 2026?"]
    assert "grants budget for 2026 is 1.5M USDC" in out
    assert "https://forum.test/t/grants-budget/12/40" in out
    assert "embeddings endpoint failed" not in out


async def test_a_failing_endpoint_leaves_full_text_to_answer_and_says_so(
    asking: Asking, embeddings: FakeOpenAI
) -> None:
    await index(asking)
    embeddings.embeddings.fail_next(500, count=10)
    out = await asking.world.on_console("/ask what is the grants budget for 2026?")
    assert "grants budget for 2026 is 1.5M USDC" in out
    assert "The embeddings endpoint failed, so this comes from full-text search." in out
    assert NOTHING not in out


async def test_a_private_channel_found_by_vectors_stays_hidden_from_members(
    asking: Asking, embeddings: FakeOpenAI
) -> None:
    world = asking.world
    alerts = world.discord.channel("#alerts").id
    await asking.set("private_channels", f"<#{alerts}>")
    await asking.set("steward_role", world.discord.guild.role("Steward").id)
    await index(asking)
    embedded = {text for r in embeddings.embeddings.requests for text in r.inputs}
    assert any("signer rotation" in text for text in embedded), "private passages are embedded"

    question = "when is the multisig signer rotation?"
    member = discord_text(await world.on_discord("ask", {"question": question}, user="alice"))
    assert "March 3" not in member
    assert embeddings.embeddings.requests[-1].inputs == [question], "vectors were asked"
    steward = discord_text(await world.on_discord("ask", {"question": question}, user="bob"))
    assert "March 3" in steward
