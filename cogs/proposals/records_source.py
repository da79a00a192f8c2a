"""The proposals feature as a `bot.records.RecordSource` named "proposals", for /ask.

One passage per proposal: its outcome in words, then what it asks (the title is the passage's
title). A proposal with a final outcome (passed, rejected, or an approval vote's leading
choice) weighs as a decision; a superseded one says so in its note (records_rules.py has the
rule) and ranks at half its score. Proposals are few (hundreds per community), so each
question reads them all and ranks them with BM25 in Python (retrieval.bm25): no index to keep
current, and an outcome recorded a moment ago is found by the next question. Each passage is
stemmed once and kept while its text stays the same.
Proposals are public (the forum, Snapshot, the chain): no channel hides them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.records import Passage, RecordPage, SearchRequest
from bot.storage.database import Database
from cogs.proposals.records_load import load_records
from cogs.proposals.records_rules import (
    CANCELED,
    OPEN,
    REJECTED,
    Outcome,
    ProposalRecord,
    outcome,
    successors,
    superseded_note,
)
from retrieval.bm25 import Document, scores

NAME = "proposals"
# A superseded proposal ranks below what replaced it when both match as well.
SUPERSEDED_FACTOR = 0.5
# Stemmed passages kept between questions (a passage's words change only when it does).
MAX_CACHED = 20_000
_STATUS_NOTES = {REJECTED: "rejected", CANCELED: "canceled", OPEN: "vote still open"}


class ProposalRecords:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._documents: dict[tuple[str, str], Document] = {}

    @property
    def name(self) -> str:
        return NAME

    async def passages(self, community_id: int) -> list[Passage]:
        """Every proposal of the community as a passage, in key order."""
        records = await load_records(self.db, community_id)
        outcomes = {r.key: outcome(r) for r in records}
        newer = successors(records, outcomes)
        found = []
        for record in records:
            successor = newer.get(record.key)
            note = superseded_note(successor, outcomes[successor.key]) if successor else ""
            found.append(passage(record, outcomes[record.key], note))
        return sorted(found, key=lambda p: p.key)

    async def search(self, request: SearchRequest) -> Sequence[Passage]:
        if request.query.empty or request.limit <= 0:
            return []
        candidates = await self.passages(request.community_id)
        documents = [self._document(p) for p in candidates]
        ranked = [
            (score * (SUPERSEDED_FACTOR if p.note.startswith("superseded") else 1.0), p)
            for score, p in zip(scores(request.query, documents), candidates, strict=True)
            if score > 0
        ]
        ranked.sort(key=lambda pair: (-pair[0], pair[1].key))
        return [replace(p, score=score) for score, p in ranked[: request.limit]]

    def _document(self, found: Passage) -> Document:
        """The passage's stemmed words, stemmed once per text (a new outcome is a new text)."""
        key = (found.title, found.text)
        document = self._documents.get(key)
        if document is None:
            if len(self._documents) >= MAX_CACHED:
                self._documents.clear()
            document = self._documents[key] = Document.of(found.text, boosted=found.title)
        return document

    async def fetch(
        self, community_id: int, keys: Sequence[str], hidden_channels: frozenset[str]
    ) -> Sequence[Passage]:
        wanted = set(keys)
        return [p for p in await self.passages(community_id) if p.key in wanted]

    async def listing(self, community_id: int, after: str | None, limit: int) -> RecordPage:
        every = [p for p in await self.passages(community_id) if after is None or p.key > after]
        page = every[: max(limit, 0)]
        more = len(every) > len(page) and bool(page)
        return RecordPage(page, page[-1].key if more else None)


def passage(record: ProposalRecord, result: Outcome, superseded: str) -> Passage:
    notes = [superseded] if superseded else []
    if result.status in _STATUS_NOTES:
        notes.append(_STATUS_NOTES[result.status])
    # The title is the passage's own field (shown with every quote); search weighs it apart.
    text = result.sentence
    if record.body:
        text += f"\n\n{record.body}"
    return Passage(
        key=f"{NAME}:{record.key}",
        kind="proposal",
        title=record.title,
        text=text,
        url=record.url,
        created_at=result.decided_at or record.put_forward,
        weight="decision" if result.final else "",
        note="; ".join(notes),
    )
