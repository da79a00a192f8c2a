"""The language model: any OpenAI-compatible endpoint, structured output, retries in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel

from summarizer.openai_endpoint import OpenAIEndpoint, Wording
from summarizer.schema import DebateSummary, strict_json_schema

if TYPE_CHECKING:
    import openai

Answer = TypeVar("Answer", bound=BaseModel)

# USD per million tokens (input, output). Unknown models, such as local ones, cost nothing.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5-mini": (0.25, 2.00),
}


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int
    completion_tokens: int

    def cost(self, model: str) -> float:
        price_in, price_out = PRICES.get(model, (0.0, 0.0))
        return (self.prompt_tokens * price_in + self.completion_tokens * price_out) / 1_000_000


class LanguageModel:
    def __init__(
        self,
        *,
        model: str,
        api_key: str,
        base_url: str | None,
        timeout: float,
        attempts: int = 4,
        backoff: float = 0.5,
    ) -> None:
        self.model = model
        self._endpoint = OpenAIEndpoint(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            name="model",
            attempts=attempts,
            backoff=backoff,
            wording=Wording(detailed=True, malformed="the answer did not match the summary schema"),
        )

    async def close(self) -> None:
        await self._endpoint.close()

    async def summarize(self, messages: list[dict[str, str]]) -> tuple[DebateSummary, Usage]:
        """A debate summary, in DebateSummary's shape."""
        return await self.answer(messages, DebateSummary, "debate_summary")

    async def answer(
        self, messages: list[dict[str, str]], shape: type[Answer], name: str
    ) -> tuple[Answer, Usage]:
        """An answer in `shape` (structured output, strict), retried as every model call is."""
        return await self._endpoint.call(lambda client: self._call(client, messages, shape, name))

    async def _call(
        self,
        client: openai.AsyncOpenAI,
        messages: list[dict[str, str]],
        shape: type[Answer],
        name: str,
    ) -> tuple[Answer, Usage]:
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": strict_json_schema(shape), "strict": True},
        }
        response = await client.chat.completions.create(
            model=self.model,
            messages=cast(Any, messages),
            temperature=0,
            response_format=response_format,
        )
        content = response.choices[0].message.content if response.choices else None
        if not content:
            raise ValueError("the model returned no content")
        summary = shape.model_validate_json(content)
        usage = response.usage
        return summary, Usage(
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )
