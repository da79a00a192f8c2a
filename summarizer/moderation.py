"""An OpenAI-compatible moderation endpoint (`POST /v1/moderations`), text or an image.

The generation gatekeeper asks it about prompts and outputs when a style says so. A call that
fails raises ModelError: the caller holds the output, it never passes it unchecked.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from summarizer.errors import ModelError

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

DEFAULT_MODERATION_MODEL = "omni-moderation-latest"


@dataclass(frozen=True)
class ModerationResult:
    flagged: bool
    categories: tuple[str, ...] = ()  # the flagged ones, e.g. ("violence", "self-harm/intent")


def _openai() -> Any:
    """Imported at the first call, as summarizer/llm.py does: a Steward without a model never
    pays for the import."""
    import openai

    return openai


def png_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


class Moderator:
    """One moderation endpoint. `check` answers ModerationResult or raises ModelError."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        timeout: float = 20.0,
        model: str = DEFAULT_MODERATION_MODEL,
        attempts: int = 2,
        backoff: float = 0.5,
    ) -> None:
        self.model = model
        self._options: dict[str, Any] = {
            "api_key": api_key,
            "base_url": base_url,
            "timeout": timeout,
            "max_retries": 0,  # ours, below
        }
        self._client: openai.AsyncOpenAI | None = None
        self._attempts = max(1, attempts)
        self._backoff = backoff

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def check(self, *, text: str = "", png: bytes | None = None) -> ModerationResult:
        """Moderate `text`, a PNG, or both in one call (omni-moderation's multi-modal input)."""
        if png is None:
            payload: Any = text
        else:
            payload = [{"type": "image_url", "image_url": {"url": png_data_url(png)}}]
            if text:
                payload.insert(0, {"type": "text", "text": text})
        openai = _openai()
        transient = (
            openai.RateLimitError,
            openai.InternalServerError,
            openai.APITimeoutError,
            openai.APIConnectionError,
        )
        last: Exception | None = None
        for attempt in range(self._attempts):
            try:
                return await self._call(payload)
            except transient as exc:
                last = exc
            except openai.APIStatusError as exc:
                raise ModelError(_describe(exc), retryable=False) from exc
            except (ValueError, TypeError, AttributeError) as exc:
                raise ModelError(f"the moderation answer was unusable ({exc})") from exc
            log.warning("moderation call failed", extra={"attempt": attempt + 1})
            if attempt + 1 < self._attempts:
                await asyncio.sleep(self._backoff * 2.0**attempt)
        raise ModelError(_describe(last)) from last

    async def _call(self, payload: Any) -> ModerationResult:
        if self._client is None:
            self._client = _openai().AsyncOpenAI(**self._options)
        response = await self._client.moderations.create(input=payload, model=self.model)
        results = list(response.results or [])
        if not results:
            raise ValueError("no results")
        flagged = any(bool(result.flagged) for result in results)
        names: list[str] = []
        for result in results:
            categories = result.categories.model_dump(by_alias=True)
            for name, value in categories.items():
                if value is True and name not in names:
                    names.append(name)
        return ModerationResult(flagged=flagged or bool(names), categories=tuple(names))


def _describe(exc: Exception | None) -> str:
    openai = _openai()
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        return "could not connect"
    return type(exc).__name__ if exc is not None else "failed"
