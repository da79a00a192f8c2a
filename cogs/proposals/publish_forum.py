"""Posting a proposal as a new Discourse topic: `POST /posts.json` through `ctx.http`.

Authenticated with the `Api-Key` and `Api-Username` headers (an API key with write scope for
topics), sent as credentials: only to the forum's origin, never logged. Not retried: a retry
after a lost answer could open the topic twice. What the forum refuses (HTTP 422 with its
`errors`, 403 for a key without the scope) is shown in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.errors import UpstreamError, UserError
from bot.http import HttpClient, HttpError

FORUM = "the forum"


@dataclass(frozen=True)
class ForumTopic:
    topic_id: int
    post_id: int
    url: str


class ForumRefused(UserError):
    """The forum said no; `errors` are its own messages."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("The forum refused the topic: " + "; ".join(errors))
        self.errors = errors


async def create_topic(
    http: HttpClient,
    base_url: str,
    *,
    api_key: str,
    api_username: str,
    title: str,
    raw: str,
    category_id: int | None,
) -> ForumTopic:
    body: dict[str, Any] = {"title": title, "raw": raw}
    if category_id is not None:
        body["category"] = category_id
    base = base_url.rstrip("/")
    try:
        response = await http.request(
            "POST",
            f"{base}/posts.json",
            json=body,
            headers={"Accept": "application/json"},
            credentials={"Api-Key": api_key, "Api-Username": api_username},
            retry=False,
            accept={400, 403, 404, 422},
        )
        answer = response.json()
    except HttpError as exc:
        raise UpstreamError(FORUM, str(exc), retryable=exc.retryable) from exc
    if response.status != 200:
        raise ForumRefused(_errors(answer, response.status))
    try:
        topic_id, post_id = int(answer["topic_id"]), int(answer["id"])
        slug = str(answer.get("topic_slug") or "topic")
    except (KeyError, TypeError, ValueError) as exc:
        raise UpstreamError(FORUM, "answered without the new topic", retryable=False) from exc
    return ForumTopic(topic_id, post_id, f"{base}/t/{slug}/{topic_id}")


def _errors(answer: Any, status: int) -> list[str]:
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if isinstance(errors, list) and errors:
        return [str(e) for e in errors]
    return [f"HTTP {status}"]
