"""The model-backed summarizer against a local OpenAI-compatible server, with the real client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from html import escape

import pytest

from summarizer.cache import MemoryCache
from summarizer.errors import ModelError
from summarizer.llm import LanguageModel
from summarizer.mapreduce import MapReduceSummarizer
from summarizer.tokens import TokenCounter
from tests.fakes.openai_server import FakeOpenAI
from tests.support.debate import INJECTION, synthetic_posts

MODEL = "gpt-4o-mini"
BUDGET = 6000


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    counter = TokenCounter(MODEL)
    async with FakeOpenAI(count_tokens=counter.count, max_prompt_tokens=BUDGET) as server:
        yield server
    assert server.violations == []


@pytest.fixture
async def model(fake: FakeOpenAI) -> AsyncIterator[LanguageModel]:
    language_model = LanguageModel(
        model=MODEL, api_key="test", base_url=fake.base_url, timeout=1.0, attempts=3, backoff=0.01
    )
    yield language_model
    await language_model.close()


def summarizer(model: LanguageModel, cache: MemoryCache | None = None) -> MapReduceSummarizer:
    return MapReduceSummarizer(model, TokenCounter(MODEL), cache or MemoryCache(), BUDGET)


async def test_a_long_thread_is_map_reduced_within_the_budget(
    fake: FakeOpenAI, model: LanguageModel
) -> None:
    posts = synthetic_posts(600)
    summary, provenance, log = await summarizer(model).summarize(posts, "Treasury RFC")

    kinds = fake.calls_by_kind()
    assert kinds["map"] >= 4 and kinds["reduce"] >= 1
    assert all(r.prompt_tokens <= BUDGET for r in fake.requests)
    assert provenance.model_calls == len(log.calls) == kinds["map"] + kinds["reduce"]
    assert provenance.prompt_tokens == fake.total_prompt_tokens
    texts = {p.id: p.text for p in posts}
    assert summary.citations(), "the summary cites posts"
    for citation in summary.citations():
        assert citation.quote.lower() in texts[citation.post_id].lower()
    assert {p.stance for p in summary.positions} == {"for", "against", "alternative"}


async def test_resummarizing_after_new_posts_sends_only_the_new_material(
    fake: FakeOpenAI, model: LanguageModel
) -> None:
    cache = MemoryCache()
    posts = synthetic_posts(600)
    _, earlier, _ = await summarizer(model, cache).summarize(posts, "Treasury RFC")
    first = fake.total_prompt_tokens
    posts_tokens = sum(TokenCounter(MODEL).count(p.text) for p in posts)

    more = posts + synthetic_posts(20, start=600)
    _, provenance, _ = await summarizer(model, cache).summarize(
        more, "Treasury RFC", earlier.boundaries
    )
    second = fake.total_prompt_tokens - first

    assert provenance.cached_chunks >= len(earlier.boundaries), "every earlier chunk is reused"
    assert fake.calls_by_kind()["map"] == len(earlier.boundaries) + 1, "one map call: the new posts"
    assert second < first / 4
    assert first > posts_tokens  # the first run paid for the whole thread


async def test_posts_are_data_not_instructions(fake: FakeOpenAI, model: LanguageModel) -> None:
    posts = [
        *synthetic_posts(5),
        synthetic_posts(1, start=99)[0].model_copy(update={"id": "P99", "text": INJECTION}),
    ]
    fake.untrusted = {escape(INJECTION), *(escape(p.text) for p in posts)}
    summary, _, _ = await summarizer(model).summarize(posts, "Treasury RFC")
    assert fake.violations == []
    request = fake.requests[-1].body
    system = request["messages"][0]["content"]
    assert INJECTION not in system
    assert "@everyone" not in summary.tldr


@pytest.mark.parametrize("fault", ["429", "500", "timeout", "malformed"])
async def test_transient_faults_are_retried(
    fake: FakeOpenAI, model: LanguageModel, fault: str
) -> None:
    if fault == "429":
        fake.fail_next(429, retry_after_ms=20)
    elif fault == "500":
        fake.fail_next(500)
    elif fault == "timeout":
        fake.hang_next(3)
    else:
        fake.malformed_next()
    summary, provenance, _ = await summarizer(model).summarize(synthetic_posts(10), "RFC")
    assert summary.tldr
    assert len(fake.requests) == 2
    assert provenance.model_calls == 1


async def test_a_model_that_keeps_failing_raises_an_upstream_error(
    fake: FakeOpenAI, model: LanguageModel
) -> None:
    fake.fail_next(503, count=5)
    with pytest.raises(ModelError, match="HTTP 503"):
        await summarizer(model).summarize(synthetic_posts(10), "RFC")
    assert len(fake.requests) == 3
