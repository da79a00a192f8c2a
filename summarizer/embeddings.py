"""Embeddings from any OpenAI-compatible endpoint: batched, retried in one place, tokens counted.

Hybrid retrieval for /ask (cogs/knowledge/vectors.py) embeds passages and questions here. No
model is ever downloaded: the vectors come from the configured endpoint (OpenAI, or a local
server speaking its API), and a failing endpoint is a ModelError the caller falls back from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from summarizer.openai_endpoint import OpenAIEndpoint

if TYPE_CHECKING:
    import openai

# USD per million input tokens. Unknown models, such as local ones, cost nothing.
PRICES: dict[str, float] = {
    "text-embedding-3-small": 0.02,
    "text-embedding-3-large": 0.13,
    "text-embedding-ada-002": 0.10,
}
# OpenAI's limits: 2,048 inputs a request, 8,192 tokens an input. A passage longer than the
# limit is cut (its start is what it is about); batches stay well under the request limits.
MAX_INPUT_CHARS = 16_000


@dataclass(frozen=True)
class Embedded:
    """Vectors in the order of the texts, and the input tokens the endpoint billed."""

    vectors: list[list[float]]
    tokens: int


class EmbeddingModel:
    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None,
        timeout: float,
        attempts: int = 4,
        backoff: float = 0.5,
        batch_size: int = 64,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self._endpoint = OpenAIEndpoint(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            name="embeddings",
            attempts=attempts,
            backoff=backoff,
        )

    async def close(self) -> None:
        await self._endpoint.close()

    def cost(self, tokens: int) -> float:
        return tokens * PRICES.get(self.model, 0.0) / 1_000_000

    async def embed(self, texts: Sequence[str]) -> Embedded:
        """One vector per text, `batch_size` texts a request; ModelError when a batch still
        fails after its retries (the vectors of earlier batches are then lost with it: callers
        hand in what they can store at once)."""
        vectors: list[list[float]] = []
        tokens = 0
        for start in range(0, len(texts), self.batch_size):
            batch = [_input(text) for text in texts[start : start + self.batch_size]]
            embedded = await self._endpoint.call(partial(_embed, model=self.model, batch=batch))
            vectors += embedded.vectors
            tokens += embedded.tokens
        return Embedded(vectors, tokens)


async def _embed(client: openai.AsyncOpenAI, *, model: str, batch: list[str]) -> Embedded:
    # Floats, not the SDK's default base64: every OpenAI-compatible server speaks floats.
    response = await client.embeddings.create(model=model, input=batch, encoding_format="float")
    ordered = sorted(response.data, key=lambda item: item.index)
    if [item.index for item in ordered] != list(range(len(batch))):
        raise ValueError(f"{len(ordered)} embeddings came back for {len(batch)} texts")
    vectors = [list(item.embedding) for item in ordered]
    dims = {len(vector) for vector in vectors}
    if len(dims) > 1 or 0 in dims:
        raise ValueError("the embeddings differ in length or are empty")
    usage = response.usage
    return Embedded(vectors, usage.prompt_tokens if usage else 0)


def _input(text: str) -> str:
    """What is sent for a text: never empty (the API refuses ""), never past the input limit."""
    text = text.strip()[:MAX_INPUT_CHARS]
    return text or "(empty)"
