"""A local fake of OpenAI's moderation endpoint and of a critique (chat/vision) model.

Usage::

    async with FakeModeration(api_key="test") as fake:
        fake.flag_words = {"bloodbath": "violence"}
        client = AsyncOpenAI(base_url=fake.base_url, api_key="test")

Wire behaviour:
    ``POST /v1/moderations`` takes ``input`` as OpenAI does (a string, a list of strings, or a
    list of ``{"type": "text", "text"}`` / ``{"type": "image_url", "image_url": {"url"}}``
    parts, images as ``data:image/png;base64,...`` URLs) and answers one result per input with
    every category, the flagged ones true: a text is flagged when it contains a word of
    ``fake.flag_words`` (word → category); an image when its top-left pixel is
    ``fake.flag_colour`` (category ``violence/graphic``): the fake decodes the PNG to know.
    ``POST /v1/chat/completions`` is a critique model: it requires a strict ``json_schema``
    response format and checks that every string of ``fake.untrusted`` appears in the user
    message only inside ``<request>...</request>`` or ``<output>...</output>`` (breaches go to
    ``fake.violations`` and get a 400). It scores a text output 0.9, or 0.2 when the output
    block holds a word of ``fake.off_brand``; an image 0.85, or 0.3 when it is greyscale
    (mean saturation under 0.1). ``fake.scores`` and ``fake.reasons`` (lists) override the
    score and the reason of the next calls.
Faults (FIFO, each for one request of either route): ``fail_next(status, count)``,
``garbage_next(count)`` (chat: content that is not JSON; moderation: a body with no results).
Auth: a request without ``Authorization: Bearer <api_key>`` gets 401 when ``api_key`` is set.
Records: ``fake.requests`` (path, JSON body) for every request.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from PIL import Image, ImageStat

CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/intent",
    "self-harm/instructions",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
_DATA_URL = re.compile(r"^data:image/png;base64,(?P<data>[A-Za-z0-9+/=]+)$")


@dataclass(frozen=True)
class Fault:
    status: int = 0  # 0: garbage
    garbage: bool = False


class FakeModeration:
    def __init__(self, *, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.flag_words: dict[str, str] = {}
        self.flag_colour: tuple[int, int, int] = (255, 0, 0)
        self.off_brand: set[str] = set()
        self.untrusted: set[str] = set()
        self.scores: list[float] = []
        self.reasons: list[str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.violations: list[str] = []
        self._faults: deque[Fault] = deque()
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def fail_next(self, status: int = 500, count: int = 1) -> None:
        self._faults.extend(Fault(status=status) for _ in range(count))

    def garbage_next(self, count: int = 1) -> None:
        self._faults.extend(Fault(garbage=True) for _ in range(count))

    async def __aenter__(self) -> FakeModeration:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/v1/moderations", self._moderations)
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- shared -----------------------------------------------------------------------------

    async def _admit(
        self, request: web.Request
    ) -> tuple[dict[str, Any] | None, web.Response | None]:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return None, _error(400, "We could not parse the JSON body of your request.")
        self.requests.append((request.path, body))
        if self.api_key is not None and request.headers.get("Authorization") != (
            f"Bearer {self.api_key}"
        ):
            return None, _error(401, "Incorrect API key provided.", code="invalid_api_key")
        if self._faults and not self._faults[0].garbage:
            return None, _error(self._faults.popleft().status, "The server had an error.")
        if not isinstance(body, dict):
            return None, _error(400, "The body must be an object.")
        return body, None

    def _garbage(self) -> bool:
        if self._faults and self._faults[0].garbage:
            self._faults.popleft()
            return True
        return False

    # --- moderations ------------------------------------------------------------------------

    async def _moderations(self, request: web.Request) -> web.Response:
        body, refusal = await self._admit(request)
        if refusal is not None or body is None:
            return refusal or _error(400, "no body")
        if self._garbage():
            return web.json_response({"id": "modr-garbage", "model": "omni-moderation"})
        raw = body.get("input")
        items: list[tuple[str, Any]] = []
        if isinstance(raw, str):
            items = [("text", raw)]
        elif isinstance(raw, list) and raw and all(isinstance(item, str) for item in raw):
            items = [("text", item) for item in raw]
        elif isinstance(raw, list) and raw:
            for part in raw:
                kind = part.get("type") if isinstance(part, dict) else None
                if kind == "text" and isinstance(part.get("text"), str):
                    items.append(("text", part["text"]))
                elif kind == "image_url" and isinstance(part.get("image_url"), dict):
                    items.append(("image", part["image_url"].get("url")))
                else:
                    return _error(400, "Invalid input part.", param="input")
        else:
            return _error(400, "input must be a string, strings or parts.", param="input")
        results = []
        for kind, value in items:
            if kind == "text":
                flagged = self._text_categories(value)
            else:
                image = _decode_png(value)
                if image is None:
                    return _error(400, "image_url must be a PNG data URL.", param="input")
                pixel = image.convert("RGB").getpixel((0, 0))
                flagged = {"violence/graphic"} if pixel == self.flag_colour else set()
            results.append(_result(flagged, kind))
        model = body.get("model") or "omni-moderation-latest"
        return web.json_response(
            {"id": f"modr-{len(self.requests)}", "model": model, "results": results}
        )

    def _text_categories(self, text: str) -> set[str]:
        words = set(re.findall(r"\w+", text.casefold()))
        return {category for word, category in self.flag_words.items() if word in words}

    # --- critique ---------------------------------------------------------------------------

    async def _chat(self, request: web.Request) -> web.Response:
        body, refusal = await self._admit(request)
        if refusal is not None or body is None:
            return refusal or _error(400, "no body")
        fmt = body.get("response_format") or {}
        schema = fmt.get("json_schema") or {}
        if fmt.get("type") != "json_schema" or schema.get("strict") is not True:
            return _error(400, "Critique calls must ask for strict json_schema output.")
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return _error(400, "messages is required.", param="messages")
        text_parts: list[str] = []
        images: list[Image.Image] = []
        for message in messages:
            if message.get("role") != "user":
                continue
            content = message.get("content")
            parts = content if isinstance(content, list) else [{"type": "text", "text": content}]
            for part in parts:
                if part.get("type") == "text":
                    text_parts.append(str(part.get("text")))
                elif part.get("type") == "image_url":
                    image = _decode_png((part.get("image_url") or {}).get("url"))
                    if image is None:
                        return _error(400, "image_url must be a PNG data URL.")
                    images.append(image)
        user = "\n".join(text_parts)
        breaches = self._undelimited(user)
        if breaches:
            self.violations.extend(breaches)
            return _error(400, "; ".join(breaches))
        if self._garbage():
            content_out = "I think it is rather good, maybe 8/10"
        else:
            score, reason = self._judge(user, images)
            content_out = json.dumps({"score": score, "reason": reason})
        return web.json_response(
            {
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "critic"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content_out},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": len(user) // 4,
                    "completion_tokens": 20,
                    "total_tokens": len(user) // 4 + 20,
                },
            }
        )

    def _undelimited(self, user: str) -> list[str]:
        block = re.compile(r"<(request|output)>.*?</\1>", re.DOTALL)
        inside = "".join(match.group(0) for match in block.finditer(user))
        outside = block.sub("", user)
        breaches = []
        for canary in self.untrusted:
            escaped = canary.replace("&", "&amp;").replace("<", "&lt;")
            if canary in outside or (escaped != canary and escaped in outside):
                breaches.append(f"untrusted text outside its block: {canary[:40]!r}")
            elif canary not in inside and escaped not in inside:
                breaches.append(f"untrusted text missing: {canary[:40]!r}")
        return breaches

    def _judge(self, user: str, images: list[Image.Image]) -> tuple[float, str]:
        if images:
            saturation = ImageStat.Stat(images[0].convert("HSV").getchannel("S")).mean[0] / 255
            score, reason = (
                (0.85, "vivid, on brief")
                if saturation >= 0.1
                else (
                    0.3,
                    "dull and grey, the brief asks for colour",
                )
            )
        else:
            block = re.search(r"<output>(.*?)</output>", user, re.DOTALL)
            words = set(re.findall(r"\w+", (block.group(1) if block else "").casefold()))
            off = sorted(words & {word.casefold() for word in self.off_brand})
            score, reason = (0.2, f"off brand: says {off[0]!r}") if off else (0.9, "on brief")
        if self.scores:
            score = self.scores.pop(0)
        if self.reasons:
            reason = self.reasons.pop(0)
        return score, reason


def _decode_png(url: Any) -> Image.Image | None:
    match = _DATA_URL.match(url) if isinstance(url, str) else None
    if match is None:
        return None
    try:
        image = Image.open(io.BytesIO(base64.b64decode(match.group("data"), validate=True)))
        image.load()
    except (binascii.Error, OSError, ValueError):
        return None
    return image if image.format == "PNG" else None


def _result(flagged: set[str], kind: str) -> dict[str, Any]:
    return {
        "flagged": bool(flagged),
        "categories": {name: name in flagged for name in CATEGORIES},
        "category_scores": {name: 0.97 if name in flagged else 0.001 for name in CATEGORIES},
        "category_applied_input_types": {name: [kind] for name in CATEGORIES},
    }


def _error(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> web.Response:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    payload = {"error": {"message": message, "type": kind, "param": param, "code": code}}
    return web.json_response(payload, status=status)
