"""Knowledge: /ask answers about the community's own history, every claim cited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bot.context import FeatureContext
from bot.features import Feature
from cogs.knowledge.config import KnowledgeConfig
from cogs.knowledge.runtime import Knowledge


@asynccontextmanager
async def lifespan(ctx: FeatureContext[KnowledgeConfig]) -> AsyncIterator[Knowledge]:
    yield Knowledge(ctx.config)


feature = Feature(
    name="knowledge",
    description="/ask: answers from the community's forum, chat and documents, every claim cited",
    commands=(),
    config=KnowledgeConfig,
    lifespan=lifespan,
    migrations=Path(__file__).parent / "migrations",
)
