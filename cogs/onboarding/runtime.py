"""What the onboarding commands get: the feature's context, its services, and the hooks that
other parts of the feature (wallet links, role grants) register to take part in /forget."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.context import FeatureContext
from cogs.onboarding.config import OnboardingConfig

# (session, community id, platform, user id) -> rows deleted. Runs inside /forget's transaction:
# a hook deletes every row of its tables that names the member, and never commits.
ForgetHook = Callable[[AsyncSession, int, str, str], Awaitable[int]]


@dataclass
class Onboarding:
    ctx: FeatureContext[OnboardingConfig]
    forget_hooks: list[ForgetHook] = field(default_factory=list)

    @property
    def config(self) -> OnboardingConfig:
        return self.ctx.config

    def on_forget(self, hook: ForgetHook) -> None:
        self.forget_hooks.append(hook)
