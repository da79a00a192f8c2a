"""Wallet proofs and role rules, started with the onboarding feature: the services, the signing
page's routes, the scheduled re-check of roles (leader only), and their part in /forget."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.context import FeatureContext
from chain.node import ChainNode
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.roles import RoleService
from cogs.onboarding.signing_page import routes
from cogs.onboarding.wallets import WalletService

ROLE_CHECK_JOB = "onboarding.roles"


@dataclass(frozen=True)
class Verification:
    wallets: WalletService
    roles: RoleService


def start_verification(ctx: FeatureContext[OnboardingConfig]) -> Verification:
    config = ctx.config
    node = ChainNode(config.chain.rpc, ctx.http) if config.chain.rpc else None
    wallets = WalletService(ctx.db, config.chain, ctx.web, ctx.clock, ctx.outbox, node)
    roles = RoleService(ctx.db, config.roles, node, ctx.outbox, ctx.clock)
    ctx.web.add_routes(routes(wallets))
    if config.roles:

        async def recheck() -> None:
            await roles.check_all()

        ctx.scheduler.every(
            ROLE_CHECK_JOB, timedelta(hours=config.role_check_hours), recheck, jitter=60
        )
    return Verification(wallets, roles)
