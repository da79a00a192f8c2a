"""Embeddings through the real openai client against the fake endpoint: batches, retries, the
error at the edge, tokens counted."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from openai import AsyncOpenAI

from retrieval.vectors import normalise
from summarizer.embeddings import EmbeddingModel
from summarizer.errors import ModelError
from tests.fakes.embeddings_server import embed
from tests.fakes.openai_server import FakeOpenAI

MODEL = "text-embedding-3-small"


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(api_key="test") as server:
        yield server


def model_for(fake: FakeOpenAI, **options: object) -> EmbeddingModel:
    settings: dict[str, object] = {"attempts": 3, "backoff": 0.01, "batch_size": 4, "timeout": 5}
    settings.update(options)
    return EmbeddingModel(model=MODEL, api_key="test", base_url=fake.base_url, **settings)  # type: ignore[arg-type]


def cosine(a: list[float], b: list[float]) -> float:
    return float(normalise(a) @ normalise(b))


async def test_texts_are_embedded_in_order_in_batches_and_tokens_counted(
    fake: FakeOpenAI,
) -> None:
    texts = [f"proposal number {n} about the grants budget" for n in range(10)]
    model = model_for(fake)
    try:
        embedded = await model.embed(texts)
    finally:
        await model.close()
    assert [len(r.inputs) for r in fake.embeddings.requests] == [4, 4, 2]
    assert embedded.vectors[7] == pytest.approx(embed(texts[7]))
    assert embedded.tokens == fake.embeddings.total_tokens > 0


async def test_related_words_are_near_in_the_fake_and_unrelated_far() -> None:
    stipend = embed("The council approved a stipend for moderators")
    payout = embed("When are payouts to grantees sent?")
    logo = embed("Where is the logo file?")
    assert cosine(stipend, payout) > 0.25
    assert abs(cosine(stipend, logo)) < 0.2


async def test_the_sdks_default_base64_answer_decodes_to_the_same_vector(fake: FakeOpenAI) -> None:
    async with AsyncOpenAI(base_url=fake.base_url, api_key="test") as client:
        response = await client.embeddings.create(model=MODEL, input="treasury report")
    assert fake.embeddings.requests[-1].status == 200
    assert list(response.data[0].embedding) == pytest.approx(embed("treasury report"), abs=1e-6)


async def test_rate_limits_and_server_errors_are_retried(fake: FakeOpenAI) -> None:
    fake.embeddings.fail_next(429, retry_after_ms=10)
    fake.embeddings.fail_next(503)
    model = model_for(fake)
    try:
        embedded = await model.embed(["the grants budget"])
    finally:
        await model.close()
    assert [r.status for r in fake.embeddings.requests] == [429, 503, 200]
    assert len(embedded.vectors) == 1


async def test_a_lasting_failure_is_a_model_error_and_a_refusal_is_not_retried(
    fake: FakeOpenAI,
) -> None:
    fake.embeddings.fail_next(500, count=3)
    model = model_for(fake)
    try:
        with pytest.raises(ModelError, match="HTTP 500") as failed:
            await model.embed(["a"])
        assert failed.value.retryable
        assert len(fake.embeddings.requests) == 3
        fake.embeddings.requests.clear()
        fake.embeddings.fail_next(400)
        with pytest.raises(ModelError, match="HTTP 400") as refused:
            await model.embed(["a"])
        assert not refused.value.retryable
        assert len(fake.embeddings.requests) == 1
    finally:
        await model.close()


async def test_a_timeout_is_retried_then_reported(fake: FakeOpenAI) -> None:
    fake.embeddings.hang_next(2.0, count=2)
    model = model_for(fake, timeout=0.2, attempts=2)
    try:
        with pytest.raises(ModelError, match="Timeout"):
            await model.embed(["a"])
    finally:
        await model.close()


async def test_an_endpoint_that_is_down_is_a_model_error() -> None:
    model = EmbeddingModel(
        model=MODEL,
        api_key="x",
        base_url="http://127.0.0.1:9/v1",
        timeout=1,
        attempts=2,
        backoff=0.01,
    )
    try:
        with pytest.raises(ModelError, match="Connection"):
            await model.embed(["a"])
    finally:
        await model.close()


async def test_empty_and_huge_texts_are_sent_as_the_api_accepts_them(fake: FakeOpenAI) -> None:
    model = model_for(fake)
    try:
        embedded = await model.embed(["   ", "x " * 50_000])
    finally:
        await model.close()
    sent = fake.embeddings.requests[-1].inputs
    assert sent[0] and len(sent[1]) <= 16_000
    assert len(embedded.vectors) == 2


async def test_a_refused_key_is_reported_without_the_server_quoting_it(fake: FakeOpenAI) -> None:
    # The server's 401 text quotes the start of the key it refused; a ModelError's message can
    # reach a chat, so it says the key was refused and nothing of the key.
    model = EmbeddingModel(
        model=MODEL, api_key="sk-wrong-key-1234", base_url=fake.base_url, attempts=1, timeout=5
    )
    try:
        with pytest.raises(ModelError) as refused:
            await model.embed(["a"])
        assert str(refused.value).endswith("HTTP 401: the endpoint refused the API key")
        assert "sk-" not in str(refused.value) and not refused.value.retryable
    finally:
        await model.close()


async def test_a_retry_after_of_minutes_fails_at_once_instead_of_stalling(
    fake: FakeOpenAI,
) -> None:
    fake.embeddings.fail_next(429, count=1, retry_after_ms=600_000)
    model = model_for(fake)
    try:
        started = time.monotonic()
        with pytest.raises(ModelError, match=r"HTTP 429.*asked to wait 600 s") as limited:
            await model.embed(["a"])
        assert limited.value.retryable and time.monotonic() - started < 5
        assert len(fake.embeddings.requests) == 1
    finally:
        await model.close()
