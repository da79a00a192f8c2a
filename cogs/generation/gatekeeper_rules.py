"""The gatekeeper's local rules: an image's bytes, a copy's words. No I/O; each returns the
problems found as short clauses ("it is 512x512, not the 1024x1024 asked for")."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from cogs.generation.contracts import Voice
from cogs.generation.gatekeeper_terms import TermMatcher

if TYPE_CHECKING:
    from PIL import Image

TWEET_LIMIT = 280
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SIZE = re.compile(r"^\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*$")
_THREAD_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n\s*\n")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_NO_SPACES = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Limits:
    """Operator limits (config [generation.gatekeeper]; the jobs helper passes them)."""

    max_prompt_chars: int = 1000
    max_image_bytes: int = 8 * 1024 * 1024
    max_image_pixels: int = 4096 * 4096
    max_copy_chars: int = 20_000
    # An image whose every channel spans at most this many levels is one flat colour.
    blank_tolerance: int = 2


def parse_size(size: str) -> tuple[int, int] | None:
    match = _SIZE.match(size)
    return (int(match.group(1)), int(match.group(2))) if match else None


def image_problems(data: bytes, size: str, limits: Limits) -> list[str]:
    """Valid PNG, the size asked for, under the byte cap, not one flat colour. CPU-bound (some
    0.16 s for a noisy 1024x1024 PNG): async callers run it in a thread."""
    from PIL import Image, UnidentifiedImageError

    if not data:
        return ["it is empty"]
    if len(data) > limits.max_image_bytes:
        return [f"it is {len(data):,} bytes, over the {limits.max_image_bytes:,}-byte limit"]
    if not data.startswith(_PNG_SIGNATURE):
        return ["it is not a PNG image"]
    try:
        # Pillow refuses past twice its own pixel limit and warns past it (an error under
        # -W error); ours, lower, is checked from the header before anything is decoded.
        with Image.open(io.BytesIO(data)) as probe:
            width, height = probe.size
            if probe.format != "PNG":
                return ["it is not a PNG image"]
            if width * height > limits.max_image_pixels:
                return [f"it is {width}x{height}: it has too many pixels to check"]
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            problems: list[str] = []
            wanted = parse_size(size)
            if wanted is not None and (width, height) != wanted:
                problems.append(
                    f"it is {width}x{height}, not the {wanted[0]}x{wanted[1]} asked for"
                )
            if _blank(image, limits.blank_tolerance):
                problems.append("it is blank (a single colour)")
            return problems
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return ["it has too many pixels to check"]
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return ["it is not a valid PNG image (damaged or truncated)"]


def _blank(image: Image.Image, tolerance: int) -> bool:
    rgba = image.convert("RGBA")
    _, alpha_high = cast(tuple[float, float], rgba.getchannel("A").getextrema())
    if alpha_high == 0:
        return True  # fully transparent
    rgb = rgba.convert("RGB")
    for band in rgb.split():
        low, high = cast(tuple[float, float], band.getextrema())
        if high - low > tolerance:
            return False
    return True


def count_words(text: str) -> int:
    """Words as a reader counts them; in scripts without spaces, each character is one."""
    count = 0
    for word in _WORD.findall(text):
        dense = len(_NO_SPACES.findall(word))
        count += dense + (1 if dense < len(word) else 0)
    return count


def split_thread(text: str) -> list[str]:
    """A tweet thread's tweets: separated by a rule line (---), or else by blank lines."""
    parts = _THREAD_RULE.split(text) if _THREAD_RULE.search(text) else _BLANK_LINES.split(text)
    return [part.strip() for part in parts if part.strip()]


def copy_problems(text: str, copy_format: str, voice: Voice | None, voice_name: str) -> list[str]:
    """The voice guide's rules (words to avoid, required terms, length) and the format's."""
    problems: list[str] = []
    if not text.strip():
        return ["it is empty"]
    if voice is not None:
        for term in TermMatcher.of(voice.avoid).find(text):
            problems.append(f"it uses '{term}', which the {voice_name} voice avoids")
        found = set(TermMatcher.of(voice.required).find(text))
        for term in voice.required:
            if term not in found:
                problems.append(
                    f"it does not mention '{term}', which the {voice_name} voice requires"
                )
        words = count_words(text)
        if voice.min_words and words < voice.min_words:
            problems.append(f"it has {words} words, under the {voice.min_words} asked for")
        if voice.max_words and words > voice.max_words:
            problems.append(f"it has {words} words, over the {voice.max_words} allowed")
    if copy_format == "tweet thread":
        for number, tweet in enumerate(split_thread(text), start=1):
            if len(tweet) > TWEET_LIMIT:
                problems.append(
                    f"tweet {number} has {len(tweet)} characters, over the {TWEET_LIMIT} limit"
                )
    return problems
