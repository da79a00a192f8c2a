"""Chat events the front ends publish for features to consume (ingestion, onboarding, ...)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.commands.caller import Space
from bot.commands.options import ChannelRef

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a message: stored and shown as a link, never read as text."""

    name: str
    content_type: str = ""
    size: int = 0
    url: str = ""


@dataclass(frozen=True)
class Mention:
    """Someone a message mentions, by the platform's id, with the name shown for them then.
    Stored as ids; shown as names at display time, never as a ping."""

    id: str
    name: str = ""
    kind: str = "user"  # user, role, channel


@dataclass(frozen=True)
class ChatMessage:
    """A message seen in a chat, new, edited or deleted. `channel` is where it was posted: a
    Discord thread, a forum channel's post and a Telegram forum topic each count as a channel
    (a topic's id is "<chat id>/<message_thread_id>"); `parent` is the channel a thread or topic
    belongs to. `channel.display` is the channel's name or chat's title when the event carries
    one, else "" (a delete carries none): an empty name never replaces a stored one. `text` is
    the message's own words without its attachments; `channel_kind` says what the channel is."""

    platform: str
    space: Space
    channel: ChannelRef
    message_id: str
    author_id: str = ""
    author_name: str = ""
    text: str = ""
    created_at: datetime | None = None
    edited_at: datetime | None = None
    reply_to: str | None = None
    reactions: int = 0
    url: str = ""
    parent: ChannelRef | None = None
    deleted: bool = False
    attachments: tuple[Attachment, ...] = ()
    mentions: tuple[Mention, ...] = ()
    channel_kind: str = "channel"  # channel, thread, forum_post, topic


@dataclass(frozen=True)
class MemberJoined:
    """A member joined a space: a Discord guild (member join) or a Telegram group (chat member
    update to member). `channel` is where a welcome belongs: the guild's system channel or the
    group itself; None when the bot cannot post there."""

    platform: str
    space: Space
    user_id: str
    user_name: str
    channel: ChannelRef | None = None


Listener = Callable[[ChatMessage], Awaitable[None]]
JoinListener = Callable[[MemberJoined], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._join_listeners: list[JoinListener] = []

    def subscribe_joins(self, listener: JoinListener) -> None:
        self._join_listeners.append(listener)

    async def publish_join(self, joined: MemberJoined) -> None:
        """Deliver to every join listener; one that fails is logged and the others still run."""
        for listener in self._join_listeners:
            try:
                await listener(joined)
            except Exception:
                log.exception(
                    "member join listener failed",
                    extra={"platform": joined.platform, "space": joined.space.id},
                )

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def publish(self, message: ChatMessage) -> None:
        """Deliver to every listener; one that fails is logged and the others still run."""
        for listener in self._listeners:
            try:
                await listener(message)
            except Exception:
                log.exception(
                    "chat event listener failed",
                    extra={"platform": message.platform, "message_id": message.message_id},
                )
