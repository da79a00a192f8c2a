"""The vector index in the real app: built in the knowledge lifespan only when an embeddings
model is configured, its leader job filling it from the registered sources."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.context import FeatureContext
from bot.errors import ConfigError
from bot.features import Feature
from cogs.knowledge.runtime import Knowledge
from cogs.knowledge.vectors import JOB_ID, VectorIndex
from tests.fakes.openai_server import FakeOpenAI
from tests.knowledge.memory_source import MemorySource
from tests.support.apps import make_settings, running_app

SOURCE = MemorySource(name="history")


@asynccontextmanager
async def register_source(ctx: FeatureContext[object]) -> AsyncIterator[None]:
    ctx.records.register(SOURCE)
    yield


history_feature = Feature(
    name="history", description="passages for the vector tests", lifespan=register_source
)


async def test_the_leader_job_embeds_the_sources_and_ask_gets_a_vector_search(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeOpenAI(api_key="test") as fake:
        settings = make_settings(
            tmp_path,
            db_url,
            features=["knowledge"],
            llm={"api_key": "test", "base_url": fake.base_url},
            knowledge={"embeddings_model": "text-embedding-3-small"},
        )
        async with running_app(settings, extra=(history_feature,)) as app:
            community = (await app.communities.all())[0].id
            SOURCE.passages.clear()
            SOURCE.put(community, "1", "Moderators receive a monthly stipend.", "Forum")
            SOURCE.put(community, "2", "The logo lives in the shared drive.", "Forum")
            assert JOB_ID in app.scheduler.job_ids()
            # On PostgreSQL the process leads once it holds the lock; only the leader indexes.
            for _ in range(100):
                if app.leadership.is_leader:
                    break
                await asyncio.sleep(0.05)
            await app.scheduler.run_now(JOB_ID)

            runtime = app.runtimes["knowledge"]
            assert isinstance(runtime, Knowledge)
            assert isinstance(runtime.vectors, VectorIndex)
            assert await runtime.vectors.nearest(community, "grant payouts", 1) == ["history:1"]
        assert fake.embeddings.texts_embedded == 3


async def test_without_an_embeddings_model_full_text_serves_alone(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, db_url, features=["knowledge"])
    async with running_app(settings, extra=()) as app:
        assert JOB_ID not in app.scheduler.job_ids()
        assert app.runtimes["knowledge"].vectors is None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_an_embeddings_model_with_no_key_and_no_url_is_a_config_error(
    db_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path, db_url, features=["knowledge"], knowledge={"embeddings_model": "m"}
    )
    with pytest.raises(ConfigError, match=r"knowledge\.embeddings_model"):
        async with running_app(settings, extra=()):
            pass
