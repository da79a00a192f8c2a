"""Hybrid retrieval's vector half: passages embedded in the background, nearest ones on demand.

With `[knowledge] embeddings_model` set, the leader walks every record source's listing on a
schedule and embeds the passages that are new or changed since they were embedded (a content
hash tells), at most `budget` a run so a large backlog is spread over runs instead of one long
bill; once a walk has seen every source to its end, vectors of passages that are gone are
deleted. `VectorIndex.nearest` (the `VectorSearch` of cogs/knowledge/contracts.py) embeds the
question and ranks the community's vectors by cosine, brute force, from a matrix kept in memory
and reloaded when the table changed (retrieval/vectors.py says what that costs).

Visibility is not decided here: keys only go back to the ask service, which fetches the
passages through their sources with the reader's hidden channels, as it does for full text.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.context import FeatureContext
from bot.discussions import ModelUse
from bot.errors import ConfigError, UpstreamError
from bot.records import Passage, Records
from bot.storage.database import Database
from cogs.knowledge import vector_store as store
from cogs.knowledge.config import KnowledgeConfig
from retrieval.vectors import VectorMatrix, normalise, pack
from summarizer.embeddings import EmbeddingModel
from summarizer.errors import ModelError

log = logging.getLogger(__name__)

JOB_ID = "knowledge.vectors"
INTERVAL = timedelta(minutes=10)
# Passages embedded per run, over all communities; about 0.3 M tokens of typical posts.
BUDGET = 2000
PAGE = 500

# (community id, command, tokens): where /usage learns what embedding cost.
UsageRecorder = Callable[[int, str, int], Awaitable[None]]


def embedded_text(passage: Passage) -> str:
    """What is embedded for a passage: its title gives the text its subject."""
    return f"{passage.title}\n\n{passage.text}" if passage.title else passage.text


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class IndexRun:
    """What one refresh did, for logs and tests."""

    embedded: int = 0
    dropped: int = 0
    # Passages new or changed but left for a later run: the budget ran out or the endpoint failed.
    deferred: int = 0
    tokens: int = 0
    # Every source listed to its end for every community: what makes dropping safe.
    complete: bool = True
    error: str = ""


class VectorIndex:
    def __init__(
        self,
        db: Database,
        records: Records,
        model: EmbeddingModel,
        *,
        budget: int = BUDGET,
        page: int = PAGE,
        record_usage: UsageRecorder | None = None,
    ) -> None:
        self._db = db
        self._records = records
        self._model = model
        self.budget = budget
        self._page = page
        self._record_usage = record_usage
        self._matrices: dict[int, tuple[tuple[int, int], VectorMatrix]] = {}
        self._loading: dict[int, asyncio.Lock] = {}

    @property
    def model(self) -> str:
        return self._model.model

    async def close(self) -> None:
        await self._model.close()

    # The background half ---------------------------------------------------------------------

    async def refresh(self, community_ids: Sequence[int]) -> IndexRun:
        """Embed what is new or changed (within the budget), drop what is gone."""
        run = IndexRun()
        for community_id in community_ids:
            await self._refresh_community(community_id, run)
        if run.embedded or run.dropped or run.deferred:
            log.info(
                "vectors refreshed",
                extra={
                    "embedded": run.embedded,
                    "dropped": run.dropped,
                    "deferred": run.deferred,
                    "tokens": run.tokens,
                    "complete": run.complete,
                },
            )
        return run

    async def _refresh_community(self, community_id: int, run: IndexRun) -> None:
        embedded_before = run.embedded
        live: set[str] = set()
        complete = True
        tokens_before = run.tokens
        for source in self._records.sources:
            after: str | None = None
            while True:
                try:
                    page = await source.listing(community_id, after, self._page)
                except Exception:  # one source's fault must not stop the others' vectors
                    log.exception("listing passages failed", extra={"source": source.name})
                    complete = False
                    break
                live.update(p.key for p in page.passages)
                await self._embed_changed(community_id, page.passages, run)
                if page.after is None:
                    break
                after = page.after
        dropped_before = run.dropped
        if complete:
            async with self._db.transaction() as session:
                run.dropped += await store.sweep(session, community_id, self.model, live)
        run.complete = run.complete and complete
        if community_id in self._matrices and (
            run.dropped > dropped_before or run.embedded > embedded_before
        ):
            # Reading every vector back takes seconds at tens of thousands of passages: paid
            # here, in the background, rather than by the next /ask in this process.
            await self._matrix(community_id)
        if self._record_usage is not None and run.tokens > tokens_before:
            await self._record_usage(community_id, "ask-index", run.tokens - tokens_before)

    async def _embed_changed(
        self, community_id: int, passages: Sequence[Passage], run: IndexRun
    ) -> None:
        texts = {p.key: embedded_text(p) for p in passages}
        async with self._db.read() as session:
            stored = await store.hashes(session, community_id, self.model, list(texts))
        changed = [(k, t) for k, t in texts.items() if stored.get(k) != content_hash(t)]
        room = 0 if run.error else max(0, self.budget - run.embedded)
        run.deferred += max(0, len(changed) - room)
        changed = changed[:room]
        size = self._model.batch_size
        for start in range(0, len(changed), size):
            batch = changed[start : start + size]
            try:
                embedded = await self._model.embed([text for _, text in batch])
            except ModelError as exc:
                # The endpoint is down: the rest waits for the next run; listing goes on so
                # what is gone can still be dropped.
                run.error = exc.message
                run.deferred += len(changed) - start
                log.warning("embedding passages failed", extra={"error": exc.message})
                return
            rows = [
                store.NewVector(key, content_hash(text), len(vector), pack(vector))
                for (key, text), vector in zip(batch, embedded.vectors, strict=True)
            ]
            async with self._db.transaction() as session:
                await store.replace(session, community_id, self.model, rows)
            run.embedded += len(rows)
            run.tokens += embedded.tokens

    # The search half -------------------------------------------------------------------------

    async def nearest(self, community_id: int, question: str, limit: int) -> Sequence[str]:
        """Passage keys nearest the question, nearest first; [] when nothing is embedded yet.
        UpstreamError when the endpoint fails (the caller answers from full text alone)."""
        matrix = await self._matrix(community_id)
        if matrix is None:
            return []
        try:
            embedded = await self._model.embed([question])
        except ModelError as exc:
            raise UpstreamError("embeddings", exc.message, retryable=exc.retryable) from exc
        if self._record_usage is not None and embedded.tokens:
            await self._record_usage(community_id, "ask", embedded.tokens)
        query = normalise(embedded.vectors[0])
        if query.shape[0] != matrix.dims:
            log.warning(
                "question and stored vectors differ in size; re-embedding needed",
                extra={"question": query.shape[0], "stored": matrix.dims},
            )
            return []
        # Orthogonal or opposite is not near: such passages share nothing with the question.
        return [matrix.keys[n.index] for n in matrix.nearest(query, limit) if n.score > 0]

    async def _matrix(self, community_id: int) -> VectorMatrix | None:
        """The community's vectors stacked, from memory unless the table changed since."""
        lock = self._loading.setdefault(community_id, asyncio.Lock())
        async with lock:
            async with self._db.read() as session:
                current = await store.stamp(session, community_id, self.model)
                cached = self._matrices.get(community_id)
                if cached is not None and cached[0] == current:
                    return cached[1]
                if current[0] == 0:
                    self._matrices.pop(community_id, None)
                    return None
                keys, rows, dims = await store.load(session, community_id, self.model)
            # Stacking 100,000 rows takes a while: off the event loop.
            matrix = await asyncio.to_thread(VectorMatrix, keys, rows, dims)
            self._matrices[community_id] = (current, matrix)
            return matrix


def build_vector_index(ctx: FeatureContext[KnowledgeConfig]) -> VectorIndex | None:
    """The vector index when an embeddings model is configured, else None (full text alone).

    The endpoint is `embeddings_url`, or [llm]'s base_url; the key is [llm]'s. A local server
    at `embeddings_url` may take no key."""
    config = ctx.config
    if not config.embeddings_model:
        return None
    key = ctx.llm.api_key.get_secret_value() if ctx.llm.api_key is not None else ""
    if not key and not config.embeddings_url:
        raise ConfigError(
            "knowledge.embeddings_model",
            "needs [llm] api_key, or knowledge.embeddings_url for a server that takes no key",
        )
    model = EmbeddingModel(
        model=config.embeddings_model,
        api_key=key or "unused",
        base_url=config.embeddings_url or ctx.llm.base_url,
        timeout=ctx.llm.timeout,
        attempts=ctx.llm.attempts,
    )

    async def record_usage(community_id: int, command: str, tokens: int) -> None:
        use = ModelUse(prompt_tokens=tokens, completion_tokens=0, cost_usd=model.cost(tokens))
        await ctx.discussions.record_model_use(community_id, command, model.model, [use])

    return VectorIndex(ctx.db, ctx.records, model, record_usage=record_usage)


def schedule_vector_index(ctx: FeatureContext[KnowledgeConfig], index: VectorIndex) -> None:
    """The leader's job that keeps the vectors current."""

    async def refresh() -> None:
        await index.refresh([community.id for community in await ctx.communities.all()])

    ctx.scheduler.every(JOB_ID, INTERVAL, refresh)
