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
class ChatMessage:
    """A message seen in a chat, new, edited or deleted. `channel` is where it was posted (a
    Discord thread counts as a channel); `parent` the channel a thread belongs to."""

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


Listener = Callable[[ChatMessage], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

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
