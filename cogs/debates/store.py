"""Repository functions of the debates store. They add and query; callers own the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands.options import clean_text
from cogs.debates.models import Author, Post, Source, Thread


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
    query = select(Thread).where(Thread.source_id == source_id, Thread.external_id == external_id)
    thread = (await session.exec(query)).first()
    if thread is None:
        thread = Thread(source_id=source_id, external_id=external_id, title=title, url=url)
        session.add(thread)
        await session.flush()
    elif title and (thread.title != title or (url and thread.url != url)):
        thread.title, thread.url = title, url or thread.url
    return thread


async def ensure_authors(
    session: AsyncSession, source_id: int, people: dict[str, str]
) -> dict[str, int]:
    """Author ids by external id, creating the missing ones; names follow renames."""
    if not people:
        return {}
    query = select(Author).where(
        Author.source_id == source_id, col(Author.external_id).in_(list(people))
    )
    known = {a.external_id: a for a in (await session.exec(query)).all()}
    for external_id, raw_name in people.items():
        name = clean_text(raw_name)[:200] or "unknown"  # no bidi or control characters stored
        author = known.get(external_id)
        if author is None:
            author = Author(source_id=source_id, external_id=external_id, name=name)
            session.add(author)
            known[external_id] = author
        elif author.name != name:
            author.name = name
    await session.flush()
    return {key: author.id or 0 for key, author in known.items()}


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


async def upsert_posts(
    session: AsyncSession, thread: Thread, incoming: Sequence[IncomingPost]
) -> UpsertResult:
    """Store posts once each: new ones added, edited ones updated, deletions marked."""
    result = UpsertResult()
    if not incoming or thread.id is None:
        return result
    authors = await ensure_authors(
        session, thread.source_id, {p.author_id: p.author_name for p in incoming}
    )
    query = select(Post).where(
        Post.thread_id == thread.id, col(Post.external_id).in_([p.external_id for p in incoming])
    )
    existing = {p.external_id: p for p in (await session.exec(query)).all()}
    for item in incoming:
        post = existing.get(item.external_id)
        if post is None:
            post = Post(
                thread_id=thread.id,
                external_id=item.external_id,
                number=item.number,
                author_id=authors[item.author_id],
                created_at=item.created_at,
                updated_at=item.updated_at,
                reply_to=item.reply_to,
                likes=item.likes,
                url=item.url,
                text=item.text,
                deleted=item.deleted,
            )
            session.add(post)
            existing[item.external_id] = post  # the same message twice in one batch: stored once
            result.new += 1
            continue
        if item.deleted and not post.deleted:
            post.deleted = True
            result.deleted += 1
        elif not item.deleted and post.text != item.text:
            post.text, post.updated_at = item.text, item.updated_at
            result.updated += 1
        post.likes = item.likes
    await session.flush()
    return result


async def mark_deleted(session: AsyncSession, thread_id: int, external_ids: Iterable[str]) -> int:
    ids = list(external_ids)
    if not ids:
        return 0
    query = select(Post).where(
        Post.thread_id == thread_id, col(Post.external_id).in_(ids), col(Post.deleted).is_(False)
    )
    posts = (await session.exec(query)).all()
    for post in posts:
        post.deleted = True
    return len(posts)


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
