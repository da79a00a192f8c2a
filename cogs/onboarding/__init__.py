"""Onboarding: welcome new members, guide them through a profile, find contributors by skill."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.context import FeatureContext
from bot.features import Feature
from cogs.onboarding import models as _models  # noqa: F401  (registers the tables)
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.runtime import Onboarding


@asynccontextmanager
async def lifespan(ctx: FeatureContext[OnboardingConfig]) -> AsyncIterator[Onboarding]:
    yield Onboarding(ctx)


feature = Feature(
    name="onboarding",
    description="welcome, guided profiles, a contributor directory and matching people to work",
    commands=(),
    config=OnboardingConfig,
    lifespan=lifespan,
    migrations=Path(__file__).parent / "migrations",
)
