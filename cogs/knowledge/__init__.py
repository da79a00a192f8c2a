"""Knowledge: /ask answers about the community's own history, every claim cited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.context import FeatureContext
from bot.features import Feature
from bot.settings import LLMSettings
from cogs.knowledge.answering import ModelAnswerer
from cogs.knowledge.ask import AskService
from cogs.knowledge.ask_commands import ask
from cogs.knowledge.ask_rules import PRIVATE_CHANNELS_SETTING
from cogs.knowledge.ask_store import AskStore
from cogs.knowledge.config import KnowledgeConfig
from cogs.knowledge.docs_commands import docs_add, docs_list, docs_remove
from cogs.knowledge.docs_service import DocsService
from cogs.knowledge.docs_source import DocumentRecords
from cogs.knowledge.runtime import Knowledge
from cogs.knowledge.vectors import build_vector_index, schedule_vector_index
from summarizer.llm import LanguageModel


@asynccontextmanager
async def lifespan(ctx: FeatureContext[KnowledgeConfig]) -> AsyncIterator[Knowledge]:
    docs = await start_docs(ctx)
    # Hybrid retrieval, when an embeddings model is configured: the ask service's VectorSearch.
    vectors = build_vector_index(ctx)
    if vectors is not None:
        schedule_vector_index(ctx, vectors)
    model = language_model(ctx.llm)
    try:
        answerer = ModelAnswerer(model, ctx.llm.context_budget) if model is not None else None
        asks = AskService(
            ctx.config,
            ctx.records,
            AskStore(ctx.db),
            ctx.clock,
            ctx.discussions,
            answerer,
            vectors=vectors,
        )
        yield Knowledge(ctx.config, docs, asks, vectors=vectors)
    finally:
        await docs.close()
        if model is not None:
            await model.close()
        if vectors is not None:
            await vectors.close()


def language_model(llm: LLMSettings) -> LanguageModel | None:
    """The configured model, as debates builds it; None offline (no key)."""
    if llm.api_key is None:
        return None
    return LanguageModel(
        model=llm.model,
        api_key=llm.api_key.get_secret_value(),
        base_url=llm.base_url,
        timeout=llm.timeout,
        attempts=llm.attempts,
    )


async def start_docs(ctx: FeatureContext[KnowledgeConfig]) -> DocsService:
    """Documents: the folders read at start (local files, quick), pages fetched again in the
    background, then both on the leader's schedule."""
    communities = {c.slug: c.id for c in await ctx.communities.all()}
    docs = DocsService(ctx.db, ctx.http, ctx.clock, ctx.config, communities, ctx.default_community)
    await docs.sync_folders()
    ctx.records.register(DocumentRecords(ctx.db))
    every = timedelta(minutes=ctx.config.refresh_minutes)
    ctx.scheduler.every("knowledge.docs-refresh", every, docs.refresh)
    docs.refresh_pages_soon()
    return docs


feature = Feature(
    name="knowledge",
    description="/ask: answers from the community's forum, chat and documents, every claim cited",
    commands=(ask, docs_add, docs_remove, docs_list),
    settings=(PRIVATE_CHANNELS_SETTING,),
    config=KnowledgeConfig,
    lifespan=lifespan,
    migrations=Path(__file__).parent / "migrations",
)
