"""What a generation back end gives back (images or copy), whichever back end made it.

The back ends live beside the language model (summarizer/): an OpenAI-compatible images endpoint,
chat completions for copy, and a self-hosted AUTOMATIC1111/Forge server. They know no chat
platform and no feature; the generation feature chooses one per style.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

IMAGE_PNG = "image/png"
TEXT_MARKDOWN = "text/markdown"


@dataclass(frozen=True)
class GeneratedOutput:
    media_type: str  # IMAGE_PNG or TEXT_MARKDOWN
    data: bytes
    model: str
    seed: int | None = None
    # What the back end says it used (A1111 echoes its parameters; OpenAI its revised prompt).
    parameters: Mapping[str, Any] = field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0


class GenerationError(Exception):
    """A back end failed. `transient` (timeout, 429, 5xx, a dropped connection) is retried with
    backoff; otherwise (400, a refusal, an answer that is not what was asked) it is final. The
    message is one line a member can read, without secrets."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient
