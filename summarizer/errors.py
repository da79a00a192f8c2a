"""Errors of the language-model package; features say how they read to members."""

from __future__ import annotations


class ModelError(Exception):
    """The language model failed or answered with something unusable."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
