"""A Discourse API client that stays under the forum's rate limits.

Discourse allows an admin API key 60 requests a minute and an anonymous IP 200 a minute (50 per
10 s). We pace below that by default. Retries, `Retry-After` and `extras.wait_seconds`, timeouts
and size caps are the shared HTTP client's; forums added from chat are fetched as untrusted URLs
(never a private or local address).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiolimiter import AsyncLimiter

from bot.errors import UpstreamError
from bot.http import HttpClient, HttpError

KEYED_REQUESTS_PER_MINUTE = 50
ANONYMOUS_REQUESTS_PER_MINUTE = 150
POSTS_PER_REQUEST = 20


class DiscourseClient:
    def __init__(
        self,
        base_url: str,
        http: HttpClient,
        *,
        api_key: str | None = None,
        api_username: str | None = None,
        requests_per_minute: int | None = None,
        untrusted: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = http
        self._credentials: dict[str, str] = {}
        if api_key:
            self._credentials = {"Api-Key": api_key, "Api-Username": api_username or "system"}
        rate = requests_per_minute or (
            KEYED_REQUESTS_PER_MINUTE if api_key else ANONYMOUS_REQUESTS_PER_MINUTE
        )
        # Spread over 10-second windows so bursts stay under the per-10-s IP limit too.
        self._limiter = AsyncLimiter(max(1, rate / 6), 10)
        self._untrusted = untrusted
        self.requests = 0

    async def about(self) -> dict[str, Any]:
        """What every Discourse forum answers at /about.json; raises when this is not one."""
        data = await self.get("/about.json")
        about = data.get("about")
        if not isinstance(about, dict) or "title" not in about:
            raise UpstreamError(
                "forum",
                f"{self.base_url} answered /about.json, but not as Discourse does",
                retryable=False,
            )
        return about

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
            query = "&".join(f"post_ids[]={i}" for i in batch)
            data = await self.get(f"/t/{topic_id}/posts.json?{query}")
            found.extend(data.get("post_stream", {}).get("posts", []))
        return found

    async def get(self, path: str, params: dict[str, str | int] | None = None) -> dict[str, Any]:
        async with self._limiter:
            before = self._http.requests
            try:
                data = await self._http.get_json(
                    f"{self.base_url}{path}",
                    params=params,
                    headers={"Accept": "application/json"},
                    credentials=self._credentials,
                    untrusted=self._untrusted,
                )
            except HttpError as exc:
                raise UpstreamError("forum", str(exc), retryable=exc.retryable) from exc
            finally:
                self.requests += max(1, self._http.requests - before)
        if not isinstance(data, dict):
            raise UpstreamError(
                "forum", f"{path} did not answer with a JSON object", retryable=False
            )
        return data
