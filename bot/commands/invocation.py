"""What a handler knows about the call it is answering, and what its feature gave it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.commands.caller import Caller, Role
from bot.commands.community import CommunityContext
from bot.commands.options import ChannelRef
from bot.commands.spec import CommandSpec

FeatureT = TypeVar("FeatureT")


@dataclass(frozen=True)
class Invocation(Generic[FeatureT]):
    """`feature` is what the command's feature yielded from its lifespan: its services and
    configuration, built once; a command reaches nothing else."""

    spec: CommandSpec
    community: CommunityContext
    caller: Caller
    role: Role
    channel: ChannelRef | None
    feature: FeatureT

    @property
    def platform(self) -> str:
        return self.caller.platform
