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

from retrieval.words import MAX_TERMS, STOPWORDS, stem, stems, words

__all__ = ["Query", "fts5_match", "parse", "pg_tsquery", "stem", "stems", "words"]

_PHRASE = re.compile(r'"([^"]{2,200})"')
# Said of a particular thing: a number ("Season 3", "2024") or a name written with a capital
# inside a sentence ("Coinbase", "Lisbon", "LARK"). A passage without it is about another thing.
_SENTENCE_START = re.compile(r"(?:^|[.!?¿¡:;]\s*|\n)\s*[\"'(]*(\w+)")
_NAME = re.compile(r"\b(?:\d[\w.,]*|[A-Z][\w-]*)", re.UNICODE)


@dataclass(frozen=True)
class Query:
    """`terms`: the question's content words, lower-cased, in order, without repeats;
    `context_terms`: the previous question's (a follow-up), weighed less by callers;
    `specific`: the question's numbers and names (see `_NAME`), lower-cased."""

    text: str
    terms: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    context_terms: tuple[str, ...] = ()
    specific: tuple[str, ...] = ()

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


def _specific(text: str) -> tuple[str, ...]:
    starts = {m.start(1) for m in _SENTENCE_START.finditer(text)}
    found: dict[str, None] = {}
    for match in _NAME.finditer(text):
        word = match.group(0).rstrip(".,")
        if match.start() in starts and not word.isupper() and not word[0].isdigit():
            continue  # a capital that only starts a sentence
        for part in words(word):
            if part not in STOPWORDS:
                found.setdefault(part, None)
    return tuple(found)


def parse(text: str, context: str = "") -> Query:
    """The query for a question; `context` is the question it follows up, if any."""
    terms = _content_words(text)
    phrases = tuple(p.strip() for p in _PHRASE.findall(text) if _content_words(p))
    context_terms = tuple(t for t in _content_words(context) if t not in terms)
    specific = tuple(w for w in _specific(text) if w in terms)
    return Query(
        text=text,
        terms=terms,
        phrases=phrases,
        context_terms=context_terms,
        specific=specific,
    )


def fts5_match(query: Query) -> str:
    """An FTS5 MATCH expression: every term quoted (FTS5 strings take no operators) and ORed."""
    return " OR ".join(f'"{term}"' for term in query.all_terms)


def pg_tsquery(query: Query) -> str:
    """A `to_tsquery` text: the terms (letters and digits only) ORed."""
    return " | ".join(query.all_terms)
