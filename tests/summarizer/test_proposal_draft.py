"""Drafting a proposal with the real openai client against the local fake: the prompt keeps posts
as data and within budget, and the answer is checked against the posts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from summarizer.llm import LanguageModel
from summarizer.proposal_draft import SectionAsk, draft_sections
from summarizer.schema import PostInput
from summarizer.tokens import TokenCounter
from tests.fakes.openai_server import FakeOpenAI, parse_prompt
from tests.summarizer.reference import reference_counter
from tests.support.debate import INJECTION, synthetic_posts

MODEL = "gpt-4o-mini"
BUDGET = 6000
SAFE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
SECTIONS = [
    SectionAsk("summary", "Summary", "What is proposed."),
    SectionAsk("budget", "Budget", "| Amount | Token | Recipient | Purpose |"),
]


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(
        count_tokens=reference_counter(MODEL), max_prompt_tokens=BUDGET
    ) as server:
        yield server
    assert server.violations == []


@pytest.fixture
async def model(fake: FakeOpenAI) -> AsyncIterator[LanguageModel]:
    language_model = LanguageModel(
        model=MODEL, api_key="test", base_url=fake.base_url, timeout=2.0, attempts=1
    )
    yield language_model
    await language_model.close()


def _posts(count: int) -> list[PostInput]:
    opening = PostInput(
        id="P-open",
        author="alice",
        text=f"We request $120k for audits, paid to {SAFE.lower()} over 3 months.",
        url="https://forum.example.org/t/audits/7/1",
    )
    return [opening, *synthetic_posts(count)]


def _answering(answer: dict[str, Any]) -> Any:
    def respond(body: dict[str, Any]) -> str:
        return json.dumps(answer)

    return respond


async def test_invented_amounts_and_addresses_become_todo(
    fake: FakeOpenAI, model: LanguageModel
) -> None:
    posts = _posts(6)
    fake.untrusted = {INJECTION, *(p.text for p in posts)}
    fake.responder = _answering(
        {
            "title": "Audits for $120k",
            "sections": [
                {
                    "key": "summary",
                    "text": f"Pay $120,000 to {SAFE} and 40 ETH to 0x{'1' * 40}, and ask bob.eth.",
                    "post_ids": ["1", "3", "99"],
                },
                {"key": "budget", "text": "| 120,000 | USD | x | audits |", "post_ids": []},
                {"key": "unknown", "text": "ignored", "post_ids": []},
            ],
        }
    )

    drafted = await draft_sections(model, TokenCounter(MODEL), BUDGET, posts, "Audits", SECTIONS)

    summary = drafted.sections["summary"]
    assert "$120,000" in summary and SAFE in summary, "in the posts, in another spelling"
    assert "40 ETH" not in summary and "1111" not in summary and "bob.eth" not in summary
    assert summary.count("TODO:") == 3
    assert set(drafted.replaced) == {"40 ETH", f"0x{'1' * 40}", "bob.eth"}
    assert drafted.cited["summary"] == ["P-open", "P1"] and drafted.dropped_citations == 1
    assert "unknown" not in drafted.sections
    assert drafted.title == "Audits for $120k"
    [call] = drafted.calls
    assert call.prompt_tokens > 0


async def test_a_long_debate_keeps_its_opening_and_latest_posts_within_budget(
    fake: FakeOpenAI, model: LanguageModel
) -> None:
    posts = _posts(400)
    fake.untrusted = {p.text for p in posts}
    fake.responder = _answering({"title": "t", "sections": []})

    drafted = await draft_sections(model, TokenCounter(MODEL), BUDGET, posts, "Audits", SECTIONS)

    [request] = fake.requests
    sent = [post.id for post in parse_prompt(request.body).posts]
    assert sent[0] == "1" and sent[-1] == str(len(posts)), "the opening and the newest post"
    assert 1 < len(sent) < len(posts) and drafted.posts_read == len(sent)
    assert request.prompt_tokens <= BUDGET
