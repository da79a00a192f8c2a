"""/ask's service: search every record source, rank the passages as one, and answer from them,
with a model when one is configured and allowed, else with the passages themselves.

The rules (visibility, thresholds, what clearly answers, follow-ups) are in ask_rules; this
module does the I/O around them: the sources, the vector search, the model, the asks table.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock
from bot.commands.caller import Role
from bot.commands.community import CommunityContext
from bot.discussions import Discussions, ModelUse
from bot.errors import UpstreamError
from bot.records import Passage, Records, SearchRequest
from cogs.knowledge.ask_rules import (
    Found,
    answer_sentence,
    candidate,
    clear_answer,
    follow_up,
    hidden_channels,
    refers_back,
    select,
)
from cogs.knowledge.ask_store import AskStore
from cogs.knowledge.config import KnowledgeConfig
from cogs.knowledge.contracts import VectorSearch
from cogs.knowledge.models import KnowledgeAsk
from retrieval.query import Query, parse
from retrieval.ranking import Candidate, Relevance, rank

log = logging.getLogger(__name__)

SEARCH_LIMIT = 20


@dataclass(frozen=True)
class CitedLine:
    """A sentence of a model's answer and the passages it cites (0-based, in the order the
    passages were given)."""

    text: str
    passages: tuple[int, ...]


@dataclass(frozen=True)
class ModelReply:
    model: str
    lines: tuple[CitedLine, ...]
    unanswerable: bool = False
    # Sentences left out because none of their citations held up against the passages.
    dropped: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


class ModelFailed(Exception):
    """The model could not answer; the offline answer is given instead, with this reason."""


class Answerer(Protocol):
    """Answers from passages with a language model (cogs/knowledge/answering.py)."""

    @property
    def model(self) -> str: ...

    async def answer(
        self, question: str, passages: Sequence[Passage], previous: tuple[str, str] | None
    ) -> ModelReply:
        """The model's cited answer; raises ModelFailed when the model fails."""
        ...


@dataclass(frozen=True)
class AskRequest:
    community: CommunityContext
    role: Role
    platform: str
    channel: str  # the channel, thread or topic id the ask came from; "" in none
    user_id: str
    question: str


@dataclass(frozen=True)
class AskResult:
    question: str
    query: Query
    sources: tuple[str, ...]
    # The passages the answer is built from, best first; empty: the record has nothing.
    found: tuple[Found, ...]
    scorer: Relevance
    zone: ZoneInfo
    previous_question: str | None = None
    # Offline: the best passage's sentence that answers, when one passage clearly answers.
    answer: tuple[Found, str] | None = None
    model_reply: ModelReply | None = None
    # Said under the answer: why the model was not used, why vectors were left out.
    notes: tuple[str, ...] = field(default=())

    @property
    def refused(self) -> bool:
        return not self.found or (self.model_reply is not None and self.model_reply.unanswerable)

    @property
    def cited(self) -> tuple[Found, ...]:
        """The passages the answer cites: the model's cited ones, or every quoted one."""
        if self.refused:
            return ()
        if self.model_reply is None:
            return self.found
        used = sorted({i for line in self.model_reply.lines for i in line.passages})
        return tuple(self.found[i] for i in used if i < len(self.found))

    @property
    def answer_text(self) -> str:
        """The answer in a few words, kept for a follow-up's context."""
        if self.refused:
            return ""
        if self.model_reply is not None:
            return " ".join(line.text for line in self.model_reply.lines)
        if self.answer is not None:
            return self.answer[1]
        return " ".join(f.passage.title for f in self.found)


class AskService:
    def __init__(
        self,
        config: KnowledgeConfig,
        records: Records,
        store: AskStore,
        clock: Clock,
        discussions: Discussions,
        answerer: Answerer | None = None,
        vectors: VectorSearch | None = None,
    ) -> None:
        self._config = config
        self._records = records
        self._store = store
        self._clock = clock
        self._discussions = discussions
        self._answerer = answerer
        self._vectors = vectors

    async def ask(self, request: AskRequest) -> AskResult:
        now = self._clock.now()
        community = request.community
        previous = await self._store.previous(
            community.id, request.platform, request.channel, request.user_id
        )
        if previous is not None and not (
            follow_up(previous.created_at, now, self._config.follow_up_minutes)
            and refers_back(parse(request.question))
        ):
            previous = None
        query = parse(request.question, context=previous.question if previous else "")
        hidden = hidden_channels(community.values, request.role)
        sources = tuple(s.name for s in self._records.sources)
        notes: list[str] = []
        rankings = await self._search(community.id, query, hidden)
        if self._vectors is not None and not query.empty:
            vector_ranking = await self._nearest(community.id, request.question, hidden, notes)
            rankings.append(vector_ranking)
        passages = {p.key: p for ranking in rankings for p in ranking}
        ranked = rank(query, [[candidate(p) for p in ranking] for ranking in rankings], now)
        scorer = Relevance(query, (_text_of(r.candidate) for r in ranked))
        found = tuple(select(ranked, passages, self._config.passages, self._config.min_relevance))
        result = AskResult(
            question=request.question,
            query=query,
            sources=sources,
            found=found,
            scorer=scorer,
            zone=community.zone,
            previous_question=previous.question if previous else None,
        )
        if found:
            result = await self._answer(result, community, previous_answer(previous), notes)
        result = replace(result, notes=tuple(notes))
        await self._store.record(
            community.id,
            request.platform,
            request.channel,
            request.user_id,
            request.question,
            result.answer_text,
            [f.passage.key for f in result.cited],
            now,
        )
        return result

    async def _search(
        self, community_id: int, query: Query, hidden: frozenset[str]
    ) -> list[list[Passage]]:
        if query.empty:
            return []
        request = SearchRequest(community_id, query, limit=SEARCH_LIMIT, hidden_channels=hidden)
        found = await asyncio.gather(*(s.search(request) for s in self._records.sources))
        return [[p for p in ranking if p.channel not in hidden] for ranking in found]

    async def _nearest(
        self, community_id: int, question: str, hidden: frozenset[str], notes: list[str]
    ) -> list[Passage]:
        """The vector ranking, its passages fetched from their sources (live and visible only);
        [] with a note when the embeddings endpoint fails."""
        if self._vectors is None:
            return []
        try:
            keys = await self._vectors.nearest(community_id, question, SEARCH_LIMIT)
        except UpstreamError as exc:
            log.warning("vector search failed; full text alone", extra={"error": str(exc)})
            notes.append("The embeddings endpoint failed, so this comes from full-text search.")
            return []
        by_source: dict[str, list[str]] = {}
        for key in keys:
            source = self._records.source_of(key)
            if source is not None:
                by_source.setdefault(source.name, []).append(key)
        fetched: dict[str, Passage] = {}
        for source in self._records.sources:
            wanted = by_source.get(source.name)
            if wanted:
                for passage in await source.fetch(community_id, wanted, hidden):
                    if passage.channel not in hidden:
                        fetched[passage.key] = passage
        return [fetched[key] for key in keys if key in fetched]

    async def _answer(
        self,
        result: AskResult,
        community: CommunityContext,
        previous: tuple[str, str] | None,
        notes: list[str],
    ) -> AskResult:
        offline = clear_answer(result.found)
        sentence = answer_sentence(offline.passage, result.scorer) if offline else None
        fallback = replace(result, answer=(offline, sentence) if offline and sentence else None)
        if self._answerer is None:
            return fallback
        if community.get("ai") == "off":
            notes.append("Model use is off for this community: the passages themselves.")
            return fallback
        passages = [f.passage for f in result.found]
        try:
            reply = await self._answerer.answer(result.question, passages, previous)
        except ModelFailed as exc:
            log.warning("ask fell back to the offline answer", extra={"error": str(exc)})
            notes.append(f"The language model failed ({exc}): the passages themselves instead.")
            return fallback
        use = ModelUse(reply.prompt_tokens, reply.completion_tokens, reply.cost_usd)
        await self._discussions.record_model_use(community.id, "ask", reply.model, [use])
        if not reply.lines and reply.dropped:
            notes.append("No sentence of the model's answer held up: the passages themselves.")
            return fallback
        return replace(result, model_reply=reply)


def previous_answer(previous: KnowledgeAsk | None) -> tuple[str, str] | None:
    return (previous.question, previous.answer) if previous is not None else None


def _text_of(candidate: Candidate) -> str:
    return f"{candidate.title}\n{candidate.text}"
