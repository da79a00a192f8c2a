"""The debates digest's queries: a fixed number of grouped queries whatever the data's size
(see digest_part.py), counted from the indexes of migration 0018 where they can be."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, case, cast, distinct, exists, func
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.digest_parts import DigestRequest
from cogs.debates import store
from cogs.debates.models import Author, Post, Summary, Thread
from summarizer.schema import PostInput

NEW_PERSON_WEIGHT = 5  # a new participant weighs as much as five posts
SAMPLE = 150  # posts read per debate shown, the latest of the period (a model reads them)


@dataclass(frozen=True)
class Heat:
    """How hot a debate ran in the period."""

    thread_id: int
    posts: int  # new posts in the period
    people: int  # who wrote them
    new_people: int  # of whom wrote in this debate for the first time
    last: datetime

    @property
    def score(self) -> float:
        return float(self.posts + NEW_PERSON_WEIGHT * self.new_people)


@dataclass(frozen=True)
class Sampled:
    """A post read for a debate shown: what to link to, and what a summarizer reads."""

    id: int
    number: int | None
    url: str
    created_at: datetime
    input: PostInput


def _in_period(request: DigestRequest) -> list[Any]:
    """Messages of the period, not deleted: a file shared counts as a post, so the counts are
    read from the indexes alone (ix_post_created_at, ix_post_thread_author)."""
    return [
        col(Post.created_at) >= request.start,
        col(Post.created_at) < request.end,
        col(Post.deleted).is_(False),
    ]


async def _rows(session: AsyncSession, query: Any) -> Any:
    """A Core query's rows, on the session's connection and transaction."""
    return await (await session.connection()).execute(query)


def _day(session: AsyncSession) -> Any:
    """A post's day, UTC."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", col(Post.created_at)), Date)
    return func.date(col(Post.created_at))


async def activity(
    session: AsyncSession, request: DigestRequest, source_ids: list[int]
) -> dict[int, dict[date, int]]:
    """Posts per source and day (UTC) of the period, for sources with any."""
    day = _day(session).label("day")
    query = (
        select_columns(col(Thread.source_id), day, func.count(col(Post.id)))
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(_of_sources(source_ids), *_in_period(request))
        .group_by(col(Thread.source_id), day)
    )
    counts: dict[int, dict[date, int]] = {}
    for source_id, when, count in (await _rows(session, query)).all():
        found = when if isinstance(when, date) else date.fromisoformat(str(when)[:10])
        counts.setdefault(source_id, {})[found] = int(count)
    return counts


async def heat(session: AsyncSession, request: DigestRequest, source_ids: list[int]) -> list[Heat]:
    """Per debate with messages in the period: how many, their authors, and how many of those
    wrote in it for the first time (no message there before the period), in one grouped query
    over the period's messages, each author's earlier one found in ix_post_thread_author."""
    earlier = aliased(Post)
    first_time = ~exists().where(
        col(earlier.thread_id) == col(Post.thread_id),
        col(earlier.author_id) == col(Post.author_id),
        col(earlier.created_at) < request.start,
        col(earlier.deleted).is_(False),
    )
    query = (
        select_columns(
            col(Post.thread_id),
            func.count(col(Post.id)),
            func.count(distinct(col(Post.author_id))),
            func.count(distinct(case((first_time, col(Post.author_id))))),
            func.max(col(Post.created_at)),
        )
        .join(Thread, col(Thread.id) == col(Post.thread_id))
        .where(_of_sources(source_ids), *_in_period(request))
        .group_by(col(Post.thread_id))
    )
    return [
        Heat(int(thread_id), int(posts), int(people), int(new_people), store.utc(last))
        for thread_id, posts, people, new_people, last in (await _rows(session, query)).all()
    ]


def _of_sources(source_ids: list[int]) -> Any:
    """Threads of these sources, not by ix_thread_source_id: the period's posts (by
    ix_post_created_at) are fewer than the sources' threads' posts, and SQLite, without
    statistics, would otherwise start from the threads."""
    return (col(Thread.source_id) + 0).in_(source_ids)


async def threads(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[Thread, Thread | None]]:
    """The debates shown, each with the channel it belongs to (a thread's, a topic's)."""
    if not ids:
        return {}
    parent = aliased(Thread)
    query = (
        select(Thread, parent)
        .outerjoin(parent, col(parent.id) == col(Thread.parent_id))
        .where(col(Thread.id).in_(ids))
    )
    return {thread.id or 0: (thread, up) for thread, up in (await session.exec(query)).all()}


async def summaries(
    session: AsyncSession, ids: Sequence[int], since: datetime
) -> dict[int, Summary]:
    """Each debate's latest summary, when it was made since the period began: an older one
    tells of another time."""
    if not ids:
        return {}
    latest = (
        select_columns(func.max(col(Summary.id)))
        .where(col(Summary.thread_id).in_(ids))
        .group_by(col(Summary.thread_id))
    )
    query = select(Summary).where(col(Summary.id).in_(latest), col(Summary.created_at) >= since)
    return {row.thread_id: row for row in (await session.exec(query)).all()}


async def samples(
    session: AsyncSession, request: DigestRequest, ids: Sequence[int]
) -> dict[int, list[Sampled]]:
    """Per debate shown: a forum topic's opening post, the period's first post (to link to) and
    its latest SAMPLE posts, in order; one query, whatever the debates hold."""
    if not ids:
        return {}
    order = (col(Post.created_at), col(Post.id))
    in_period = (col(Post.created_at) >= request.start) & (col(Post.created_at) < request.end)
    ranked = (
        select_columns(
            col(Post.id).label("id"),
            col(Post.number).label("number"),
            func.row_number()
            .over(partition_by=col(Post.thread_id), order_by=[o.desc() for o in order])
            .label("latest"),
            func.row_number()
            .over(partition_by=col(Post.thread_id), order_by=list(order))
            .label("earliest"),
        )
        .where(
            col(Post.thread_id).in_(ids),
            col(Post.deleted).is_(False),
            in_period | (col(Post.number) == 1),
        )
        .subquery()
    )
    # The texts are read for the posts chosen only.
    query = (
        select_columns(
            col(Post.id),
            col(Post.thread_id),
            col(Post.number),
            col(Post.url),
            col(Post.text),
            col(Post.likes),
            col(Post.created_at),
            col(Author.name),
        )
        .join(ranked, ranked.c.id == col(Post.id))
        .join(Author, col(Author.id) == col(Post.author_id))
        .where(
            (ranked.c.latest <= SAMPLE) | (ranked.c.earliest == 1) | (ranked.c.number == 1),
            col(Post.text) != "",
        )
        .order_by(col(Post.thread_id), col(Post.created_at), col(Post.id))
    )
    out: dict[int, list[Sampled]] = {}
    for row in (await _rows(session, query)).all():
        created = store.utc(row.created_at)
        out.setdefault(row.thread_id, []).append(
            Sampled(
                row.id,
                row.number,
                row.url,
                created,
                PostInput(
                    id=f"P{row.id}",
                    author=row.name,
                    text=row.text,
                    likes=row.likes,
                    url=row.url,
                    created_at=created,
                    channel=str(row.thread_id),
                ),
            )
        )
    return out
