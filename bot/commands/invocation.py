"""What a handler knows about the call it is answering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.commands.options import ChannelRef
from bot.commands.spec import CommandSpec, Role

if TYPE_CHECKING:
    from bot.app import App
    from bot.community import CommunityContext


@dataclass(frozen=True)
class Caller:
    """A member as the front end sees them. `platform_role` is what the platform alone grants
    (a Discord administrator, a Telegram chat creator, the console's --as); the core adds what the
    community configured."""

    platform: str
    user_id: str
    display_name: str
    platform_role: Role = Role.MEMBER
    role_ids: frozenset[str] = field(default_factory=frozenset)

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True)
class Invocation:
    app: App
    spec: CommandSpec
    community: CommunityContext
    caller: Caller
    role: Role
    channel: ChannelRef | None

    @property
    def platform(self) -> str:
        return self.caller.platform
