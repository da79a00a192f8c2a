"""Working out which thread a /summarize or /ingest call means."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_TOPIC_PATH = re.compile(r"^/t/(?:[^/]+/)?(\d+)(?:/\d+)?/?$")


def forum_topic(url: str) -> tuple[str, int] | None:
    """(forum base URL, topic id) of a Discourse topic URL, or None."""
    parts = urlsplit(url)
    path = parts.path
    base_path = ""
    index = path.find("/t/")
    if index > 0:
        base_path, path = path[:index], path[index:]
    match = _TOPIC_PATH.match(path)
    if not match or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}{base_path}", int(match.group(1))


def same_forum(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()
