"""A RecordSource over a dict, for the parts of /ask that only read sources (vectors)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.records import Passage, RecordPage, SearchRequest


def passage(key: str, text: str, title: str = "") -> Passage:
    return Passage(key=key, kind="forum", title=title, text=text, url=f"https://f.example/{key}")


@dataclass
class MemorySource:
    """Live passages per community, listed in key order; `broken` makes listing fail."""

    name: str = "memory"
    passages: dict[int, dict[str, Passage]] = field(default_factory=dict)
    broken: bool = False
    listings: int = 0

    def put(self, community_id: int, key: str, text: str, title: str = "") -> None:
        full = f"{self.name}:{key}"
        self.passages.setdefault(community_id, {})[full] = passage(full, text, title)

    def remove(self, community_id: int, key: str) -> None:
        del self.passages[community_id][f"{self.name}:{key}"]

    async def search(self, request: SearchRequest) -> Sequence[Passage]:
        return []

    async def fetch(
        self, community_id: int, keys: Sequence[str], hidden_channels: frozenset[str]
    ) -> Sequence[Passage]:
        live = self.passages.get(community_id, {})
        return [live[k] for k in keys if k in live]

    async def listing(self, community_id: int, after: str | None, limit: int) -> RecordPage:
        self.listings += 1
        if self.broken:
            raise ConnectionError("the source's database is away")
        ordered = sorted(self.passages.get(community_id, {}).items())
        rest = [p for key, p in ordered if after is None or key > after]
        page = rest[:limit]
        more = len(rest) > limit
        return RecordPage(passages=page, after=page[-1].key if more else None)
