"""What the built-in commands read: the command list, communities and health checks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.commands.community import CommunityService
from bot.commands.registry import CommandRegistry
from bot.health import HealthChecks


@dataclass(frozen=True)
class Core:
    commands: CommandRegistry
    communities: CommunityService
    health: HealthChecks
    features: Sequence[tuple[str, str]]
    version: str
    started: float
