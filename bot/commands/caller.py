"""Who runs a command and where: the member as their platform sees them, and the chat space."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Role(IntEnum):
    MEMBER = 0
    STEWARD = 1
    ADMIN = 2

    @property
    def label(self) -> str:
        return {0: "anyone", 1: "stewards", 2: "admins"}[int(self)]


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
class Space:
    """Where a command was run or a message posted: a Discord guild, a Telegram chat, the
    console's community. A direct message has no id: `is_direct`."""

    platform: str
    id: str
    name: str

    @property
    def is_direct(self) -> bool:
        return not self.id
