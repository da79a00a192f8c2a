"""Hybrid retrieval's vectors on SQLite and PostgreSQL, through the real openai client against
the fake embeddings endpoint: built, re-embedded on edit, dropped on delete, found by meaning,
within the budget, and failing in a way the ask service can fall back from."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlmodel import select

from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.errors import UpstreamError
from bot.records import Records
from bot.storage.database import Database
from bot.storage.models import Community
from cogs.knowledge.vector_store import KnowledgeVector
from cogs.knowledge.vectors import VectorIndex
from summarizer.embeddings import EmbeddingModel
from tests.fakes.openai_server import FakeOpenAI
from tests.knowledge.memory_source import MemorySource
from tests.support.apps import feature_migrations

MODEL = "text-embedding-3-small"

HISTORY = {
    "stipend": "The council approved a monthly stipend for forum moderators.",
    "logo": "The new logo files are in the shared drive, with the colour codes.",
    "bridge": "The bridge upgrade ships on Tuesday after the audit.",
    "vote": "Ballots on the snapshot close on Friday at noon UTC.",
}


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    database = Database(db_url)
    await database.migrate(feature_migrations())
    await CommunityService(database, [], CORE_SETTINGS).sync_configured("local")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(api_key="test") as server:
        yield server


@pytest.fixture
def source() -> MemorySource:
    return MemorySource()


@pytest.fixture
async def community(db: Database) -> int:
    async with db.read() as session:
        return (await session.exec(select(Community.id))).first() or 0


def model_for(base_url: str, **options: object) -> EmbeddingModel:
    settings: dict[str, object] = {"attempts": 2, "backoff": 0.01, "batch_size": 3}
    settings.update(options)
    return EmbeddingModel(model=MODEL, api_key="test", base_url=base_url, timeout=2, **settings)  # type: ignore[arg-type]


@pytest.fixture
async def index(db: Database, fake: FakeOpenAI, source: MemorySource) -> AsyncIterator[VectorIndex]:
    records = Records()
    records.register(source)
    vectors = VectorIndex(db, records, model_for(fake.base_url), page=2)
    try:
        yield vectors
    finally:
        await vectors.close()


def fill(source: MemorySource, community: int) -> None:
    for key, text in HISTORY.items():
        source.put(community, key, text, title="Forum")


async def stored(db: Database) -> dict[str, str]:
    async with db.read() as session:
        rows = await session.exec(select(KnowledgeVector))
        return {row.passage_key: row.content_hash for row in rows.all()}


async def test_passages_are_embedded_and_found_by_meaning_with_no_shared_word(
    db: Database, fake: FakeOpenAI, source: MemorySource, index: VectorIndex, community: int
) -> None:
    fill(source, community)
    run = await index.refresh([community])
    assert (run.embedded, run.deferred, run.complete) == (4, 0, True)
    assert set(await stored(db)) == {f"memory:{key}" for key in HISTORY}
    assert source.listings == 2, "four passages, two a page"

    nearest = await index.nearest(community, "Who gets paid for moderating?", 2)
    assert nearest[0] == "memory:stipend"
    assert not set(HISTORY["stipend"].lower().split()) & {"who", "gets", "paid", "moderating?"}
    assert (await index.nearest(community, "when do polls end", 1)) == ["memory:vote"]

    again = await index.refresh([community])
    assert (again.embedded, again.dropped) == (0, 0), "nothing changed, nothing re-embedded"
    assert fake.embeddings.texts_embedded == 4 + 2, "four passages and two questions"


async def test_an_edited_passage_is_embedded_again_and_found_by_its_new_meaning(
    db: Database, source: MemorySource, index: VectorIndex, community: int
) -> None:
    fill(source, community)
    await index.refresh([community])
    before = await stored(db)
    assert await index.nearest(community, "documentation handbook", 1) != ["memory:bridge"]

    source.put(community, "bridge", "The bridge runbook moved to the handbook.", title="Forum")
    run = await index.refresh([community])
    after = await stored(db)
    assert run.embedded == 1
    assert after["memory:bridge"] != before["memory:bridge"]
    assert {k: v for k, v in after.items() if k != "memory:bridge"} == {
        k: v for k, v in before.items() if k != "memory:bridge"
    }
    assert await index.nearest(community, "documentation manual", 1) == ["memory:bridge"]


async def test_a_deleted_passage_loses_its_vector_and_is_never_returned(
    db: Database, source: MemorySource, index: VectorIndex, community: int
) -> None:
    fill(source, community)
    await index.refresh([community])
    assert "memory:stipend" in await index.nearest(community, "payouts to moderators", 4)

    source.remove(community, "stipend")
    run = await index.refresh([community])
    assert run.dropped == 1
    assert "memory:stipend" not in await stored(db)
    assert "memory:stipend" not in await index.nearest(community, "payouts to moderators", 4)


async def test_nothing_is_dropped_when_a_source_could_not_be_listed_to_its_end(
    db: Database, source: MemorySource, index: VectorIndex, community: int
) -> None:
    fill(source, community)
    await index.refresh([community])
    source.remove(community, "stipend")
    source.broken = True
    run = await index.refresh([community])
    assert not run.complete
    assert run.dropped == 0
    assert "memory:stipend" in await stored(db)


async def test_the_budget_spreads_a_backlog_over_runs(
    db: Database, fake: FakeOpenAI, source: MemorySource, index: VectorIndex, community: int
) -> None:
    for n in range(7):
        source.put(community, f"p{n}", f"treasury report number {n}")
    index.budget = 3
    runs = [await index.refresh([community]) for _ in range(3)]
    assert [(r.embedded, r.deferred) for r in runs] == [(3, 4), (3, 1), (1, 0)]
    assert fake.embeddings.texts_embedded == 7
    assert max(len(r.inputs) for r in fake.embeddings.requests) <= 3, "batch size held"
    assert len(await stored(db)) == 7


async def test_vectors_stay_in_their_community(
    db: Database, source: MemorySource, index: VectorIndex, community: int
) -> None:
    async with db.transaction() as session:
        other = Community(slug="other", name="Other DAO")
        session.add(other)
        await session.flush()
        other_id = other.id or 0
    fill(source, community)
    source.put(other_id, "grants", "Grant payouts go out monthly.")
    await index.refresh([community, other_id])
    assert await index.nearest(other_id, "stipend", 5) == ["memory:grants"]
    assert "memory:grants" not in await index.nearest(community, "stipend", 5)


async def test_an_endpoint_that_fails_is_an_upstream_error_and_the_index_waits(
    db: Database, fake: FakeOpenAI, source: MemorySource, index: VectorIndex, community: int
) -> None:
    fill(source, community)
    await index.refresh([community])
    fake.embeddings.fail_next(503, count=2)
    with pytest.raises(UpstreamError) as failed:
        await index.nearest(community, "payouts", 3)
    assert failed.value.service == "embeddings" and failed.value.retryable

    source.put(community, "new", "A new post about grants.")
    fake.embeddings.fail_next(500, count=2)
    run = await index.refresh([community])
    assert (run.embedded, run.deferred) == (0, 1)
    assert "HTTP 500" in run.error
    assert "memory:new" not in await stored(db)
    assert (await index.refresh([community])).embedded == 1, "the next run catches up"


async def test_a_server_that_is_down_is_an_upstream_error_too(
    db: Database, source: MemorySource, index: VectorIndex, community: int
) -> None:
    fill(source, community)
    await index.refresh([community])
    records = Records()
    records.register(source)
    down = VectorIndex(db, records, model_for("http://127.0.0.1:9/v1"))
    try:
        with pytest.raises(UpstreamError, match="embeddings"):
            await down.nearest(community, "payouts", 3)
    finally:
        await down.close()


async def test_nothing_embedded_yet_gives_no_keys_without_calling_the_endpoint(
    fake: FakeOpenAI, index: VectorIndex, community: int
) -> None:
    assert await index.nearest(community, "anything", 5) == []
    assert fake.embeddings.requests == []


async def test_embedding_tokens_are_reported_for_usage(
    db: Database, fake: FakeOpenAI, source: MemorySource, community: int
) -> None:
    used: list[tuple[int, str, int]] = []

    async def record(community_id: int, command: str, tokens: int) -> None:
        used.append((community_id, command, tokens))

    records = Records()
    records.register(source)
    vectors = VectorIndex(db, records, model_for(fake.base_url), record_usage=record)
    try:
        fill(source, community)
        await vectors.refresh([community])
        await vectors.nearest(community, "payouts", 1)
    finally:
        await vectors.close()
    assert [(c, command) for c, command, _ in used] == [
        (community, "ask-index"),
        (community, "ask"),
    ]
    assert sum(tokens for *_, tokens in used) == fake.embeddings.total_tokens > 0
