"""Members' activity in the ingested debates, for the framework's `Activity` (onboarding's
/match ranks people by what they have done here).

A chat author's external id is the member's user id on that platform (the source's kind), so a
chat member is found without any name matching. A forum member is asked for as
("discourse", <username>) and found by the username the forum gives its authors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.activity import MemberActivity, MemberKey
from bot.storage.database import Database
from bot.storage.models import as_utc
from cogs.debates.models import Author, Post, Source

CHAT_KINDS = ("discord", "telegram")
FORUM = "discourse"
# Posts read per member to count those on topic: the most recent ones.
ON_TOPIC_SAMPLE = 500
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass
class _Tally:
    posts: int = 0
    threads: int = 0
    last: datetime | None = None


class ChatActivity:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def activity(
        self, community_id: int, members: Sequence[MemberKey], about: Sequence[str]
    ) -> dict[MemberKey, MemberActivity]:
        wanted = {(p, u) for p, u in members if p in CHAT_KINDS}
        forum_names = {u.lower(): (p, u) for p, u in members if p == FORUM}
        if not wanted and not forum_names:
            return {}
        async with self._db.read() as session:
            authors = await _authors(session, community_id, wanted) if wanted else {}
            if forum_names:
                authors.update(await _forum_authors(session, community_id, forum_names))
            if not authors:
                return {}
            tallies = await _tallies(session, authors)
            words = {w.lower() for w in about}
            found = {}
            for key, tally in tallies.items():
                ids = [author for author, member in authors.items() if member == key]
                on_topic = await _on_topic(session, ids, words) if words else 0
                found[key] = MemberActivity(tally.posts, tally.threads, on_topic, tally.last)
        return found


async def _authors(
    session: AsyncSession, community_id: int, wanted: set[MemberKey]
) -> dict[int, MemberKey]:
    """The chat authors who are these members, by author id."""
    rows = await session.exec(
        select(Author.id, Source.kind, Author.external_id)
        .join(Source, col(Source.id) == col(Author.source_id))
        .where(
            Source.community_id == community_id,
            col(Source.kind).in_(CHAT_KINDS),
            col(Author.external_id).in_([user for _, user in wanted]),
        )
    )
    return {
        author: (kind, user)
        for author, kind, user in rows.all()
        if author is not None and (kind, user) in wanted
    }


async def _forum_authors(
    session: AsyncSession, community_id: int, names: dict[str, MemberKey]
) -> dict[int, MemberKey]:
    """The forum authors with these usernames (compared without case), by author id."""
    rows = await session.exec(
        select(Author.id, Author.name)
        .join(Source, col(Source.id) == col(Author.source_id))
        .where(
            Source.community_id == community_id,
            Source.kind == FORUM,
            func.lower(Author.name).in_(list(names)),
        )
    )
    return {
        author: names[name.lower()]
        for author, name in rows.all()
        if author is not None and name.lower() in names
    }


async def _tallies(session: AsyncSession, authors: dict[int, MemberKey]) -> dict[MemberKey, _Tally]:
    rows = await session.exec(
        select(
            Post.author_id,
            func.count(),
            func.count(func.distinct(Post.thread_id)),
            func.max(Post.created_at),
        )
        .where(col(Post.author_id).in_(list(authors)), col(Post.deleted).is_(False))
        .group_by(col(Post.author_id))
    )
    tallies: dict[MemberKey, _Tally] = {}
    for author, posts, threads, last in rows.all():
        tally = tallies.setdefault(authors[author], _Tally())
        tally.posts += int(posts)
        tally.threads += int(threads)
        when = as_utc(last)
        if when is not None and (tally.last is None or when > tally.last):
            tally.last = when
    return tallies


async def _on_topic(session: AsyncSession, author_ids: list[int], words: set[str]) -> int:
    recent = await session.exec(
        select(Post.text)
        .where(col(Post.author_id).in_(author_ids), col(Post.deleted).is_(False))
        .order_by(col(Post.created_at).desc())
        .limit(ON_TOPIC_SAMPLE)
    )
    return sum(1 for text in recent.all() if words & set(_WORD.findall(text.lower())))
