"""An OpenAI-compatible moderation endpoint (`POST /v1/moderations`), text or an image.

The generation gatekeeper asks it about prompts and outputs when a style says so. A call that
fails raises ModelError: the caller holds the output, it never passes it unchecked.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from summarizer.errors import ModelError
from summarizer.openai_endpoint import OpenAIEndpoint, Wording

if TYPE_CHECKING:
    import openai

DEFAULT_MODERATION_MODEL = "omni-moderation-latest"


@dataclass(frozen=True)
class ModerationResult:
    flagged: bool
    categories: tuple[str, ...] = ()  # the flagged ones, e.g. ("violence", "self-harm/intent")


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
        self._endpoint = OpenAIEndpoint(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            name="moderation",
            attempts=attempts,
            backoff=backoff,
            wording=Wording(detailed=False, malformed="the moderation answer was unusable"),
        )

    async def close(self) -> None:
        await self._endpoint.close()

    async def check(self, *, text: str = "", png: bytes | None = None) -> ModerationResult:
        """Moderate `text`, a PNG, or both in one call (omni-moderation's multi-modal input)."""
        if png is None:
            payload: Any = text
        else:
            payload = [{"type": "image_url", "image_url": {"url": png_data_url(png)}}]
            if text:
                payload.insert(0, {"type": "text", "text": text})
        return await self._endpoint.call(partial(_moderate, model=self.model, payload=payload))


async def _moderate(client: openai.AsyncOpenAI, *, model: str, payload: Any) -> ModerationResult:
    """One call; an answer that is not what was asked is final (ModelError), not retried."""
    try:
        response = await client.moderations.create(input=payload, model=model)
        return _result(response)
    except (ValueError, TypeError, AttributeError) as exc:
        raise ModelError(f"the moderation answer was unusable ({exc})") from exc


def _result(response: openai.types.ModerationCreateResponse) -> ModerationResult:
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
