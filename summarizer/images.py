"""Images from an OpenAI-compatible endpoint (`images.generate`), as PNG bytes.

DALL·E models answer URLs unless asked for `b64_json`; GPT image models always answer base64
and refuse `response_format` (they take `output_format` instead). DALL·E 3 makes one image per
call, so a count above one becomes that many calls. Every failure becomes a `GenerationError`:
timeouts, dropped connections, 429 and 5xx are transient (retried by the job), anything else,
a refusal or an answer that is not a PNG included, is final.
"""

from __future__ import annotations

import base64
import binascii
import struct
from typing import Any

from summarizer.generation import IMAGE_PNG, GeneratedOutput, GenerationError
from summarizer.openai_endpoint import OpenAIEndpoint, load_openai

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR chunk, or None when `data` is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return (width, height) if width and height else None


def parse_size(size: str) -> tuple[int, int]:
    """ "1024x768" → (1024, 768); a ValueError names what is wrong."""
    width, sep, height = size.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit() or not int(width) or not int(height):
        raise ValueError(f"size {size!r} is not WIDTHxHEIGHT")
    return int(width), int(height)


def uses_response_format(model: str) -> bool:
    """DALL·E models take `response_format`; GPT image models refuse it (always base64)."""
    return model.startswith("dall-e")


def per_call(model: str) -> int:
    """How many images one call may ask for: DALL·E 3 makes one at a time."""
    return 1 if model == "dall-e-3" else 10


class ImageGenerator:
    """One OpenAI-compatible images endpoint; the client is made at the first call."""

    def __init__(self, *, api_key: str, base_url: str | None, timeout: float) -> None:
        # One attempt: retries belong to the job, which backs off between attempts.
        self._endpoint = OpenAIEndpoint(api_key=api_key, base_url=base_url, timeout=timeout)

    async def close(self) -> None:
        await self._endpoint.close()

    async def generate(
        self,
        *,
        model: str,
        prompt: str,
        count: int,
        size: str,
        parameters: dict[str, Any] | None = None,
    ) -> list[GeneratedOutput]:
        """`count` PNGs of `size`; `parameters` (quality, style, background...) pass through."""
        expected = parse_size(size)
        outputs: list[GeneratedOutput] = []
        while len(outputs) < count:
            batch = min(count - len(outputs), per_call(model))
            outputs += await self._call(model, prompt, batch, size, expected, parameters or {})
        return outputs

    async def _call(
        self,
        model: str,
        prompt: str,
        n: int,
        size: str,
        expected: tuple[int, int],
        parameters: dict[str, Any],
    ) -> list[GeneratedOutput]:
        openai = load_openai()
        options = dict(parameters)
        if uses_response_format(model):
            options["response_format"] = "b64_json"
        else:
            options.setdefault("output_format", "png")
        try:
            response = await self._endpoint.client().images.generate(
                model=model, prompt=prompt, n=n, size=size, **options
            )
        except (openai.APIError, ValueError) as exc:  # ValueError: an answer that is not JSON
            raise openai_error(exc) from exc
        data = response.data or []
        if len(data) != n:
            raise GenerationError(
                f"the images endpoint sent {len(data)} of {n} images", transient=False
            )
        usage = response.usage
        outputs = []
        for index, image in enumerate(data):
            png = decode_png(image.b64_json, expected)
            echoed: dict[str, Any] = {"size": size, **parameters}
            if image.revised_prompt:
                echoed["revised_prompt"] = image.revised_prompt
            outputs.append(
                GeneratedOutput(
                    media_type=IMAGE_PNG,
                    data=png,
                    model=model,
                    parameters=echoed,
                    # The call's tokens are counted once, on its first image.
                    prompt_tokens=usage.input_tokens if usage and index == 0 else 0,
                    completion_tokens=usage.output_tokens if usage and index == 0 else 0,
                )
            )
        return outputs


def decode_png(
    b64: str | None, expected: tuple[int, int], source: str = "the images endpoint"
) -> bytes:
    """The PNG in a base64 answer, checked to be a PNG of the size asked for; `source` names
    the server in messages."""
    if not b64:
        raise GenerationError(f"{source} sent no image data", transient=False)
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise GenerationError(f"{source} sent invalid base64", transient=False) from exc
    size = png_size(data)
    if size is None:
        raise GenerationError(f"{source} sent something that is not a PNG", transient=False)
    if size != expected:
        raise GenerationError(
            f"{source} sent a {size[0]}x{size[1]} image, not {expected[0]}x{expected[1]}",
            transient=False,
        )
    return data


def openai_error(exc: Exception) -> GenerationError:
    """An openai exception as one line a member can read: transient or final."""
    openai = load_openai()
    if isinstance(exc, openai.APITimeoutError):
        return GenerationError("the back end did not answer in time", transient=True)
    if isinstance(exc, openai.APIConnectionError):
        return GenerationError("the back end could not be reached", transient=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = _api_message(exc)
        if status == 429 or status >= 500:
            return GenerationError(f"the back end is busy ({status}): {message}", transient=True)
        return GenerationError(f"the back end refused ({status}): {message}", transient=False)
    return GenerationError(
        f"the back end answered something unexpected ({type(exc).__name__})", transient=False
    )


def _api_message(exc: Any) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return _one_line(error["message"])
    return _one_line(str(exc.message))


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
