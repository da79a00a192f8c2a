"""Words as both full-text indexes see them: letters and digits, lower-cased, Snowball-stemmed."""

from __future__ import annotations

import re
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
