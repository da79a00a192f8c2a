"""What the app needs from a front end (Discord, Telegram, console)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.commands.options import ChannelRef
from bot.commands.reply import Reply
from bot.events import ChatMessage


@dataclass(frozen=True)
class Health:
    name: str
    ok: bool
    detail: str


class FrontEnd(Protocol):
    platform: str

    async def run(self) -> None:
        """Serve until `stop` is called (or, for the console, until its input ends)."""

    async def stop(self) -> None: ...

    async def post(self, channel: ChannelRef, reply: Reply) -> None:
        """Post to a channel unprompted: alerts, digests, nudges."""

    def health(self) -> Health: ...


@runtime_checkable
class HistoryReader(Protocol):
    """A front end whose platform lets a bot read a channel's past messages (Discord does,
    Telegram's Bot API does not)."""

    def history(self, channel: ChannelRef, after: str | None) -> AsyncIterator[ChatMessage]:
        """Messages after the given id, oldest first."""
        ...
