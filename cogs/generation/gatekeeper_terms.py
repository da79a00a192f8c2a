"""Finding listed terms in text someone may be trying to sneak them past.

Both the text and each term are reduced to a skeleton the same way: Unicode NFKC (full-width
letters, ligatures), case folded, invisible format characters dropped (zero-width space and
joiners, soft hyphens, bidi marks), accents dropped from Latin letters, look-alike Cyrillic and
Greek letters mapped to Latin, and "leetspeak-lite" (0→o, 1/l/!/|→i, 3→e, 4/@→a, 5/$→s, 7→t)
folded in. A term matches at word boundaries only (so "class" never matches "ass"), with an
optional plural "s"/"es"; runs of whitespace and punctuation inside a multi-word term match
any such run in the text ("rug-pull" and "rug pull"), and letters spaced out one by one
("s.c.a.m", "s c a m") are joined before matching. In scripts written without spaces (Chinese,
Japanese, Thai), terms match anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Latin look-alikes from Cyrillic and Greek (the common confusables, lower case after casefold).
_CONFUSABLES = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "ё": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ї": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
        "ı": "i",
    }
)
# Leetspeak-lite, and "l" folded with "1" and "i" so "k1ll", "kiii" and "kill" meet.
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "l": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
    }
)
# Symbols stand for letters only inside a word ("$cam", "k!ll"), not as punctuation ("scam!").
_SYMBOLS = {"!": "i", "|": "i", "@": "a", "$": "s"}
_SYMBOL = re.compile(r"[!|@$](?=[!|@$]*[^\W_])")
_SPACED = re.compile(r"(?<!\w)(?:\w[\s.\-_*·•]+){2,}\w(?!\w)")
_SEPARATORS = r"[\W_]+"
_NO_SPACES = re.compile(
    r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]"
)


def skeleton(text: str) -> str:
    """The comparable form of `text` (see the module's docstring)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    # Accents off Latin letters only: in other scripts combining marks carry meaning.
    decomposed = unicodedata.normalize("NFD", text)
    kept: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and kept and "a" <= kept[-1] <= "z":
            continue
        kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept))
    text = _SYMBOL.sub(lambda m: _SYMBOLS[m.group(0)], text)
    return text.translate(_CONFUSABLES).translate(_LEET)


def _join_spaced(text: str) -> str:
    """'s . c . a . m' → 'scam': runs of three or more single characters split by separators."""
    return _SPACED.sub(lambda m: re.sub(r"[\s.\-_*·•]+", "", m.group(0)), text)


@dataclass(frozen=True)
class TermMatcher:
    """Compiled once per list of terms; `find` answers the listed terms the text contains, as
    listed (never the text's own spelling), in list order."""

    terms: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, terms: Iterable[str]) -> TermMatcher:
        kept: list[str] = []
        patterns: list[re.Pattern[str]] = []
        for term in terms:
            pattern = _pattern(term)
            if pattern is not None and term not in kept:
                kept.append(term)
                patterns.append(pattern)
        return cls(tuple(kept), tuple(patterns))

    def find(self, text: str) -> tuple[str, ...]:
        if not self.terms or not text:
            return ()
        plain = skeleton(text)
        joined = _join_spaced(plain)
        return tuple(
            term
            for term, pattern in zip(self.terms, self.patterns, strict=True)
            if pattern.search(plain) or (joined != plain and pattern.search(joined))
        )


def _pattern(term: str) -> re.Pattern[str] | None:
    words = [word for word in re.split(_SEPARATORS, skeleton(term)) if word]
    if not words:
        return None
    body = _SEPARATORS.join(re.escape(word) for word in words)
    if _NO_SPACES.search(term):
        return re.compile(body)
    return re.compile(rf"(?<![^\W_]){body}(?:e?s)?(?![^\W_])")


def mask(term: str) -> str:
    """A blocked term as a reply may show it: its first letter, the rest starred."""
    term = term.strip()
    return term[:1] + "*" * max(3, len(term) - 1) if term else "***"
