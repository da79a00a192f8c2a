"""Chat windows written for the summarizer's tests: a message a line, with replies and times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from summarizer.schema import PostInput

START = datetime(2026, 4, 29, 14, 0, tzinfo=UTC)


class Chat:
    """Builds a window: `say("alice", "text", reply=3, minutes=2)` adds a message `minutes`
    after the last one and returns its id."""

    def __init__(self) -> None:
        self.posts: list[PostInput] = []
        self._at = START

    def say(
        self,
        author: str,
        text: str,
        *,
        reply: str | None = None,
        minutes: float = 1,
        mentions: tuple[str, ...] = (),
    ) -> str:
        self._at += timedelta(minutes=minutes)
        post_id = str(len(self.posts) + 1)
        self.posts.append(
            PostInput(
                id=post_id,
                author=author,
                text=text,
                created_at=self._at,
                reply_to=reply,
                mentions=mentions,
            )
        )
        return post_id
