"""Built-in commands: /help, /about and /config."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bot.context import FeatureContext
from bot.features import Feature
from cogs.core.commands import about, config_reset, config_set, config_show, help_command
from cogs.core.runtime import Core


@asynccontextmanager
async def lifespan(ctx: FeatureContext[Any]) -> AsyncIterator[Core]:
    yield Core(
        commands=ctx.commands,
        communities=ctx.communities,
        health=ctx.health,
        features=ctx.features,
        version=ctx.version,
        started=time.monotonic(),
    )


feature = Feature(
    name="core",
    description="help, status and per-community settings",
    commands=(help_command, about, config_show, config_set, config_reset),
    lifespan=lifespan,
)
