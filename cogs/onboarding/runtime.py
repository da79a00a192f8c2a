"""What the onboarding commands get: the feature's context, its services, and the hooks that
other parts of the feature (wallet links, role grants) register to take part in /forget."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.context import FeatureContext
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.directory import DirectoryService, ForgetHook
from cogs.onboarding.flow import FlowService
from cogs.onboarding.matching import MatchService
from cogs.onboarding.roles import RoleService
from cogs.onboarding.verification import Verification
from cogs.onboarding.wallets import WalletService

__all__ = ["ForgetHook", "Onboarding"]


@dataclass
class Onboarding:
    ctx: FeatureContext[OnboardingConfig]
    flow: FlowService
    directory: DirectoryService
    matches: MatchService
    # Shared with the directory service: hooks registered after the start still run.
    forget_hooks: list[ForgetHook] = field(default_factory=list)
    # Wallet proofs and role rules (verification.py), started by the lifespan.
    verification: Verification | None = None

    @property
    def config(self) -> OnboardingConfig:
        return self.ctx.config

    def on_forget(self, hook: ForgetHook) -> None:
        self.forget_hooks.append(hook)

    @property
    def wallets(self) -> WalletService:
        if self.verification is None:
            raise RuntimeError("wallet proofs were not started")
        return self.verification.wallets

    @property
    def roles(self) -> RoleService:
        if self.verification is None:
            raise RuntimeError("role rules were not started")
        return self.verification.roles
