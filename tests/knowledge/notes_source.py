"""A small record source over a real table with a real full-text index, so /ask can be tested
before (and apart from) the features whose sources it reads: `Notes` stores notes and searches
them as debates and proposals search theirs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text

from bot.records import Passage, RecordPage, SearchRequest
from bot.storage.database import Database
from retrieval.fulltext import FullTextIndex, create_statements, match

INDEX = FullTextIndex("test_note", "body")
COLUMNS = "id, title, body, url, author, channel, weight, note, created_at"


@dataclass(frozen=True)
class Note:
    title: str
    body: str
    created_at: datetime
    author: str = "someone"
    url: str = ""
    channel: str = ""
    weight: str = ""
    note: str = ""


class Notes:
    name = "notes"

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self) -> None:
        key = "INTEGER PRIMARY KEY" if self._db.dialect == "sqlite" else "SERIAL PRIMARY KEY"
        async with self._db.transaction() as session:
            await (await session.connection()).execute(
                text(
                    f"CREATE TABLE test_note (id {key}, community_id INTEGER, "
                    "title TEXT, body TEXT, url TEXT, author TEXT, channel TEXT, weight TEXT, "
                    "note TEXT, created_at TEXT, deleted INTEGER DEFAULT 0)"
                )
            )
            for statement in create_statements(INDEX, self._db.dialect):
                await (await session.connection()).execute(text(statement))

    async def add(self, community_id: int, note: Note) -> str:
        """Store a note; its passage key."""
        async with self._db.transaction() as session:
            row = await (await session.connection()).execute(
                text(
                    "INSERT INTO test_note (community_id, title, body, url, author, channel, "
                    "weight, note, created_at) VALUES (:c, :title, :body, :url, :author, "
                    ":channel, :weight, :note, :at) RETURNING id"
                ),
                {
                    "c": community_id,
                    "title": note.title,
                    "body": note.body,
                    "url": note.url,
                    "author": note.author,
                    "channel": note.channel,
                    "weight": note.weight,
                    "note": note.note,
                    "at": note.created_at.astimezone(UTC).isoformat(),
                },
            )
            return f"notes:{row.scalar_one()}"

    async def delete(self, key: str) -> None:
        async with self._db.transaction() as session:
            await (await session.connection()).execute(
                text("DELETE FROM test_note WHERE id = :id"), {"id": int(key.split(":")[1])}
            )

    async def search(self, request: SearchRequest) -> Sequence[Passage]:
        async with self._db.read() as session:
            found = await match(await session.connection(), INDEX, request.query)
        if found is None:
            return []
        hidden = sorted(request.hidden_channels) or ["-"]
        marks = ", ".join(f":h{i}" for i in range(len(hidden)))
        query = (
            f"SELECT {', '.join('test_note.' + c for c in COLUMNS.split(', '))}, "
            f"{found.rank} AS score FROM test_note {found.join} WHERE {found.where} "
            f"AND test_note.community_id = :c AND test_note.channel NOT IN ({marks}) "
            "ORDER BY score DESC LIMIT :n"
        )
        params: dict[str, object] = {**found.params, "c": request.community_id}
        params |= {f"h{i}": h for i, h in enumerate(hidden)} | {"n": request.limit}
        async with self._db.read() as session:
            rows = (await (await session.connection()).execute(text(query), params)).all()
        return [_passage(row) for row in rows]

    async def fetch(
        self, community_id: int, keys: Sequence[str], hidden_channels: frozenset[str]
    ) -> Sequence[Passage]:
        return [p for p in await self._all(community_id, hidden_channels) if p.key in keys]

    async def _all(self, community_id: int, hidden_channels: frozenset[str]) -> list[Passage]:
        async with self._db.read() as session:
            rows = (
                await (await session.connection()).execute(
                    text(f"SELECT {COLUMNS}, 0 FROM test_note WHERE community_id = :c"),
                    {"c": community_id},
                )
            ).all()
        return [_passage(r) for r in rows if r[5] not in hidden_channels]

    async def listing(self, community_id: int, after: str | None, limit: int) -> RecordPage:
        return RecordPage(await self._all(community_id, frozenset()), None)


def _passage(row: Sequence[object]) -> Passage:
    at = row[8]
    created = datetime.fromisoformat(str(at)) if at else None
    return Passage(
        key=f"notes:{row[0]}",
        kind="chat",
        title=str(row[1]),
        text=str(row[2]),
        url=str(row[3]),
        author=str(row[4]),
        channel=str(row[5]),
        weight=str(row[6]),
        note=str(row[7]),
        created_at=created,
        score=float(str(row[9])),
    )
