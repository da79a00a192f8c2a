"""What the app needs from a front end (Discord, Telegram, console), and the set of them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.commands.options import ChannelRef
from bot.commands.reply import Reply
from bot.errors import UpstreamError
from bot.events import ChatMessage


@dataclass(frozen=True)
class Health:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class MessageRef:
    """A message the bot posted: where it is (Discord: the channel, thread or DM channel;
    Telegram: the chat; the console: its channel) and its id there."""

    channel_id: str
    message_id: str


class FrontEnd(Protocol):
    platform: str

    async def run(self) -> None:
        """Serve until `stop` is called (or, for the console, until its input ends). Raises when
        the platform cannot be reached; the app retries with backoff."""

    async def stop(self) -> None: ...

    async def post(
        self, channel: ChannelRef, reply: Reply, *, nonce: str | None = None
    ) -> Sequence[MessageRef]:
        """Post to a channel unprompted (alerts, digests, nudges). `nonce` lets a platform that
        supports it (Discord) return the earlier message instead of posting a second one.
        Returns the messages posted, in order (a long reply is split into several)."""
        ...

    async def post_direct(
        self, user_id: str, reply: Reply, *, nonce: str | None = None
    ) -> Sequence[MessageRef]:
        """Send a member a direct message; returns the messages posted, as `post` does."""
        ...

    async def space_of(self, channel: ChannelRef) -> str | None:
        """The guild or chat a channel belongs to, or None when the bot cannot see it."""

    async def member_spaces(self, user_id: str, spaces: Sequence[str]) -> list[str]:
        """Which of these guilds or chats the member belongs to (to place a direct message)."""

    def health(self) -> Health: ...


@runtime_checkable
class HistoryReader(Protocol):
    """A front end whose platform lets a bot read a channel's past messages (Discord does,
    Telegram's Bot API does not)."""

    def history(self, channel: ChannelRef, after: str | None) -> AsyncIterator[ChatMessage]:
        """Messages after the given id, oldest first."""
        ...


def channel_name_key(name: str) -> str:
    """How channel names compare: without '#', case-insensitive, with spaces, hyphens and
    underscores alike (a Telegram chat "Test DAO" is found as #test-dao)."""
    return re.sub(r"[\s_-]+", "-", name.strip().removeprefix("#").casefold()).strip("-")


@runtime_checkable
class ChannelFinder(Protocol):
    """A front end that can name a space's channels (Discord: a guild's text and forum channels
    and active threads; Telegram: the chat itself and its forum topics)."""

    async def find_channels(self, space_id: str, name: str) -> list[ChannelRef]:
        """The space's channels called `name` (as `channel_name_key` compares them); several
        when the name is ambiguous, none when nothing matches."""
        ...


@runtime_checkable
class ThreadStarter(Protocol):
    """A front end whose platform has forum channels (Discord): a new post there is a thread of
    its own, opened with its first message."""

    async def start_thread(
        self, channel: ChannelRef, name: str, reply: Reply, *, nonce: str | None = None
    ) -> ChannelRef | None:
        """In a forum channel, open a post named `name` whose first message is the reply, and
        return the new thread; elsewhere post nothing and return None (the caller posts in the
        channel itself)."""
        ...


@runtime_checkable
class RoleManager(Protocol):
    """A front end that can give members access by role. Discord: a guild role. Telegram: a gated
    group (the role is the group's chat id): granting creates a one-time invite link for the
    member (returned, for the caller to send in private), revoking removes them from the group
    without banning them for good."""

    async def grant_role(
        self, space_id: str, user_id: str, role_id: str, *, reason: str = ""
    ) -> str | None:
        """Give the role; returns an invite link to send the member, or None when granted.
        `reason` goes where the platform records it (Discord's audit log). Raises
        UpstreamError, not retryable when the bot is not allowed to."""
        ...

    async def revoke_role(
        self, space_id: str, user_id: str, role_id: str, *, reason: str = ""
    ) -> None: ...


class MessageGone(UpstreamError):
    """The message to edit is gone (deleted) or the platform no longer lets the bot edit it:
    trying again will not help."""

    def __init__(self, service: str, message: str) -> None:
        super().__init__(service, message, retryable=False)


@runtime_checkable
class MessageEditor(Protocol):
    """A front end that can change a message it posted (Discord, Telegram; the console prints
    the new text as an update)."""

    async def edit_message(self, message: MessageRef, reply: Reply) -> None:
        """Replace the message's text (and embeds, buttons) with the reply, rendered as ONE
        message: a revision longer than that is cut, and files are not changed. Editing to
        what the message already says succeeds. Raises MessageGone when the message was
        deleted or can no longer be edited, UpstreamError when the platform failed."""
        ...


class FrontEnds:
    """The front ends this process serves, by platform."""

    def __init__(self) -> None:
        self._by_platform: dict[str, FrontEnd] = {}

    def add(self, frontend: FrontEnd) -> None:
        self._by_platform[frontend.platform] = frontend

    def get(self, platform: str) -> FrontEnd | None:
        return self._by_platform.get(platform)

    def __iter__(self) -> Iterator[FrontEnd]:
        return iter(list(self._by_platform.values()))

    def history_reader(self, platform: str) -> HistoryReader | None:
        frontend = self._by_platform.get(platform)
        return frontend if isinstance(frontend, HistoryReader) else None

    def role_manager(self, platform: str) -> RoleManager | None:
        frontend = self._by_platform.get(platform)
        return frontend if isinstance(frontend, RoleManager) else None

    def thread_starter(self, platform: str) -> ThreadStarter | None:
        frontend = self._by_platform.get(platform)
        return frontend if isinstance(frontend, ThreadStarter) else None

    def message_editor(self, platform: str) -> MessageEditor | None:
        frontend = self._by_platform.get(platform)
        return frontend if isinstance(frontend, MessageEditor) else None

    def channel_finder(self, platform: str) -> ChannelFinder | None:
        frontend = self._by_platform.get(platform)
        return frontend if isinstance(frontend, ChannelFinder) else None

    async def space_of(self, channel: ChannelRef) -> str | None:
        frontend = self._by_platform.get(channel.platform)
        return await frontend.space_of(channel) if frontend is not None else None
