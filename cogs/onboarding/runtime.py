"""What the onboarding commands get: the feature's context, its services, and the hooks that
other parts of the feature (wallet links, role grants) register to take part in /forget."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.context import FeatureContext
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.directory import DirectoryService, ForgetHook
from cogs.onboarding.flow import FlowService
from cogs.onboarding.matching import MatchService

__all__ = ["ForgetHook", "Onboarding"]


@dataclass
class Onboarding:
    ctx: FeatureContext[OnboardingConfig]
    flow: FlowService
    directory: DirectoryService
    matches: MatchService
    # Shared with the directory service: hooks registered after the start still run.
    forget_hooks: list[ForgetHook] = field(default_factory=list)

    @property
    def config(self) -> OnboardingConfig:
        return self.ctx.config

    def on_forget(self, hook: ForgetHook) -> None:
        self.forget_hooks.append(hook)
