"""Styles, requests and real PNG bytes for the gatekeeper's tests."""

from __future__ import annotations

import io
from dataclasses import replace

from PIL import Image, ImageDraw

from cogs.generation.contracts import Critique, GenerationRequest, Requester, Style, Voice
from summarizer.generation import IMAGE_PNG, TEXT_MARKDOWN, GeneratedOutput

ACME_IMAGE = Style(
    name="Acme",
    kind="image",
    description="Acme's poster style",
    backend="openai",
    model="gpt-image-1",
    licence="CC0-1.0",
    sizes=("64x48", "32x32"),
    blocked_terms=("scam", "rug pull", "nsfw", "ass"),
)
ACME_COPY = Style(
    name="Acme",
    kind="copy",
    description="Acme's announcement voice",
    backend="openai",
    model="gpt-4.1-mini",
    licence="CC-BY-4.0",
    blocked_terms=("scam", "rug pull"),
    voice=Voice(
        tone="warm, plain",
        avoid=("guaranteed returns", "moon", "wagmi"),
        required=("Acme DAO",),
        min_words=5,
        max_words=80,
    ),
)
CRITIQUE = Critique(model="critic-1", brief="Bright, colourful, friendly posters.", threshold=0.6)
ALICE = Requester(platform="console", user_id="alice", name="alice")


def request(
    style: Style = ACME_IMAGE, prompt: str = "a lighthouse at dawn", **changes: object
) -> GenerationRequest:
    base = GenerationRequest(
        kind=style.kind,
        prompt=prompt,
        style=style,
        count=1,
        requester=ALICE,
        size=style.sizes[0] if style.kind == "image" else "",
        format="announcement" if style.kind == "copy" else "",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def png(
    width: int = 64,
    height: int = 48,
    *,
    colour: tuple[int, int, int] = (30, 120, 200),
    mark: bool = True,
    grey: bool = False,
) -> bytes:
    """A real PNG: a colour field with a contrasting square (unless `mark` is off: then blank;
    `grey` makes the square grey too)."""
    image = Image.new("RGB", (width, height), colour)
    if mark:
        ImageDraw.Draw(image).rectangle(
            (width // 4, height // 4, width // 2, height // 2),
            fill=(40, 40, 40) if grey else (250, 200, 40),
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def image_output(data: bytes) -> GeneratedOutput:
    return GeneratedOutput(media_type=IMAGE_PNG, data=data, model="gpt-image-1", seed=7)


def copy_output(text: str) -> GeneratedOutput:
    return GeneratedOutput(media_type=TEXT_MARKDOWN, data=text.encode(), model="gpt-4.1-mini")
