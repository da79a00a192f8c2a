"""What debates stores, as /ask reads it: forum posts and chat messages as passages.

The full-text index over `post.text` (migration 0025_debates_search) is kept by the database
itself in the transactions that write posts, so an edit is searchable by its new words at once
and a deleted post (kept as a row marked `deleted`) is filtered out here. Visibility is filtered
in the same query as the ranking: a chat post is hidden when its channel, or the channel its
thread or topic belongs to, is in the request's `hidden_channels`, so the limit counts only what
the reader may see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, bindparam, text
from sqlalchemy.engine import Row
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.records import Passage, RecordPage, SearchRequest
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.mentions import display_text
from retrieval.fulltext import FullTextIndex, match

POST_TEXT = FullTextIndex("post", "text")
NAME = "debates"
KEY_PREFIX = f"{NAME}:post:"
CHAT = ("discord", "telegram")

_COLUMNS = """
    post.id AS id, post.external_id AS external_id, post.text AS text,
    post.mentions AS mentions, post.url AS url, post.created_at AS created_at,
    thread.title AS title, thread.external_id AS channel_id,
    parent.title AS parent_title, parent.external_id AS parent_id,
    source.id AS source_id, source.kind AS platform, source.key AS source_key,
    author.name AS author"""
_JOINS = """
    JOIN thread ON thread.id = post.thread_id
    LEFT JOIN thread AS parent ON parent.id = thread.parent_id
    JOIN source ON source.id = thread.source_id
    JOIN author ON author.id = post.author_id"""
# Live text posts of the community (store.is_text_post: an attachment alone is not one).
_LIVE = "source.community_id = :community_id AND post.deleted = :deleted AND post.text != ''"
# A thread or topic is hidden with its channel; forum posts ("discourse:…") are never hidden
# by a chat channel's key.
_VISIBLE = """
    (source.kind || ':' || thread.external_id) NOT IN :hidden
    AND (source.kind || ':' || COALESCE(parent.external_id, '')) NOT IN :hidden"""
_TYPES: dict[str, Any] = {"created_at": DateTime(timezone=True), "mentions": JSON()}


def key_of(post_id: int) -> str:
    return f"{KEY_PREFIX}{post_id}"


def post_id_of(key: str) -> int | None:
    """The post id of one of this source's keys; None for any other key."""
    rest = key.removeprefix(KEY_PREFIX)
    if rest == key or not rest.isascii() or not rest.isdigit():
        return None
    return int(rest)


def _visibility(hidden: frozenset[str]) -> tuple[str, dict[str, Any]]:
    if not hidden:
        return "", {}
    return f" AND {_VISIBLE}", {"hidden": sorted(hidden)}


def _statement(sql: str, params: Mapping[str, Any]) -> Any:
    statement = text(sql).columns(**_TYPES)
    if "hidden" in params:
        statement = statement.bindparams(bindparam("hidden", expanding=True))
    if "ids" in params:
        statement = statement.bindparams(bindparam("ids", expanding=True))
    return statement


@dataclass(frozen=True)
class DebateRecords:
    """The "debates" record source: see bot.records.RecordSource."""

    db: Database

    @property
    def name(self) -> str:
        return NAME

    async def search(self, request: SearchRequest) -> Sequence[Passage]:
        if request.query.empty or request.limit <= 0:
            return []
        hidden_sql, hidden_params = _visibility(request.hidden_channels)
        # Planned and run on one connection: the plan's probes and the ranking read together.
        async with self.db.read() as session:
            found = await match(await session.connection(), POST_TEXT, request.query)
            if found is None:
                return []
            sql = (
                f"SELECT {_COLUMNS}, {found.rank} AS score FROM post {found.join} {_JOINS}"
                f" WHERE {found.where} AND {_LIVE}{hidden_sql}"
                " ORDER BY score DESC, post.id DESC LIMIT :limit"
            )
            params = {
                **found.params,
                **hidden_params,
                "community_id": request.community_id,
                "deleted": False,
                "limit": request.limit,
            }
            return await _passages_in(session, sql, params)

    async def fetch(
        self, community_id: int, keys: Sequence[str], hidden_channels: frozenset[str]
    ) -> Sequence[Passage]:
        ids = list(dict.fromkeys(i for i in map(post_id_of, keys) if i is not None))
        if not ids:
            return []
        hidden_sql, hidden_params = _visibility(hidden_channels)
        by_key: dict[str, Passage] = {}
        for part in store.chunks(ids):
            sql = (
                f"SELECT {_COLUMNS}, 0.0 AS score FROM post {_JOINS}"
                f" WHERE post.id IN :ids AND {_LIVE}{hidden_sql}"
            )
            params = {
                **hidden_params,
                "ids": list(part),
                "community_id": community_id,
                "deleted": False,
            }
            by_key.update((p.key, p) for p in await self._passages(sql, params))
        return [by_key[key_of(i)] for i in ids if key_of(i) in by_key]

    async def listing(self, community_id: int, after: str | None, limit: int) -> RecordPage:
        # `after` is the last post id of the previous page.
        start = int(after) if after and after.isascii() and after.isdigit() else 0
        sql = (
            f"SELECT {_COLUMNS}, 0.0 AS score FROM post {_JOINS}"
            f" WHERE post.id > :after AND {_LIVE} ORDER BY post.id LIMIT :limit"
        )
        params = {
            "after": start,
            "community_id": community_id,
            "deleted": False,
            "limit": max(limit, 1),
        }
        passages = await self._passages(sql, params)
        more = len(passages) == max(limit, 1)
        last = post_id_of(passages[-1].key) if more and passages else None
        return RecordPage(passages, str(last) if last is not None else None)

    async def _passages(self, sql: str, params: Mapping[str, Any]) -> list[Passage]:
        async with self.db.read() as session:
            return await _passages_in(session, sql, params)


async def _passages_in(session: AsyncSession, sql: str, params: Mapping[str, Any]) -> list[Passage]:
    connection = await session.connection()
    rows = (await connection.execute(_statement(sql, params), dict(params))).all()
    names = await _mention_names(session, rows)
    return [_passage(row, names.get(row.source_id, {})) for row in rows]


async def _mention_names(
    session: AsyncSession, rows: Sequence[Row[Any]]
) -> dict[int, dict[str, str]]:
    """The latest names of the people and channels the rows mention, per source."""
    mentioned: dict[int, list[Mapping[str, object]]] = {}
    for row in rows:
        if row.mentions:
            mentioned.setdefault(row.source_id, []).extend(row.mentions)
    return {
        source_id: await store.mention_names(session, source_id, mentions)
        for source_id, mentions in mentioned.items()
    }


def _passage(row: Row[Any], names: Mapping[str, str]) -> Passage:
    chat = row.platform in CHAT
    created: datetime | None = store.utc(row.created_at) if row.created_at else None
    return Passage(
        key=key_of(row.id),
        kind="chat" if chat else "forum",
        title=_title(row) if chat else row.title,
        text=display_text(row.text, row.mentions or (), names),
        url=row.url or _link(row),
        created_at=created,
        author=row.author,
        score=float(row.score or 0.0),
        channel=f"{row.platform}:{row.channel_id}" if chat else "",
    )


def _channel_name(title: str | None, external_id: str | None, platform: str) -> str:
    """A channel as people name it: "#general" on Discord, a group's title on Telegram; a
    channel known only by its id, "#<id>"."""
    name = (title or "").strip()
    if not store.is_name(name, external_id or ""):
        return f"#{external_id}"
    return name if platform != "discord" or name.startswith("#") else f"#{name}"


def _title(row: Row[Any]) -> str:
    """ "#channel", or "#channel › thread" for a thread, forum post or topic."""
    own = _channel_name(row.title, row.channel_id, row.platform)
    if row.parent_id is None:
        return own
    return f"{_channel_name(row.parent_title, row.parent_id, row.platform)} › {own}"


def _link(row: Row[Any]) -> str:
    """A link to the message when it was stored without one: Discord's jump URL; Telegram's
    t.me/c/ link, which supergroups alone have (basic groups have no message links)."""
    if row.platform == "discord" and row.source_key and row.channel_id:
        return f"https://discord.com/channels/{row.source_key}/{row.channel_id}/{row.external_id}"
    if row.platform == "telegram":
        chat, _, topic = str(row.channel_id).partition("/")
        if chat.startswith("-100") and chat[4:].isdigit():
            thread = f"?thread={topic}" if topic else ""
            return f"https://t.me/c/{chat[4:]}/{row.external_id}{thread}"
    return ""
