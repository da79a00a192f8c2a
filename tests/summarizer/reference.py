"""The real tiktoken, offline: the reference Steward's own counter is checked against and the
OpenAI-compatible fake bills with, independent of the counter under test."""

from __future__ import annotations

from collections.abc import Callable

from summarizer.tokens import tiktoken_encoding


def reference_counter(model: str) -> Callable[[str], int]:
    encoding = tiktoken_encoding(model)
    return lambda text: len(encoding.encode(text, disallowed_special=()))
