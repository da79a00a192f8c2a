"""The shapes the parts of the generation feature agree on: styles, requests, verdicts.

Jobs (jobs_*.py), back-end adapters (backends.py), the gatekeeper (gatekeeper.py), provenance
(provenance*.py) and curation (curation*.py) each own their modules; they meet here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["image", "copy"]
COPY_FORMATS = ("announcement", "tweet thread", "forum post", "newsletter blurb")


@dataclass(frozen=True)
class Voice:
    """A copy style's voice guide."""

    tone: str = ""
    use: tuple[str, ...] = ()  # words to use
    avoid: tuple[str, ...] = ()  # words never to use (checked by the gatekeeper)
    required: tuple[str, ...] = ()  # terms every output must contain
    min_words: int = 0
    max_words: int = 0  # 0: no limit


@dataclass(frozen=True)
class Critique:
    """An optional critique model that scores each output 0..1 against `brief`; outputs under
    `threshold` are not posted."""

    model: str
    brief: str
    threshold: float = 0.6


@dataclass(frozen=True)
class Style:
    """A preset from config/styles/<name>.toml."""

    name: str
    kind: Kind
    description: str
    backend: str  # the name of a configured back end ([generation.backends.<name>])
    model: str
    licence: str  # an SPDX id, e.g. "CC0-1.0"
    prompt_prefix: str = ""
    negative_prompt: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    seed_policy: Literal["random", "fixed"] = "random"
    seed: int | None = None
    max_count: int = 4
    sizes: tuple[str, ...] = ("1024x1024",)  # images: "WIDTHxHEIGHT", the first is the default
    blocked_terms: tuple[str, ...] = ()
    moderation: bool = False  # ask the back end's moderation endpoint
    voice: Voice | None = None  # copy styles
    critique: Critique | None = None


@dataclass(frozen=True)
class Requester:
    platform: str
    user_id: str
    name: str = ""


@dataclass(frozen=True)
class GenerationRequest:
    kind: Kind
    prompt: str  # the member's prompt (image) or brief (copy), as typed
    style: Style
    count: int
    requester: Requester
    size: str = ""  # images
    format: str = ""  # copy: one of COPY_FORMATS
    seed: int | None = None


@dataclass(frozen=True)
class Verdict:
    """The gatekeeper's word on one output (or on a prompt before anything is generated)."""

    passed: bool
    reasons: tuple[str, ...] = ()  # one line each, told to the member when not passed
    score: float | None = None  # the critique model's, when one is configured
