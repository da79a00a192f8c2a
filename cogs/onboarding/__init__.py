"""Onboarding: welcome new members, guide them through a profile, find contributors by skill."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.context import FeatureContext
from bot.features import Feature
from cogs.onboarding import models as _models  # noqa: F401  (registers the tables)
from cogs.onboarding import wallet_models as _wallet_models  # noqa: F401
from cogs.onboarding.commands import COMMANDS
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.digest_part import OnboardingDigest
from cogs.onboarding.directory import DirectoryService
from cogs.onboarding.flow import FlowService
from cogs.onboarding.match_commands import match
from cogs.onboarding.matching import MatchService
from cogs.onboarding.runtime import ForgetHook, Onboarding
from cogs.onboarding.verification import start_verification
from cogs.onboarding.wallet_commands import COMMANDS as VERIFY_COMMANDS
from cogs.onboarding.wallets import forget_wallets
from cogs.onboarding.welcome import Welcomer

# How often flows left unanswered are looked for (the timeout itself is configured).
EXPIRY_TICK = timedelta(minutes=1)


@asynccontextmanager
async def lifespan(ctx: FeatureContext[OnboardingConfig]) -> AsyncIterator[Onboarding]:
    hooks: list[ForgetHook] = []
    welcomer = Welcomer(ctx.db, ctx.config, ctx.outbox, ctx.communities)
    flow = FlowService(ctx.db, ctx.config, ctx.outbox, ctx.clock)
    directory = DirectoryService(ctx.db, ctx.config, ctx.clock, hooks)
    matches = MatchService(ctx.db, ctx.clock, ctx.activity)
    ctx.events.subscribe_joins(welcomer.on_join)
    ctx.directory.register(directory)
    ctx.scheduler.every("onboarding.flow-timeout", EXPIRY_TICK, flow.expire_job)
    verification = start_verification(ctx)
    # The People section of stewards' digests: who joined, which roles changed and why.
    ctx.digest_parts.register(OnboardingDigest(ctx.db))
    # /forget takes back the roles rules gave, then deletes wallet links and sign-in messages.
    # Other features' rows naming the member go too (ctx.directory's forgetters); last, the
    # outbox's records stop naming them (what the hooks before enqueued is kept).
    hooks += [
        verification.roles.forget,
        forget_wallets,
        ctx.directory.forget,
        ctx.outbox.forget_member,
    ]
    yield Onboarding(ctx, flow, directory, matches, forget_hooks=hooks, verification=verification)


feature = Feature(
    name="onboarding",
    description="welcome, guided profiles, a contributor directory and matching people to work",
    commands=(*COMMANDS, match, *VERIFY_COMMANDS),
    config=OnboardingConfig,
    lifespan=lifespan,
    migrations=Path(__file__).parent / "migrations",
)
