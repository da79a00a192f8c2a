"""One OpenAI-compatible endpoint: its client, and the one bounded retry every model call in
summarizer/ goes through, which turns openai's exceptions into ModelError with a one-line message.

The SDK's own retries are off: ours also cover malformed answers, and live here. Rate limits,
5xx, timeouts and dropped connections are retried, waiting what the server's Retry-After asks
or a jittered doubling backoff; any other HTTP status is final at once (`retryable=False`).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import ValidationError

from summarizer.errors import ModelError

if TYPE_CHECKING:
    import openai

log = logging.getLogger(__name__)

Result = TypeVar("Result")

MAX_BACKOFF = 8.0  # seconds; a server's Retry-After is taken as it is, up to MAX_RETRY_AFTER
# The longest Retry-After a call waits for; a longer one fails the call at once.
MAX_RETRY_AFTER = 60.0


def load_openai() -> Any:
    """The openai package, imported at the first model call: it takes some 13 MB and a second
    to import, which a Steward without a model (the default) never needs."""
    import openai

    return openai


# Statuses whose server message is never repeated: it may quote the credentials sent.
REFUSED_CREDENTIALS = frozenset({401, 403})


@dataclass(frozen=True)
class Wording:
    """How a failure reads in ModelError. `detailed` keeps the server's message and the
    exception's type ("HTTP 400: ...", "APITimeoutError: ..."); otherwise the status alone and
    plain words ("HTTP 400", "timed out", "could not connect"). `malformed` is what an answer
    that does not match its schema reads as."""

    detailed: bool
    malformed: str

    def describe(self, exc: Exception | None) -> str:
        openai = load_openai()
        if isinstance(exc, openai.APIStatusError):
            status = f"HTTP {exc.status_code}"
            if exc.status_code in REFUSED_CREDENTIALS:
                # The server's text names the key it refused ("Incorrect API key provided:
                # sk-…xyz1"): a piece of a secret, and this message may reach a chat.
                return f"{status}: the endpoint refused the API key"
            return f"{status}: {exc.message}" if self.detailed else status
        if isinstance(exc, ValidationError):
            return self.malformed
        if self.detailed:
            return f"{type(exc).__name__}: {exc}"
        if isinstance(exc, openai.APITimeoutError):
            return "timed out"
        if isinstance(exc, openai.APIConnectionError):
            return "could not connect"
        return f"{exc}" if exc is not None else "failed"


class OpenAIEndpoint:
    """The client of one OpenAI-compatible endpoint, made at the first call, and `call`, which
    makes a request up to `attempts` times. `name` says whose calls the log lines are."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None,
        timeout: float,
        name: str = "model",
        attempts: int = 1,
        backoff: float = 0.5,
        wording: Wording = Wording(detailed=True, malformed="the answer was malformed"),
    ) -> None:
        self._options: dict[str, Any] = {
            "api_key": api_key,
            "base_url": base_url,
            "timeout": timeout,
            "max_retries": 0,  # the SDK's retries are off: ours, in `call`
        }
        self._client: openai.AsyncOpenAI | None = None
        self.name = name
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.wording = wording

    def client(self) -> openai.AsyncOpenAI:
        if self._client is None:
            self._client = load_openai().AsyncOpenAI(**self._options)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    async def call(self, request: Callable[[openai.AsyncOpenAI], Awaitable[Result]]) -> Result:
        """`request(client)`, retried on rate limits, 5xx, timeouts, dropped connections and
        answers it rejects with a ValueError (a ValidationError included); ModelError when it
        still fails, or at once on any other HTTP status. A ModelError `request` raises itself
        passes through unretried."""
        openai = load_openai()
        retryable = (
            openai.RateLimitError,
            openai.InternalServerError,
            openai.APITimeoutError,
            openai.APIConnectionError,
        )
        last: Exception | None = None
        for attempt in range(self.attempts):
            try:
                return await request(self.client())
            except openai.APIStatusError as exc:
                if not isinstance(exc, retryable):
                    raise ModelError(self.wording.describe(exc), retryable=False) from exc
                last = exc
                asked = _retry_after(exc)
                if asked is not None and asked > MAX_RETRY_AFTER:
                    # A chat command waits on this call: an hour's Retry-After is a failure
                    # now, said as such, not a stall.
                    said = f"{self.wording.describe(exc)}, asked to wait {asked:.0f} s"
                    raise ModelError(said, retryable=True) from exc
                delay = asked or self._delay(attempt)
            except (*retryable, ValueError) as exc:
                last = exc
                delay = self._delay(attempt)
            if attempt + 1 < self.attempts:
                log.warning(
                    "%s call failed, retrying",
                    self.name,
                    extra={"attempt": attempt + 1, "error": self.wording.describe(last)},
                )
                await asyncio.sleep(delay)
        raise ModelError(self.wording.describe(last)) from last

    def _delay(self, attempt: int) -> float:
        return min(MAX_BACKOFF, self.backoff * 2.0**attempt) * (0.5 + random.random() / 2)


def _retry_after(exc: openai.APIStatusError) -> float | None:
    headers: Any = exc.response.headers
    if milliseconds := headers.get("retry-after-ms"):
        return float(milliseconds) / 1000
    seconds = headers.get("retry-after")
    try:
        return float(seconds) if seconds else None
    except ValueError:
        return None
