"""The knowledge_vector table: one embedding per passage and model, as plain bytes.

A row is replaced (deleted and inserted), never updated, and its id never reused (SQLite's
AUTOINCREMENT; PostgreSQL's sequence), so the pair (rows, highest id) of a community changes
with every write: that is what tells a replica its in-memory matrix is stale. The content hash
says whether a passage changed since it was embedded. Repositories never commit; the caller
owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint, func
from sqlmodel import Field, SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage.models import timestamp

# Keys per IN (...) list: under SQLite's and PostgreSQL's parameter limits with room to spare.
_CHUNK = 500


class KnowledgeVector(SQLModel, table=True):
    __tablename__ = "knowledge_vector"
    __table_args__ = (
        UniqueConstraint("community_id", "model", "passage_key"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id")
    passage_key: str = Field(max_length=200)  # bot.records.Passage.key
    model: str = Field(max_length=100)
    content_hash: str = Field(max_length=64)  # sha256 of the text that was embedded
    dims: int
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    embedded_at: datetime = timestamp()


@dataclass(frozen=True)
class NewVector:
    key: str
    content_hash: str
    dims: int
    vector: bytes


def _chunks(keys: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(keys), _CHUNK):
        yield keys[start : start + _CHUNK]


async def hashes(
    session: AsyncSession, community_id: int, model: str, keys: Sequence[str]
) -> dict[str, str]:
    """The stored content hash of each of these passages that has a vector."""
    found: dict[str, str] = {}
    for chunk in _chunks(keys):
        rows = await session.exec(
            select(KnowledgeVector.passage_key, KnowledgeVector.content_hash).where(
                KnowledgeVector.community_id == community_id,
                KnowledgeVector.model == model,
                col(KnowledgeVector.passage_key).in_(chunk),
            )
        )
        found.update({key: digest for key, digest in rows.all()})
    return found


async def replace(
    session: AsyncSession, community_id: int, model: str, vectors: Sequence[NewVector]
) -> None:
    """Store these vectors, replacing any earlier one of the same passage and model."""
    keys = [v.key for v in vectors]
    for chunk in _chunks(keys):
        await session.exec(
            delete(KnowledgeVector).where(
                col(KnowledgeVector.community_id) == community_id,
                col(KnowledgeVector.model) == model,
                col(KnowledgeVector.passage_key).in_(chunk),
            )
        )
    session.add_all(
        KnowledgeVector(
            community_id=community_id,
            passage_key=v.key,
            model=model,
            content_hash=v.content_hash,
            dims=v.dims,
            vector=v.vector,
        )
        for v in vectors
    )
    await session.flush()


async def sweep(session: AsyncSession, community_id: int, model: str, live: set[str]) -> int:
    """Delete the community's vectors of passages no longer live, and of any other model;
    returns how many went."""
    rows = await session.exec(
        select(KnowledgeVector.id, KnowledgeVector.passage_key, KnowledgeVector.model).where(
            KnowledgeVector.community_id == community_id
        )
    )
    gone = [row_id for row_id, key, of in rows.all() if of != model or key not in live]
    for start in range(0, len(gone), _CHUNK):
        await session.exec(
            delete(KnowledgeVector).where(col(KnowledgeVector.id).in_(gone[start : start + _CHUNK]))
        )
    return len(gone)


async def stamp(session: AsyncSession, community_id: int, model: str) -> tuple[int, int]:
    """(rows, highest id) of the community's vectors: changes with every write."""
    row = (
        await session.exec(
            select(func.count(), func.max(KnowledgeVector.id)).where(
                KnowledgeVector.community_id == community_id, KnowledgeVector.model == model
            )
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


async def load(
    session: AsyncSession, community_id: int, model: str
) -> tuple[list[str], list[bytes], int]:
    """Keys and vector bytes of the community's vectors of this model, with their dimension.
    Rows of another dimension (the endpoint changed the model's size) are left out."""
    rows = (
        await session.exec(
            select(KnowledgeVector.passage_key, KnowledgeVector.dims, KnowledgeVector.vector)
            .where(KnowledgeVector.community_id == community_id, KnowledgeVector.model == model)
            .order_by(col(KnowledgeVector.id).desc())
        )
    ).all()
    if not rows:
        return [], [], 0
    dims = rows[0][1]  # the newest row's
    kept = [(key, data) for key, size, data in rows if size == dims]
    return [key for key, _ in kept], [data for _, data in kept], dims
