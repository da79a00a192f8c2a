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

from sqlalchemy import ColumnElement, Table, and_, case, func, not_, or_, update
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
SOURCES: Table = Source.__table__  # type: ignore[attr-defined]
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
            "attachments": case((newer, excluded.attachments), else_=POSTS.c.attachments),
            "mentions": case((newer, excluded.mentions), else_=POSTS.c.mentions),
            "updated_at": case((newer, excluded.updated_at), else_=POSTS.c.updated_at),
            "likes": excluded.likes,
            # A reply stays a reply, whichever event (live, edit, backfill) carried the reference.
            "reply_to": func.coalesce(excluded.reply_to, POSTS.c.reply_to),
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


def is_name(title: str, external_id: str) -> bool:
    """Whether a channel name an event carried is a name: a delete carries none (""), and a
    channel the platform client does not know is named by its id ("123" or "#123")."""
    name = title.strip()
    return bool(name) and name.removeprefix("#") != external_id


async def ensure_thread(
    session: AsyncSession,
    source_id: int,
    external_id: str,
    title: str,
    url: str = "",
    *,
    kind: str | None = None,
    parent_id: int | None = None,
) -> Thread:
    """The thread, created when missing. A name renames it; no name (an empty one, or the id)
    never does, so a delete or an event about an unknown channel keeps the stored title.
    `kind` None (an event that does not say what the channel is) changes neither its kind nor
    its parent."""
    query = select(Thread).where(Thread.source_id == source_id, Thread.external_id == external_id)
    thread = (await session.exec(query)).first()
    named = is_name(title, external_id)
    if thread is None:
        thread = Thread(
            source_id=source_id,
            external_id=external_id,
            title=title.strip() if named else external_id,
            kind=kind or "channel",
            parent_id=parent_id,
        )
        thread.url = url
        session.add(thread)
        await session.flush()
        return thread
    if named and thread.title != title.strip():
        thread.title = title.strip()
    if named and url and thread.url != url:
        thread.url = url
    if kind is not None and (thread.kind, thread.parent_id) != (kind, parent_id):
        thread.kind, thread.parent_id = kind, parent_id
    return thread


async def upsert_thread(
    session: AsyncSession, source_id: int, external_id: str, values: Mapping[str, Any]
) -> int:
    """Insert or update a forum topic's thread (THREAD_FIELDS) in one statement; its id."""
    row: dict[str, Any] = {
        "source_id": source_id,
        "external_id": external_id,
        "kind": "forum_topic",
    }
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


Attachments = tuple[Mapping[str, object], ...]  # {name, content_type, size, url} each
Mentions = tuple[Mapping[str, object], ...]  # {id, name, kind} each


@dataclass(frozen=True)
class IncomingPost:
    """A post or message as a source delivered it. `text` is "" for a message with attachments
    only; `attachments` and `mentions` belong to the version `text` comes from."""

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
    attachments: Attachments = ()
    mentions: Mentions = ()


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
        newer = utc(item.updated_at) >= utc(seen.updated_at) and not item.deleted
        version = item if newer else seen
        folded[item.external_id] = replace(
            seen,
            text=version.text,
            attachments=version.attachments,
            mentions=version.mentions,
            updated_at=version.updated_at,
            reply_to=seen.reply_to or item.reply_to,
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
            attachments = [dict(a) for a in item.attachments]
            mentions = [dict(m) for m in item.mentions]
            old = stored.get(item.external_id)
            if old is None:
                result.new += 1
            else:
                edited = (
                    not item.deleted
                    and utc(item.updated_at) >= old.updated_at
                    and (item.text, attachments, mentions)
                    != (old.text, old.attachments, old.mentions)
                )
                replied = item.reply_to is not None and old.reply_to is None
                if item.deleted and not old.deleted:
                    result.deleted += 1
                elif edited and not old.deleted:
                    result.updated += 1
                elif (
                    not edited
                    and not replied
                    and old.likes == item.likes
                    and (old.deleted or not item.deleted)
                ):
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
                    "attachments": attachments,
                    "mentions": mentions,
                }
            )
    if rows:
        await connection.execute(_statement(session, "posts"), rows)
    return result


@dataclass(frozen=True)
class _StoredPost:
    text: str
    deleted: bool
    likes: int
    updated_at: datetime
    reply_to: str | None
    attachments: list[dict[str, object]]
    mentions: list[dict[str, object]]


async def _stored(
    connection: AsyncConnection, thread_id: int, items: Sequence[IncomingPost]
) -> dict[str, _StoredPost]:
    stored: dict[str, _StoredPost] = {}
    for part in chunks([p.external_id for p in items]):
        query = core_select(
            POSTS.c.external_id,
            POSTS.c.text,
            POSTS.c.deleted,
            POSTS.c.likes,
            POSTS.c.updated_at,
            POSTS.c.reply_to,
            POSTS.c.attachments,
            POSTS.c.mentions,
        ).where(POSTS.c.thread_id == thread_id, POSTS.c.external_id.in_(part))
        for row in (await connection.execute(query)).all():
            stored[row.external_id] = _StoredPost(
                row.text,
                bool(row.deleted),
                row.likes,
                utc(row.updated_at),
                row.reply_to,
                list(row.attachments or []),
                list(row.mentions or []),
            )
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


async def mark_backfilled(
    session: AsyncSession, community_id: int, platform: str, external_id: str, when: datetime
) -> None:
    """Record that a chat channel's history was read to its end at `when`."""
    sources = core_select(SOURCES.c.id).where(
        SOURCES.c.community_id == community_id, SOURCES.c.kind == platform
    )
    await (await _connection(session)).execute(
        update(THREADS)
        .where(THREADS.c.source_id.in_(sources), THREADS.c.external_id == external_id)
        .values(backfilled_at=when)
    )


async def stored_ids(session: AsyncSession, thread_id: int) -> set[str]:
    query = select(Post.external_id).where(Post.thread_id == thread_id)
    return set((await session.exec(query)).all())


def is_text_post() -> ColumnElement[bool]:
    """Posts with words of their own, not deleted: what summaries read and /sources counts. A
    message with attachments only is stored with text "" and is not one."""
    return and_(col(Post.text) != "", col(Post.deleted).is_(False))


async def post_counts(session: AsyncSession, source_ids: Sequence[int]) -> dict[int, int]:
    """Text posts per source."""
    query = (
        select(Thread.source_id, func.count(col(Post.id)))
        .join(Post, col(Post.thread_id) == col(Thread.id))
        .where(col(Thread.source_id).in_(source_ids), is_text_post())
        .group_by(col(Thread.source_id))
    )
    return {source_id: count for source_id, count in (await session.exec(query)).all()}


# Threads of chat -------------------------------------------------------------------------------


async def chat_threads(session: AsyncSession, community_id: int, platform: str) -> list[Thread]:
    """Every channel, thread, forum post and topic of a community on a platform, with its
    title, kind and parent (`parent_id`), channels first."""
    query = (
        select(Thread)
        .join(Source, col(Source.id) == col(Thread.source_id))
        .where(Source.community_id == community_id, Source.kind == platform)
        .order_by(col(Thread.parent_id).is_not(None), col(Thread.title), col(Thread.id))
    )
    return list((await session.exec(query)).all())


async def children(session: AsyncSession, thread_id: int) -> list[Thread]:
    """The threads, forum posts or topics that belong to a channel (not their own children:
    chat nests one level)."""
    query = select(Thread).where(Thread.parent_id == thread_id).order_by(col(Thread.id))
    return list((await session.exec(query)).all())


@dataclass(frozen=True)
class ThreadStats:
    """What a thread holds: text posts (not deleted), and the first and last message's time
    (any message not deleted, attachments-only ones too)."""

    messages: int
    first: datetime | None
    last: datetime | None


async def thread_stats(session: AsyncSession, thread_ids: Sequence[int]) -> dict[int, ThreadStats]:
    """Per thread, in one grouped query per IN_CHUNK threads; threads without posts are left
    out."""
    out: dict[int, ThreadStats] = {}
    text_posts = func.count(case((col(Post.text) != "", 1)))
    for part in chunks(list(thread_ids)):
        query = (
            select(
                Post.thread_id,
                text_posts,
                func.min(col(Post.created_at)),
                func.max(col(Post.created_at)),
            )
            .where(col(Post.thread_id).in_(part), col(Post.deleted).is_(False))
            .group_by(col(Post.thread_id))
        )
        for thread_id, messages, first, last in (await session.exec(query)).all():
            out[thread_id] = ThreadStats(
                int(messages), utc(first) if first else None, utc(last) if last else None
            )
    return out


async def mention_names(
    session: AsyncSession, source_id: int, mentions: Iterable[Mapping[str, object]]
) -> dict[str, str]:
    """The latest names Steward knows for the people and channels some mentions name, by id:
    a stored author's current name, a stored channel's title without its '#'. Ids it does not
    store are left out (display_text then uses the name the message carried)."""
    people = {str(m.get("id")) for m in mentions if m.get("kind", "user") == "user"}
    channels = {str(m.get("id")) for m in mentions if m.get("kind") == "channel"}
    names: dict[str, str] = {}
    for part in chunks(sorted(people)):
        query = select(Author.external_id, Author.name).where(
            Author.source_id == source_id, col(Author.external_id).in_(part)
        )
        names.update((await session.exec(query)).all())
    for part in chunks(sorted(channels)):
        threads = select(Thread.external_id, Thread.title).where(
            Thread.source_id == source_id, col(Thread.external_id).in_(part)
        )
        for external_id, title in (await session.exec(threads)).all():
            if is_name(title, external_id):
                names[external_id] = title.removeprefix("#")
    return names
