"""A question as a full-text query: its content words, stemmed the way the indexes stem them.

Natural questions ("what did we decide about the grants budget?") share few words with the
passages that answer them, so a query ORs the content words and lets BM25 weigh them: an AND of
every word (PostgreSQL's `websearch_to_tsquery`) finds nothing for most questions. The words
are reduced to letters and digits before they reach either index's query syntax, so nothing a
member types is read as an operator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import snowballstemmer

# Words that say how a question is asked, not what it is about.
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves out
    over own same she should so some such than that the their theirs them themselves then there
    these they this those through to too under until up very was we were what when where which
    while who whom why will with would you your yours yourself yourselves
    anyone anybody anything someone something tell know let lets us please does did done get got
    ever still also there's what's who's where's whats
    """.split()
)
_WORD = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]{2,200})"')
MAX_TERMS = 16


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased words of letters and digits, in order."""
    return [w.lower() for w in _WORD.findall(text) if w != "_"]


def stem(word: str) -> str:
    """The English Snowball stem (what FTS5's porter tokenizer and PostgreSQL's `english`
    configuration index), so words can be compared the way the indexes match them."""
    return str(_stemmer().stemWord(word.lower()))


def stems(text: str) -> set[str]:
    return {stem(w) for w in words(text)}


@dataclass(frozen=True)
class Query:
    """`terms`: the question's content words, lower-cased, in order, without repeats;
    `context_terms`: the previous question's (a follow-up), weighed less by callers."""

    text: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    context_terms: tuple[str, ...] = ()

    @property
    def all_terms(self) -> tuple[str, ...]:
        return self.terms + tuple(t for t in self.context_terms if t not in self.terms)

    @property
    def empty(self) -> bool:
        return not self.all_terms


def _content_words(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for word in words(text):
        if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
            continue
        seen.setdefault(word, None)
    return tuple(seen)[:MAX_TERMS]


def parse(text: str, context: str = "") -> Query:
    """The query for a question; `context` is the question it follows up, if any."""
    terms = _content_words(text)
    phrases = tuple(p.strip() for p in _PHRASE.findall(text) if _content_words(p))
    context_terms = tuple(t for t in _content_words(context) if t not in terms)
    return Query(text=text, terms=terms, phrases=phrases, context_terms=context_terms)


def fts5_match(query: Query) -> str:
    """An FTS5 MATCH expression: every term quoted (FTS5 strings take no operators) and ORed."""
    return " OR ".join(f'"{term}"' for term in query.all_terms)


def pg_tsquery(query: Query) -> str:
    """A `to_tsquery` text: the terms (letters and digits only) ORed."""
    return " | ".join(query.all_terms)
