"""BM25 over a handful of passages held in memory, for sources too small to need an index.

A community has hundreds of proposals, not millions of posts: scoring all of them in Python on
each question costs a few milliseconds and needs no table, trigger or migration. Words are
stemmed as the full-text indexes stem them (retrieval.query.stem), so a question ranks the same
words here as it would in FTS5 or PostgreSQL. A follow-up's context terms weigh half.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from retrieval.query import Query, stem, words

K1 = 1.2
B = 0.75
CONTEXT_WEIGHT = 0.5
# The Snowball stemmer is pure Python (measured: most of a Document's cost); a community's
# vocabulary is a few tens of thousands of words, so each word is stemmed once.
cached_stem = lru_cache(maxsize=100_000)(stem)


@dataclass(frozen=True)
class Document:
    """A passage's stemmed words; `boosted` (a title) counts `boost` times."""

    counts: Counter[str]
    length: int

    @classmethod
    def of(cls, text: str, boosted: str = "", boost: int = 2) -> Document:
        stems = [cached_stem(w) for w in words(text)]
        for word in words(boosted):
            stems.extend([cached_stem(word)] * boost)
        return cls(Counter(stems), len(stems))


def query_weights(query: Query) -> dict[str, float]:
    """Each stemmed term of the query and its weight (1, or less for a follow-up's context)."""
    weights: dict[str, float] = {}
    for term in query.terms:
        weights[cached_stem(term)] = 1.0
    for term in query.context_terms:
        weights.setdefault(cached_stem(term), CONTEXT_WEIGHT)
    return weights


def scores(query: Query, documents: Sequence[Document]) -> list[float]:
    """Each document's BM25 score for the query, in the documents' order (0: no term)."""
    weights = query_weights(query)
    if not documents or not weights:
        return [0.0] * len(documents)
    total = len(documents)
    average = sum(d.length for d in documents) / total or 1.0
    idf = {}
    for term in weights:
        frequency = sum(1 for d in documents if term in d.counts)
        idf[term] = math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
    result = []
    for document in documents:
        norm = K1 * (1 - B + B * document.length / average)
        score = 0.0
        for term, weight in weights.items():
            count = document.counts.get(term, 0)
            if count:
                score += weight * idf[term] * count * (K1 + 1) / (count + norm)
        result.append(score)
    return result
