"""A Discourse API client that stays under the forum's rate limits and outlasts its faults.

Discourse allows an admin API key 60 requests a minute and an anonymous IP 200 a minute (50 per
10 s). We pace below that by default, honour 429 answers (`Retry-After`, else
`extras.wait_seconds`), and retry 5xx, timeouts and dropped connections with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter

from bot.errors import UpstreamError

log = logging.getLogger(__name__)

KEYED_REQUESTS_PER_MINUTE = 50
ANONYMOUS_REQUESTS_PER_MINUTE = 150
POSTS_PER_REQUEST = 20
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}

Sleep = Callable[[float], Awaitable[None]]


class DiscourseClient:
    def __init__(
        self,
        base_url: str,
        session: aiohttp.ClientSession,
        *,
        api_key: str | None = None,
        api_username: str | None = None,
        requests_per_minute: int | None = None,
        timeout: float = 20.0,
        attempts: int = 6,
        backoff: float = 1.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._headers = {"Accept": "application/json"}
        if api_key:
            self._headers.update({"Api-Key": api_key, "Api-Username": api_username or "system"})
        rate = requests_per_minute or (
            KEYED_REQUESTS_PER_MINUTE if api_key else ANONYMOUS_REQUESTS_PER_MINUTE
        )
        # Spread over 10-second windows so bursts stay under the per-10-s IP limit too.
        self._limiter = AsyncLimiter(max(1, rate / 6), 10)
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._attempts = attempts
        self._backoff = backoff
        self._sleep = sleep
        self.requests = 0

    async def latest(self, page: int) -> dict[str, Any]:
        return await self.get("/latest.json", {"page": page})

    async def categories(self) -> dict[str, Any]:
        return await self.get("/categories.json")

    async def topic(self, topic_id: int) -> dict[str, Any]:
        return await self.get(f"/t/{topic_id}.json")

    async def posts(self, topic_id: int, post_ids: Sequence[int]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for start in range(0, len(post_ids), POSTS_PER_REQUEST):
            batch = post_ids[start : start + POSTS_PER_REQUEST]
            params = [("post_ids[]", str(i)) for i in batch]
            data = await self.get(f"/t/{topic_id}/posts.json", params)
            found.extend(data.get("post_stream", {}).get("posts", []))
        return found

    async def get(self, path: str, params: Any = None) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        problem = "no attempt made"
        for attempt in range(self._attempts):
            async with self._limiter:
                self.requests += 1
                try:
                    async with self._session.get(
                        url, params=params, headers=self._headers, timeout=self._timeout
                    ) as response:
                        if response.status == 200:
                            data: dict[str, Any] = await response.json(content_type=None)
                            return data
                        body = await _json_or_empty(response)
                        if response.status not in _RETRYABLE_STATUS:
                            raise UpstreamError(
                                "forum", f"{path} answered {response.status}", retryable=False
                            )
                        problem = f"{path} answered {response.status}"
                        wait = _wait_seconds(response, body) or self._delay(attempt)
                except (TimeoutError, aiohttp.ClientError) as exc:
                    problem = f"{path}: {type(exc).__name__}"
                    wait = self._delay(attempt)
            log.warning("forum request failed; retrying", extra={"problem": problem, "wait": wait})
            await self._sleep(wait)
        raise UpstreamError("forum", f"{problem} after {self._attempts} attempts")

    def _delay(self, attempt: int) -> float:
        return min(60.0, self._backoff * 2.0**attempt) * (0.5 + random.random() / 2)


async def _json_or_empty(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        data = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        return {}
    return data if isinstance(data, dict) else {}


def _wait_seconds(response: aiohttp.ClientResponse, body: dict[str, Any]) -> float | None:
    """How long a 429 asks us to wait: the longer of the header and the body, to be safe."""
    if response.status != 429:
        return None
    waits = []
    extras = body.get("extras")
    if isinstance(extras, dict) and isinstance(extras.get("wait_seconds"), int | float):
        waits.append(float(extras["wait_seconds"]))
    with contextlib.suppress(ValueError):
        waits.append(float(response.headers.get("Retry-After", "")))
    return max(waits) if waits else None
