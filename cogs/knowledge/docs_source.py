"""Documents as /ask reads them: the "knowledge" record source over doc passages.

Every member may read a community's documents, so no passage is hidden by channel. A passage's
key names its row; a document read again gets new rows, so a key cited from an old read is no
longer live and `fetch` leaves it out, as it does a deleted post.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text

from bot.records import Passage, RecordPage, SearchRequest
from bot.storage.database import Database
from cogs.knowledge.docs_models import PASSAGE_INDEX
from retrieval.fulltext import match

NAME = "knowledge"
PREFIX = f"{NAME}:passage:"
_COLUMNS = (
    "doc_passage.id, doc_passage.heading, doc_passage.text, doc_passage.url, "
    "document.path, document.origin"
)


def passage_key(passage_id: int) -> str:
    return f"{PREFIX}{passage_id}"


def _ids(keys: Sequence[str]) -> list[int]:
    return [
        int(k[len(PREFIX) :]) for k in keys if k.startswith(PREFIX) and k[len(PREFIX) :].isdigit()
    ]


async def _rows(db: Database, sql: str, params: dict[str, Any]) -> Sequence[Any]:
    async with db.engine.connect() as connection:
        return (await connection.execute(text(sql), params)).all()


def _passage(row: Any, score: float = 0.0) -> Passage:
    heading, url = row.heading, row.url
    if not url and row.origin == "folder":  # a folder without a base URL cites the file
        heading = f"{heading} ({row.path})" if heading else row.path
    return Passage(
        key=passage_key(row.id),
        kind="document",
        title=heading,
        text=row.text,
        url=url,
        # Undated: when Steward fetched a page says nothing of when it was written, and a
        # handbook page fetched this morning is not a decision taken this morning (it would
        # outrank the chat message that changed what the page says). Ranking counts an
        # undated passage as one half-life old.
        created_at=None,
        score=score,
    )


class DocumentRecords:
    name = NAME

    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(self, request: SearchRequest) -> Sequence[Passage]:
        async with self._db.engine.connect() as connection:
            found = await match(connection, PASSAGE_INDEX, request.query)
            if found is None:
                return []
            sql = (
                f"SELECT {_COLUMNS}, {found.rank} AS score FROM doc_passage {found.join} "
                "JOIN document ON document.id = doc_passage.document_id "
                f"WHERE {found.where} AND document.community_id = :community "
                "ORDER BY score DESC, doc_passage.id LIMIT :limit"
            )
            params = {**found.params, "community": request.community_id, "limit": request.limit}
            rows = (await connection.execute(text(sql), params)).all()
        return [_passage(row, float(row.score)) for row in rows]

    async def fetch(
        self, community_id: int, keys: Sequence[str], hidden_channels: frozenset[str]
    ) -> Sequence[Passage]:
        ids = _ids(keys)
        if not ids:
            return []
        marks = ", ".join(f":id{n}" for n in range(len(ids)))
        sql = (
            f"SELECT {_COLUMNS} FROM doc_passage "
            "JOIN document ON document.id = doc_passage.document_id "
            f"WHERE document.community_id = :community AND doc_passage.id IN ({marks})"
        )
        params: dict[str, Any] = {f"id{n}": i for n, i in enumerate(ids)}
        rows = await _rows(self._db, sql, {**params, "community": community_id})
        by_key = {passage_key(row.id): _passage(row) for row in rows}
        return [by_key[k] for k in keys if k in by_key]

    async def listing(self, community_id: int, after: str | None, limit: int) -> RecordPage:
        start = int(after) if after and after.isdigit() else 0
        sql = (
            f"SELECT {_COLUMNS} FROM doc_passage "
            "JOIN document ON document.id = doc_passage.document_id "
            "WHERE document.community_id = :community AND doc_passage.id > :start "
            "ORDER BY doc_passage.id LIMIT :limit"
        )
        params = {"community": community_id, "start": start, "limit": limit}
        rows = await _rows(self._db, sql, params)
        passages = [_passage(row) for row in rows]
        return RecordPage(passages, str(rows[-1].id) if len(rows) == limit else None)
