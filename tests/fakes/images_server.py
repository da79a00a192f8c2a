"""A local fake of OpenAI's Images and Moderations APIs that draws real PNGs.

Usage::

    async with FakeImages(api_key="test") as fake:
        client = AsyncOpenAI(base_url=fake.base_url, api_key="test")
        answer = await client.images.generate(model="gpt-image-1", prompt="a teal fox", n=2,
                                              size="1024x1536")

or on the same port as the chat fake (one base URL for images, moderations and chat, as a real
OpenAI-compatible endpoint has): ``FakeOpenAI(extensions=[FakeImages()])``.

Wire behaviour, as the real API answers it:
    ``POST /v1/images/generations``: ``model`` (default ``dall-e-2``), ``prompt``, ``n``, ``size``.
    DALL·E models answer ``url`` unless ``response_format`` is ``b64_json`` (the URL is served at
    ``GET /v1/fake-images/<id>.png``); GPT image models always answer ``b64_json``, refuse
    ``response_format`` (400 ``unknown_parameter``), report ``usage`` (input/output tokens) and
    echo ``size``, ``quality``, ``output_format`` and ``background``. DALL·E 3 takes only ``n=1``
    and answers a ``revised_prompt``. Sizes are checked per model (``dall-e-2``: 256/512/1024
    squares; ``dall-e-3``: 1024x1024, 1792x1024, 1024x1792; ``gpt-image-*``: 1024x1024,
    1536x1024, 1024x1536 or ``auto``); other models (a local OpenAI-compatible server) take any
    WIDTHxHEIGHT up to 2048. A prompt containing one of ``fake.flagged`` (word → category) is
    refused with 400 ``content_policy_violation`` (DALL·E) or ``moderation_blocked`` (GPT image).
    Images are drawn with Pillow from the prompt, so the same prompt gives the same picture,
    and each image of a request differs.

    ``POST /v1/moderations``: ``input`` a string, a list of strings (one result each) or a list
    of ``{"type": "text"|"image_url", ...}`` parts (one result); a text containing a flagged word
    is flagged in its category (score 0.9, others 0.0001); an image is flagged when
    ``fake.flag_images`` is set. Results carry all 13 categories, their scores and, for omni
    models, ``category_applied_input_types``.

Faults (one FIFO queue, consumed by generation and moderation requests): ``fail_next(status,
count)`` (OpenAI's error shape; 429 with ``retry-after``), ``hang_next(seconds, count)``,
``garbage_next(kind, count)`` (``"not_png"``: valid base64 of bytes that are not an image;
``"not_json"``: a 200 whose body is not JSON; ``"wrong_size"``: a PNG of another size).

Records: ``fake.requests`` (path, body, headers without Authorization).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import io
import itertools
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web
from PIL import Image, ImageDraw

JSON = dict[str, Any]
Garbage = Literal["not_png", "not_json", "wrong_size"]

SIZES: dict[str, tuple[str, ...]] = {
    "dall-e-2": ("256x256", "512x512", "1024x1024"),
    "dall-e-3": ("1024x1024", "1792x1024", "1024x1792"),
    "gpt-image": ("1024x1024", "1536x1024", "1024x1536", "auto"),
}
MAX_PROMPT = {"dall-e-2": 1000, "dall-e-3": 4000, "gpt-image": 32000}
CATEGORIES = (
    "harassment",
    "harassment/threatening",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm",
    "self-harm/instructions",
    "self-harm/intent",
    "sexual",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
IMAGE_CATEGORIES = frozenset(
    {
        "self-harm",
        "self-harm/instructions",
        "self-harm/intent",
        "sexual",
        "violence",
        "violence/graphic",
    }
)
PALETTE = (
    (20, 130, 140),
    (240, 110, 90),
    (250, 200, 80),
    (60, 60, 90),
    (150, 200, 170),
    (230, 230, 220),
)


def draw_png(prompt: str, seed: int, width: int, height: int) -> bytes:
    """A picture of `prompt` and `seed`: a background and shapes whose colours and places come
    from both, so a different seed (or prompt) gives a different image of the same size; never
    one flat colour (the gatekeeper refuses blank images)."""
    digest = hashlib.sha256(f"{prompt}\x00{seed}".encode()).digest()
    rng = random.Random(digest)
    background = PALETTE[digest[0] % len(PALETTE)]
    image = Image.new("RGB", (width, height), background)
    pen = ImageDraw.Draw(image)
    colours = [colour for colour in PALETTE if colour != background]  # never a blank picture
    for _ in range(3 + digest[1] % 6):
        colour = colours[rng.randrange(len(colours))]
        x, y = rng.randrange(width), rng.randrange(height)
        radius = rng.randrange(max(2, min(width, height) // 12), max(3, min(width, height) // 3))
        box = (x - radius, y - radius, x + radius, y + radius)
        if rng.random() < 0.5:
            pen.ellipse(box, fill=colour)
        else:
            pen.rectangle(box, fill=colour)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return buffer.getvalue()


def family(model: str) -> str:
    if model.startswith("gpt-image") or model.startswith("chatgpt-image"):
        return "gpt-image"
    return model if model in SIZES else "other"


def parse_size(size: str) -> tuple[int, int] | None:
    width, sep, height = size.partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        return None
    w, h = int(width), int(height)
    return (w, h) if 0 < w <= 2048 and 0 < h <= 2048 else None


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = (
            status,
            message,
            type,
            param,
            code,
        )
        self.headers = headers or {}

    def response(self) -> web.Response:
        error = {"message": self.message, "type": self.type, "param": self.param, "code": self.code}
        return web.json_response({"error": error}, status=self.status, headers=self.headers)


@dataclass
class Recorded:
    path: str
    body: JSON
    headers: dict[str, str]
    status: int = 0


@dataclass
class _Fault:
    kind: Literal["fail", "hang", "garbage"]
    status: int = 0
    seconds: float = 0.0
    garbage: Garbage = "not_png"


@dataclass
class FakeImages:
    api_key: str | None = None
    # word (matched case-insensitively) -> moderation category
    flagged: dict[str, str] = field(default_factory=dict)
    flag_images: bool = False
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0
    # Set by FakeOpenAI when it serves these routes on its own port.
    port_of: Callable[[], int] | None = None
    _faults: deque[_Fault] = field(default_factory=deque)
    _files: dict[str, bytes] = field(default_factory=dict)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    # ----- running alone, or inside FakeOpenAI --------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/images/generations", self._generations)
        app.router.add_post("/v1/moderations", self._moderations)
        app.router.add_get("/v1/fake-images/{name}", self._file)

    async def start(self) -> None:
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=32 * 1024 * 1024)
        self.add_routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeImages:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port_of() if self.port_of else self.port}/v1"

    # ----- faults -------------------------------------------------------------------------------
    def fail_next(self, status: int, count: int = 1) -> None:
        self._faults.extend(_Fault("fail", status=status) for _ in range(count))

    def hang_next(self, seconds: float, count: int = 1) -> None:
        self._faults.extend(_Fault("hang", seconds=seconds) for _ in range(count))

    def garbage_next(self, kind: Garbage = "not_png", count: int = 1) -> None:
        self._faults.extend(_Fault("garbage", garbage=kind) for _ in range(count))

    # ----- handlers -----------------------------------------------------------------------------
    async def _handle(self, request: web.Request, answer: Any) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"}
        record = Recorded(request.path, body if isinstance(body, dict) else {}, headers)
        self.requests.append(record)
        try:
            self._check_key(request)
            fault = self._faults.popleft() if self._faults else None
            if fault is not None and fault.kind == "hang":
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), fault.seconds)
                if self._closing.is_set():
                    raise ApiError(503, "The engine is currently overloaded.", type="server_error")
            if fault is not None and fault.kind == "fail":
                raise _injected(fault.status)
            if fault is not None and fault.kind == "garbage" and fault.garbage == "not_json":
                response: web.StreamResponse = web.Response(
                    text="<html>502 Bad Gateway</html>", content_type="application/json"
                )
            else:
                if not isinstance(body, dict):
                    raise ApiError(400, "We could not parse the JSON body of your request.")
                garbage = fault.garbage if fault is not None and fault.kind == "garbage" else None
                response = web.json_response(answer(body, garbage))
        except ApiError as error:
            response = error.response()
        record.status = response.status
        return response

    def _check_key(self, request: web.Request) -> None:
        if self.api_key is None:
            return
        header = request.headers.get("Authorization", "")
        if header != f"Bearer {self.api_key}":
            raise ApiError(401, "Incorrect API key provided.", code="invalid_api_key")

    async def _generations(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, self._generate)

    async def _moderations(self, request: web.Request) -> web.StreamResponse:
        return await self._handle(request, lambda body, _garbage: self._moderate(body))

    async def _file(self, request: web.Request) -> web.StreamResponse:
        data = self._files.get(request.match_info["name"])
        if data is None:
            return ApiError(404, "No such image.").response()
        return web.Response(body=data, content_type="image/png")

    def _generate(self, body: JSON, garbage: Garbage | None) -> JSON:
        model = body.get("model") or "dall-e-2"
        kind = family(str(model))
        prompt = body.get("prompt")
        if not isinstance(prompt, str) or not prompt.strip():
            raise ApiError(400, "Missing required parameter: 'prompt'.", param="prompt")
        if len(prompt) > MAX_PROMPT.get(kind, 32000):
            raise ApiError(
                400, "The prompt is too long.", param="prompt", code="string_above_max_length"
            )
        n = body.get("n", 1)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 10:
            raise ApiError(400, f"Invalid value for 'n': {n!r}; expected 1 to 10.", param="n")
        if kind == "dall-e-3" and n != 1:
            raise ApiError(400, "You must provide n=1 for this model.", param="n")
        response_format = body.get("response_format")
        if kind == "gpt-image" and response_format is not None:
            raise ApiError(
                400,
                "Unknown parameter: 'response_format'.",
                param="response_format",
                code="unknown_parameter",
            )
        size = str(body.get("size") or ("auto" if kind == "gpt-image" else "1024x1024"))
        if kind in SIZES and size not in SIZES[kind]:
            allowed = ", ".join(repr(s) for s in SIZES[kind])
            raise ApiError(
                400, f"Invalid value: '{size}'. Supported values are: {allowed}.", param="size"
            )
        width, height = (1024, 1024) if size == "auto" else parse_size(size) or (0, 0)
        if not width:
            raise ApiError(400, f"Invalid value: '{size}'. Expected WIDTHxHEIGHT.", param="size")
        for word, category in self.flagged.items():
            if word.lower() in prompt.lower():
                code = "moderation_blocked" if kind == "gpt-image" else "content_policy_violation"
                raise ApiError(
                    400,
                    "Your request was rejected as a result of our safety system. "
                    f"Your prompt may contain text that is not allowed ({category}).",
                    code=code,
                )
        data = []
        seed = int.from_bytes(hashlib.sha256(prompt.encode()).digest()[:4], "big")
        for index in range(n):
            png = draw_png(prompt, seed + index, width, height)
            if garbage == "not_png":
                png = b"GIF89a this is not a png " + png[:32]
            elif garbage == "wrong_size":
                png = draw_png(prompt, seed + index, width // 2, height // 2)
            item: JSON = {}
            if kind == "gpt-image" or response_format == "b64_json":
                item["b64_json"] = base64.b64encode(png).decode()
            else:
                name = f"img-{next(self._ids):06d}.png"
                self._files[name] = png
                item["url"] = f"{self.base_url}/fake-images/{name}"
            if kind == "dall-e-3":
                item["revised_prompt"] = f"A detailed illustration of {prompt.strip()}"
            data.append(item)
        answer: JSON = {"created": int(time.time()), "data": data}
        if kind == "gpt-image":
            tokens = len(prompt.split())
            answer |= {
                "background": body.get("background") or "opaque",
                "output_format": body.get("output_format") or "png",
                "quality": body.get("quality") or "medium",
                "size": f"{width}x{height}",
                "usage": {
                    "input_tokens": tokens,
                    "input_tokens_details": {"text_tokens": tokens, "image_tokens": 0},
                    "output_tokens": 1056 * n,
                    "total_tokens": tokens + 1056 * n,
                },
            }
        return answer

    def _moderate(self, body: JSON) -> JSON:
        model = str(body.get("model") or "omni-moderation-latest")
        raw = body.get("input")
        if isinstance(raw, str):
            groups: list[list[JSON]] = [[{"type": "text", "text": raw}]]
        elif isinstance(raw, list) and all(isinstance(item, str) for item in raw):
            groups = [[{"type": "text", "text": item}] for item in raw]
        elif isinstance(raw, list) and all(isinstance(item, dict) for item in raw):
            groups = [raw]
        else:
            raise ApiError(400, "Invalid type for 'input'.", param="input")
        return {
            "id": f"modr-fake{next(self._ids):06d}",
            "model": model,
            "results": [self._result(parts, omni=model.startswith("omni")) for parts in groups],
        }

    def _result(self, parts: list[JSON], *, omni: bool) -> JSON:
        scores = dict.fromkeys(CATEGORIES, 0.0001)
        applied: dict[str, list[str]] = {c: [] for c in CATEGORIES}
        for part in parts:
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                applied = {c: [*types, "text"] for c, types in applied.items()}
                for word, category in self.flagged.items():
                    if word.lower() in part["text"].lower():
                        scores[category] = 0.9
            elif part.get("type") == "image_url":
                if not omni:
                    raise ApiError(
                        400, "Images are only supported by omni moderation models.", param="input"
                    )
                applied = {
                    c: [*t, "image"] if c in IMAGE_CATEGORIES else t for c, t in applied.items()
                }
                if self.flag_images:
                    scores["violence"] = 0.9
            else:
                raise ApiError(400, "Invalid content part in 'input'.", param="input")
        categories = {c: score >= 0.5 for c, score in scores.items()}
        result: JSON = {
            "flagged": any(categories.values()),
            "categories": categories,
            "category_scores": scores,
        }
        if omni:
            result["category_applied_input_types"] = applied
        return result


def _injected(status: int) -> ApiError:
    if status == 429:
        return ApiError(
            429,
            "Rate limit reached for images per minute. Please try again later.",
            type="requests",
            code="rate_limit_exceeded",
            headers={"retry-after": "1", "retry-after-ms": "20"},
        )
    if status >= 500:
        return ApiError(
            status, "The server had an error while processing your request.", type="server_error"
        )
    return ApiError(status, f"Injected error {status}.")
