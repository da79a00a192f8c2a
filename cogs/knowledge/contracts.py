"""What the parts of /ask agree on, so each can be built and tested alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class VectorSearch(Protocol):
    """Hybrid retrieval's other half: passages nearest the question by embedding, when an
    embeddings model is configured (cogs/knowledge/vectors.py)."""

    async def nearest(self, community_id: int, question: str, limit: int) -> Sequence[str]:
        """Passage keys (bot.records.Passage.key), nearest first; [] when nothing is embedded
        yet. Raises UpstreamError when the embeddings endpoint fails (the caller then answers
        from full text alone and says so)."""
        ...
