"""Keep only citations that point to a real post containing the quoted words."""

from __future__ import annotations

import re
from collections.abc import Mapping

from summarizer.schema import Citation, DebateSummary, PostInput
from summarizer.text import prose

_SPACE = re.compile(r"\s+")


def _normal(text: str) -> str:
    return _SPACE.sub(" ", text).strip().lower()


def is_supported(citation: Citation, posts: Mapping[str, PostInput]) -> bool:
    """The quote is in the post: in its stored text, or in its prose (links by reference)."""
    post = posts.get(citation.post_id)
    quote = _normal(citation.quote)
    if post is None or len(quote) < 3:
        return False
    return quote in _normal(post.text) or quote in _normal(prose(post.text).text)


def verify(summary: DebateSummary, posts: Mapping[str, PostInput]) -> tuple[DebateSummary, int]:
    """Drop citations the posts do not bear out, and points left with no citation at all.

    Returns the checked summary and how many citations were dropped.
    """
    dropped = 0

    def keep(citations: list[Citation]) -> list[Citation]:
        nonlocal dropped
        good = [c for c in citations if is_supported(c, posts)]
        dropped += len(citations) - len(good)
        return good

    data = summary.model_copy(deep=True)
    for group in ("positions", "arguments", "open_questions", "agreements", "next_steps"):
        items = getattr(data, group)
        for item in items:
            item.citations = keep(item.citations)
        setattr(data, group, [item for item in items if item.citations])
    return data, dropped
