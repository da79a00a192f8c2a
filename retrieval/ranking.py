"""One ranking from several: reciprocal rank fusion, a recency and decision boost, and a
relevance share that means the same whatever source a passage came from.

Each source ranks its own passages with its own index (BM25 on SQLite, `ts_rank_cd` on
PostgreSQL, cosine for vectors); those scores cannot be compared, their ranks can. Reciprocal
rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009) adds `1 / (k + rank)` over the rankings a
passage appears in, so a passage several rankings agree on rises. On top, a community asks
"what did we decide" more than "what did someone once say": recent passages and recorded
decisions get a bounded boost, so they outrank old chatter when both match, but never lift a
passage that does not match.

Whether the record answers the question at all is a different measure: `relevance`, the share of
the question's content words a passage holds, rarer words weighing more. It is 0–1 and
comparable across sources, so one threshold can refuse questions the record has nothing about.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from retrieval.query import Query, stems

RRF_K = 60.0
SPECIFIC_MISSING = 0.5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Candidate:
    """A passage as ranking sees it: what it says and how old and weighty it is."""

    key: str
    text: str
    title: str = ""
    created_at: datetime | None = None
    decision: bool = False


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float  # the final order, higher first; only comparable within one call
    fused: float  # the reciprocal rank fusion alone
    relevance: float  # 0-1, see `relevance`


@dataclass(frozen=True)
class RankingPolicy:
    rrf_k: float = RRF_K
    # A passage this many days old keeps half its recency bonus.
    half_life_days: float = 180.0
    # The bonus of a passage written now (1 + this), decaying with the half-life.
    recency_bonus: float = 0.5
    # A recorded decision's bonus (× 1 + this).
    decision_bonus: float = 0.5
    # How much relevance moves the order: × (floor + relevance).
    relevance_floor: float = 0.5
    # The previous question's words (a follow-up) count this much against the question's own.
    context_weight: float = 0.5


def fuse(rankings: Iterable[Sequence[str]], k: float = RRF_K) -> dict[str, float]:
    """Reciprocal rank fusion of rankings of keys (best first): key -> Σ 1 / (k + rank)."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        seen: set[str] = set()
        for rank, key in enumerate(ranking, start=1):
            if key in seen:
                continue
            seen.add(key)
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


def boost(
    created_at: datetime | None, now: datetime, decision: bool, policy: RankingPolicy
) -> float:
    """The factor recency and weight give a passage: 1 for old chatter, up to
    (1 + recency_bonus) × (1 + decision_bonus) for a decision taken today. An undated passage
    (a document) counts as one half-life old."""
    if created_at is None:
        decay = 0.5
    else:
        when = (
            created_at if created_at.tzinfo is not None else created_at.replace(tzinfo=now.tzinfo)
        )
        age_days = max(0.0, (now - when).total_seconds() / 86400.0)
        decay = 0.5 ** (age_days / policy.half_life_days)
    factor = 1.0 + policy.recency_bonus * decay
    return factor * (1.0 + policy.decision_bonus) if decision else factor


class Relevance:
    """The share of a question's content words found in a passage and its title, compared as
    stems, each word weighed by how rare it is among the candidates (an inverse document
    frequency): a word no candidate holds weighs most, so a question about something the
    record never mentions scores low even when its common words match. A passage without one of the
    question's numbers or names (Query.specific: "Season 3", "Coinbase") is about something
    else, and keeps `SPECIFIC_MISSING` of its share."""

    def __init__(
        self, query: Query, candidates: Iterable[str], policy: RankingPolicy | None = None
    ) -> None:
        policy = policy or RankingPolicy()
        texts = [stems(text) for text in candidates]
        own = _term_stems(query.terms)
        context = _term_stems(query.context_terms) - own
        self._specific = _term_stems(query.specific)
        total = len(texts)
        self.weights: dict[str, float] = {}
        for word in own | context:
            holding = sum(1 for held in texts if word in held)
            weight = math.log(1.0 + (total + 1.0) / (holding + 0.5))
            self.weights[word] = weight * (policy.context_weight if word in context else 1.0)
        self._own = own

    def of(self, text: str, title: str = "") -> float:
        """0-1: the weighed share of the question's words in the text and its title. A
        follow-up's context words can only raise it: the share of the question's own words
        counts when it is higher."""
        held = stems(text) | stems(title)
        share = max(self._share(held, set(self.weights)), self._share(held, self._own))
        return share * SPECIFIC_MISSING if self._specific - held else share

    def _share(self, held: set[str], words: set[str]) -> float:
        total = sum(self.weights[w] for w in words)
        if total <= 0:
            return 0.0
        return sum(self.weights[w] for w in words if w in held) / total

    def words_in(self, text: str) -> set[str]:
        """The question's word stems the text holds."""
        return set(self.weights) & stems(text)


def _term_stems(terms: Iterable[str]) -> set[str]:
    return {s for term in terms for s in stems(term)}


def relevance(
    query: Query, passage_text: str, title: str = "", candidates: Sequence[str] = ()
) -> float:
    """`Relevance` of one passage, its rarity weights taken from `candidates` (the passage alone
    when none are given)."""
    pool = candidates or [f"{title}\n{passage_text}"]
    return Relevance(query, pool).of(passage_text, title)


def rank(
    query: Query,
    rankings: Sequence[Sequence[Candidate]],
    now: datetime,
    policy: RankingPolicy | None = None,
) -> list[Ranked]:
    """Every candidate of every ranking (each best first; the vector ranking is one more) once,
    best first: fused rank × recency and decision boost × relevance."""
    policy = policy or RankingPolicy()
    by_key: dict[str, Candidate] = {}
    for ranking in rankings:
        for candidate in ranking:
            by_key.setdefault(candidate.key, candidate)
    fused = fuse(([c.key for c in ranking] for ranking in rankings), policy.rrf_k)
    scorer = Relevance(query, (f"{c.title}\n{c.text}" for c in by_key.values()), policy)
    ranked = []
    for key, candidate in by_key.items():
        share = scorer.of(candidate.text, candidate.title)
        factor = boost(candidate.created_at, now, candidate.decision, policy)
        score = fused[key] * factor * (policy.relevance_floor + share)
        ranked.append(Ranked(candidate, score, fused[key], share))
    ranked.sort(key=lambda r: (-r.score, r.candidate.key))
    return ranked


def sentences(text: str) -> list[str]:
    """The text's sentences (and lines), stripped, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def best_sentences(
    text: str, weights: Mapping[str, float], limit: int = 2
) -> list[tuple[int, str, float]]:
    """The `limit` sentences holding the most question weight, as (position, sentence,
    weight held), in the text's order; [] when no sentence holds a question word."""
    scored = []
    for position, sentence in enumerate(sentences(text)):
        held = stems(sentence)
        weight = sum(w for word, w in weights.items() if word in held)
        if weight > 0:
            scored.append((position, sentence, weight))
    scored.sort(key=lambda item: (-item[2], item[0]))
    return sorted(scored[:limit])
