"""The language model: any OpenAI-compatible endpoint, structured output, retries in one place."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from summarizer.errors import ModelError
from summarizer.schema import DebateSummary, strict_json_schema

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

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


def _openai() -> Any:
    """The openai package, imported at the first model call: it takes some 13 MB and a second
    to import, which a Steward without a model (the default) never needs."""
    import openai

    return openai


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
        self._options: dict[str, Any] = {
            "api_key": api_key,
            "base_url": base_url,
            "timeout": timeout,
            # The SDK's own retries are off: ours also cover malformed answers, and live here.
            "max_retries": 0,
        }
        self._client: openai.AsyncOpenAI | None = None
        self._attempts = attempts
        self._backoff = backoff

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def summarize(self, messages: list[dict[str, str]]) -> tuple[DebateSummary, Usage]:
        """A debate summary, in DebateSummary's shape."""
        return await self.answer(messages, DebateSummary, "debate_summary")

    async def answer(
        self, messages: list[dict[str, str]], shape: type[Answer], name: str
    ) -> tuple[Answer, Usage]:
        """An answer in `shape` (structured output, strict), retried here as every call is."""
        openai = _openai()
        retryable = (
            openai.RateLimitError,
            openai.InternalServerError,
            openai.APITimeoutError,
            openai.APIConnectionError,
        )
        last: Exception | None = None
        for attempt in range(self._attempts):
            try:
                return await self._call(messages, shape, name)
            except openai.APIStatusError as exc:
                if not isinstance(exc, retryable):
                    raise ModelError(_describe(exc), retryable=False) from exc
                last = exc
                delay = _retry_after(exc) or self._delay(attempt)
            except (*retryable, ValidationError, ValueError) as exc:
                last = exc
                delay = self._delay(attempt)
            log.warning(
                "model call failed, retrying",
                extra={"attempt": attempt + 1, "error": _describe(last)},
            )
            if attempt + 1 < self._attempts:
                await asyncio.sleep(delay)
        raise ModelError(_describe(last)) from last

    async def _call(
        self, messages: list[dict[str, str]], shape: type[Answer], name: str
    ) -> tuple[Answer, Usage]:
        response_format: Any = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": strict_json_schema(shape), "strict": True},
        }
        if self._client is None:
            self._client = _openai().AsyncOpenAI(**self._options)
        response = await self._client.chat.completions.create(
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

    def _delay(self, attempt: int) -> float:
        return min(8.0, self._backoff * 2.0**attempt) * (0.5 + random.random() / 2)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers: Any = exc.response.headers
    if milliseconds := headers.get("retry-after-ms"):
        return float(milliseconds) / 1000
    seconds = headers.get("retry-after")
    try:
        return float(seconds) if seconds else None
    except ValueError:
        return None


def _describe(exc: Exception | None) -> str:
    if isinstance(exc, _openai().APIStatusError):
        return f"HTTP {exc.status_code}: {exc.message}"
    if isinstance(exc, ValidationError):
        return "the answer did not match the summary schema"
    return f"{type(exc).__name__}: {exc}"
