"""Tables of the debates feature: one normalized store for forum and chat discussion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp


class Source(SQLModel, table=True):
    """A forum, or a chat platform of a community, that discussion is ingested from."""

    __table_args__ = (UniqueConstraint("community_id", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    kind: str = Field(max_length=16)  # discourse, discord, telegram
    key: str = Field(max_length=300)  # forum base URL, guild id, chat id
    name: str = Field(max_length=200)
    options: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Where an interrupted sync resumes; what the last one saw.
    cursor: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    last_synced_at: datetime | None = timestamp(default=None, nullable=True)
    last_error: str | None = None
    created_at: datetime = timestamp()


# Kinds of threads: a forum's topic, and the chat kinds of bot.events.ChatMessage.channel_kind
# (a Discord channel or Telegram group, a Discord thread, a forum channel's post, a Telegram
# forum topic), plus "forum" for a Discord forum channel, which holds posts but no messages.
THREAD_KINDS = ("forum_topic", "channel", "thread", "forum_post", "topic", "forum")
# What a JSON list column holds for rows written before it existed, or without it.
EMPTY_LIST = text("'[]'")


class Thread(SQLModel, table=True):
    """A forum topic, a chat channel, or a chat thread. A Discord thread, a forum channel's post
    and a Telegram topic point at the channel they belong to (`parent_id`)."""

    __table_args__ = (UniqueConstraint("source_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    external_id: str = Field(max_length=64)
    title: str = Field(max_length=500)
    url: str = Field(default="", max_length=500)
    category: str | None = Field(default=None, max_length=200)
    bumped_at: datetime | None = timestamp(default=None, nullable=True)
    highest_number: int = 0
    # Chat backfill: the newest message id already stored.
    checkpoint: str | None = Field(default=None, max_length=64)
    kind: str = Field(
        default="channel", max_length=16, sa_column_kwargs={"server_default": "channel"}
    )
    parent_id: int | None = Field(default=None, foreign_key="thread.id", index=True)
    # When the first message seen live was stored (None: never followed live), and when a
    # backfill of its history last completed (None: never backfilled).
    live_at: datetime | None = timestamp(default=None, nullable=True)
    backfilled_at: datetime | None = timestamp(default=None, nullable=True)


class Author(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("source_id", "external_id"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    external_id: str = Field(max_length=100)
    name: str = Field(max_length=200)


class Post(SQLModel, table=True):
    """One forum post or chat message; (thread, external id) is unique, whatever the order of
    events that delivered it.

    `text` is the message's own words, mentions in the platform's raw form (`<@123>`, `<#789>`,
    Telegram's `@username`); "" means a message without text (attachments only), which is stored
    but is not a text post (see store.is_text_post). `attachments` holds {name, content_type,
    size, url} per file and `mentions` {id, name, kind} per mention, as JSON lists."""

    __table_args__ = (
        UniqueConstraint("thread_id", "external_id"),
        # Digests count posts per day and per debate and author, from the indexes alone.
        Index("ix_post_created_at", "created_at", "thread_id", "author_id", "deleted"),
        Index("ix_post_thread_author", "thread_id", "author_id", "created_at", "deleted"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    external_id: str = Field(max_length=64)
    number: int | None = None  # Discourse post_number
    author_id: int = Field(foreign_key="author.id")
    created_at: datetime = timestamp()
    updated_at: datetime = timestamp()
    reply_to: str | None = Field(default=None, max_length=64)
    likes: int = 0
    url: str = Field(default="", max_length=500)
    text: str
    deleted: bool = False
    attachments: list[dict[str, object]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=EMPTY_LIST),
    )
    mentions: list[dict[str, object]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False, server_default=EMPTY_LIST),
    )


class Summary(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    created_at: datetime = timestamp()
    model: str = Field(max_length=100)
    prompt_version: str = Field(max_length=50)
    posts_covered: int
    last_post_id: int | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    extractive: bool = False
    content: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CachedChunk(SQLModel, table=True):
    """A model's summary of exactly one prompt, keyed by the prompt's hash."""

    key: str = Field(primary_key=True, max_length=64)
    content: dict[str, object] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = timestamp()


class ModelUsage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    command: str = Field(max_length=64)
    model: str = Field(max_length=100)
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    created_at: datetime = timestamp()
