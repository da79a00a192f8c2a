"""Repository functions of the debates store. They add and query; callers own the transaction.

Posts, authors and forum threads are written with bulk `INSERT … ON CONFLICT` statements
through SQLAlchemy Core (SQLite and PostgreSQL both have them), one statement for a whole batch
rather than one ORM object per row. The conflict clauses carry the merge rules, so a row that a
concurrent writer (a backfill next to live events) inserted first is merged, never duplicated.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Table, and_, case, func, not_, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.options import clean_text
from cogs.debates.models import Author, Post, Source, Thread

POSTS: Table = Post.__table__  # type: ignore[attr-defined]
AUTHORS: Table = Author.__table__  # type: ignore[attr-defined]
THREADS: Table = Thread.__table__  # type: ignore[attr-defined]
# Ids per IN (...) list: far below SQLite's limit of 32,766 bound parameters.
IN_CHUNK = 500

T = TypeVar("T")


def chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def utc(value: datetime) -> datetime:
    """SQLite hands timestamps back without a zone; they were stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def _connection(session: AsyncSession) -> AsyncConnection:
    """The session's connection, inside its transaction, for Core statements."""
    return await session.connection()


def _insert(dialect: str, table: Table) -> Any:
    """The dialect's INSERT, which has on_conflict_do_update."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


_STATEMENTS: dict[tuple[str, str], Any] = {}


def _statement(session: AsyncSession, name: str) -> Any:
    """A statement built once per dialect: building one costs more than running it."""
    dialect = session.get_bind().dialect.name
    key = (dialect, name)
    if key not in _STATEMENTS:
        _STATEMENTS[key] = _BUILDERS[name](dialect)
    return _STATEMENTS[key]


def _upsert_thread_statement(dialect: str) -> Any:
    statement = _insert(dialect, THREADS)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=[THREADS.c.source_id, THREADS.c.external_id],
        set_={name: excluded[name] for name in THREAD_FIELDS},
    ).returning(THREADS.c.id)


def _upsert_authors_statement(dialect: str) -> Any:
    statement = _insert(dialect, AUTHORS)
    return statement.on_conflict_do_update(
        index_elements=[AUTHORS.c.source_id, AUTHORS.c.external_id],
        set_={"name": statement.excluded.name},
        where=AUTHORS.c.name != statement.excluded.name,
    )


def _upsert_posts_statement(dialect: str) -> Any:
    statement = _insert(dialect, POSTS)
    excluded = statement.excluded
    # The same rules as upsert_posts applies in Python, for rows another writer added first.
    newer = and_(excluded.updated_at >= POSTS.c.updated_at, not_(excluded.deleted))
    return statement.on_conflict_do_update(
        index_elements=[POSTS.c.thread_id, POSTS.c.external_id],
        set_={
            "text": case((newer, excluded.text), else_=POSTS.c.text),
            "updated_at": case((newer, excluded.updated_at), else_=POSTS.c.updated_at),
            "likes": excluded.likes,
            "deleted": or_(POSTS.c.deleted, excluded.deleted),
        },
    )


THREAD_FIELDS = ("title", "url", "category", "highest_number", "bumped_at")
_BUILDERS = {
    "thread": _upsert_thread_statement,
    "authors": _upsert_authors_statement,
    "posts": _upsert_posts_statement,
}


async def source_by_key(
    session: AsyncSession, community_id: int, kind: str, key: str
) -> Source | None:
    query = select(Source).where(
        Source.community_id == community_id, Source.kind == kind, Source.key == key
    )
    return (await session.exec(query)).first()


async def ensure_source(
    session: AsyncSession, community_id: int, kind: str, key: str, name: str
) -> Source:
    source = await source_by_key(session, community_id, kind, key)
    if source is None:
        source = Source(community_id=community_id, kind=kind, key=key, name=name)
        session.add(source)
        await session.flush()
    return source


async def sources_of(session: AsyncSession, community_id: int) -> list[Source]:
    query = select(Source).where(Source.community_id == community_id).order_by(col(Source.id))
    return list((await session.exec(query)).all())


async def ensure_thread(
    session: AsyncSession, source_id: int, external_id: str, title: str, url: str = ""
) -> Thread:
    """The thread, created when missing; an empty title never renames one (a delete event
    carries no channel name)."""
    query = select(Thread).where(Thread.source_id == source_id, Thread.external_id == external_id)
    thread = (await session.exec(query)).first()
    if thread is None:
        thread = Thread(source_id=source_id, external_id=external_id, title=title or external_id)
        thread.url = url
        session.add(thread)
        await session.flush()
    elif title and (thread.title != title or (url and thread.url != url)):
        thread.title, thread.url = title, url or thread.url
    return thread


async def upsert_thread(
    session: AsyncSession, source_id: int, external_id: str, values: Mapping[str, Any]
) -> int:
    """Insert or update a forum topic's thread (THREAD_FIELDS) in one statement; its id."""
    row = {"source_id": source_id, "external_id": external_id}
    row.update({name: values[name] for name in THREAD_FIELDS})
    result = await (await _connection(session)).execute(_statement(session, "thread"), row)
    return int(result.scalar_one())


Known = dict[str, tuple[int, str]]  # author external id -> (row id, stored name)


async def ensure_authors(
    session: AsyncSession,
    source_id: int,
    people: Mapping[str, str],
    known: Mapping[str, tuple[int, str]] | None = None,
) -> Known:
    """Row ids and names of the authors by external id, creating the missing ones; names follow
    renames. `known` holds committed rows from earlier batches: they are not looked up again."""
    if not people:
        return {}
    known = known or {}
    out: Known = {}
    todo: dict[str, str] = {}
    for external_id, raw_name in people.items():
        name = clean_text(raw_name)[:200] or "unknown"  # no bidi or control characters stored
        cached = known.get(external_id)
        if cached is not None and cached[1] == name:
            out[external_id] = cached
        else:
            todo[external_id] = name
    if not todo:
        return out
    connection = await _connection(session)
    await connection.execute(
        _statement(session, "authors"),
        [{"source_id": source_id, "external_id": e, "name": n} for e, n in todo.items()],
    )
    for part in chunks(list(todo)):
        query = core_select(AUTHORS.c.external_id, AUTHORS.c.id).where(
            AUTHORS.c.source_id == source_id, AUTHORS.c.external_id.in_(part)
        )
        for external_id, row_id in (await connection.execute(query)).all():
            out[external_id] = (int(row_id), todo[external_id])
    return out


@dataclass(frozen=True)
class IncomingPost:
    external_id: str
    author_id: str
    author_name: str
    created_at: datetime
    updated_at: datetime
    text: str
    number: int | None = None
    reply_to: str | None = None
    likes: int = 0
    url: str = ""
    deleted: bool = False


@dataclass
class UpsertResult:
    new: int = 0
    updated: int = 0
    deleted: int = 0
    authors: Known | None = None  # the author rows used, for the caller's cache after commit


def fold(incoming: Iterable[IncomingPost]) -> list[IncomingPost]:
    """Several events for one message in a batch become one, whatever their order: the text
    of the newest version (the later one on a tie), deleted if any event deleted it, and the
    rest from its first event. Messages keep the order they were first seen in."""
    folded: dict[str, IncomingPost] = {}
    for item in incoming:
        seen = folded.get(item.external_id)
        if seen is None:
            folded[item.external_id] = item
            continue
        newer = utc(item.updated_at) >= utc(seen.updated_at)
        folded[item.external_id] = replace(
            seen,
            text=item.text if newer and not item.deleted else seen.text,
            updated_at=item.updated_at if newer and not item.deleted else seen.updated_at,
            likes=item.likes,
            deleted=seen.deleted or item.deleted,
        )
    return list(folded.values())


async def upsert_posts(
    session: AsyncSession,
    source_id: int,
    posts: Mapping[int, Sequence[IncomingPost]],
    *,
    fresh: Collection[int] = (),
    known_authors: Mapping[str, tuple[int, str]] | None = None,
) -> UpsertResult:
    """Store the posts of some threads (thread id -> posts) once each, in one statement: new
    ones added, edited ones updated, deletions marked.

    An edit is applied when it is at least as new as the stored version, so a late event never
    overwrites a newer text; a deleted post stays deleted. Threads in `fresh` had no posts when
    the batch was read (a first sync), which skips looking for stored ones; a row written
    meanwhile by someone else is still merged by the conflict clause.
    """
    result = UpsertResult()
    folded = {thread_id: fold(items) for thread_id, items in posts.items() if items}
    if not folded:
        return result
    people = {p.author_id: p.author_name for items in folded.values() for p in items}
    authors = await ensure_authors(session, source_id, people, known_authors)
    result.authors = authors
    connection = await _connection(session)
    rows: list[dict[str, Any]] = []
    for thread_id, items in folded.items():
        stored = {} if thread_id in fresh else await _stored(connection, thread_id, items)
        for item in items:
            old = stored.get(item.external_id)
            if old is None:
                result.new += 1
            else:
                text, deleted, likes, updated_at = old
                edited = (
                    not item.deleted and utc(item.updated_at) >= updated_at and item.text != text
                )
                if item.deleted and not deleted:
                    result.deleted += 1
                elif edited and not deleted:
                    result.updated += 1
                elif not edited and likes == item.likes and (deleted or not item.deleted):
                    continue  # nothing changed: no write
            rows.append(
                {
                    "thread_id": thread_id,
                    "external_id": item.external_id,
                    "number": item.number,
                    "author_id": authors[item.author_id][0],
                    "created_at": item.created_at,
                    "updated_at": item.updated_at,
                    "reply_to": item.reply_to,
                    "likes": item.likes,
                    "url": item.url,
                    "text": item.text,
                    "deleted": item.deleted,
                }
            )
    if rows:
        await connection.execute(_statement(session, "posts"), rows)
    return result


async def _stored(
    connection: AsyncConnection, thread_id: int, items: Sequence[IncomingPost]
) -> dict[str, tuple[str, bool, int, datetime]]:
    stored: dict[str, tuple[str, bool, int, datetime]] = {}
    for part in chunks([p.external_id for p in items]):
        query = core_select(
            POSTS.c.external_id, POSTS.c.text, POSTS.c.deleted, POSTS.c.likes, POSTS.c.updated_at
        ).where(POSTS.c.thread_id == thread_id, POSTS.c.external_id.in_(part))
        for external_id, text, deleted, likes, updated_at in (
            await connection.execute(query)
        ).all():
            stored[external_id] = (text, bool(deleted), likes, utc(updated_at))
    return stored


async def mark_deleted(
    session: AsyncSession, thread_id: int, external_ids: Iterable[str]
) -> set[str]:
    """Mark stored posts deleted; the ids that were stored and not yet marked."""
    ids = sorted(set(external_ids))
    marked: set[str] = set()
    if not ids:
        return marked
    connection = await _connection(session)
    for part in chunks(ids):
        statement = (
            update(POSTS)
            .where(
                POSTS.c.thread_id == thread_id,
                POSTS.c.external_id.in_(part),
                POSTS.c.deleted.is_(False),
            )
            .values(deleted=True)
            .returning(POSTS.c.external_id)
        )
        marked.update((await connection.execute(statement)).scalars().all())
    return marked


async def stored_ids(session: AsyncSession, thread_id: int) -> set[str]:
    query = select(Post.external_id).where(Post.thread_id == thread_id)
    return set((await session.exec(query)).all())


async def post_counts(session: AsyncSession, source_ids: Sequence[int]) -> dict[int, int]:
    query = (
        select(Thread.source_id, func.count(col(Post.id)))
        .join(Post, col(Post.thread_id) == col(Thread.id))
        .where(col(Thread.source_id).in_(source_ids), col(Post.deleted).is_(False))
        .group_by(col(Thread.source_id))
    )
    return {source_id: count for source_id, count in (await session.exec(query)).all()}
