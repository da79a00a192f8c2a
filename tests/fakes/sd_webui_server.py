"""A local fake of the AUTOMATIC1111/Forge Stable Diffusion web UI API (started with --api).

Usage::

    async with FakeSDWebUI() as fake:
        answer = await http.post_json(fake.base_url + "/sdapi/v1/txt2img", {"prompt": "a fox"})

Wire behaviour, as A1111 answers it:
    ``POST /sdapi/v1/txt2img``: fields default as the API's model does (seed -1, steps 50,
    cfg_scale 7, 512x512, batch_size 1, n_iter 1, sampler "DPM++ 2M"); unknown fields are
    ignored; a field of the wrong type is a FastAPI 422 ``{"detail": [{"loc", "msg", "type"}]}``.
    The answer has ``images`` (base64 PNGs drawn with Pillow, the size asked for, one per seed),
    ``parameters`` (the request with its defaults filled in) and ``info``, a JSON *string* with
    ``seed``, ``all_seeds`` (seed, seed+1, ... for the batch; seed -1 picks one at random),
    ``all_prompts``, ``sd_model_name``, ``index_of_first_image``, ``infotexts``... When the batch
    has more than one image, ``save_images`` is true (the API skips the grid otherwise:
    ``do_not_save_grid = not save_images``) and ``fake.return_grid`` is on (A1111's default),
    ``images`` starts with a grid of the batch and ``index_of_first_image`` is 1.
    ``override_settings.sd_model_checkpoint`` selects a checkpoint of ``fake.models`` for that
    request (unknown: 422, as the web UI refuses an unknown checkpoint); ``GET /sdapi/v1/sd-models``
    lists them. With ``fake.auth = ("user", "password")`` (--api-auth) every call needs HTTP
    Basic auth, else 401 ``{"detail": "Incorrect credentials"}``.

Faults (FIFO, consumed by txt2img): ``fail_next(status, count)`` (``{"error", "detail", "body",
"errors"}`` as the web UI's exception handler answers), ``hang_next(seconds, count)``,
``garbage_next(kind, count)`` with kind ``"not_png"`` (base64 of bytes that are no image),
``"not_json"`` (an HTML error page with status 200) or ``"info_not_json"``.

Records: ``fake.requests`` (the JSON bodies of txt2img calls, with their headers).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import BasicAuth, web
from PIL import Image

from tests.fakes.images_server import draw_png

JSON = dict[str, Any]
Garbage = Literal["not_png", "not_json", "info_not_json"]

DEFAULTS: JSON = {
    "prompt": "",
    "negative_prompt": "",
    "styles": None,
    "seed": -1,
    "subseed": -1,
    "subseed_strength": 0,
    "sampler_name": "DPM++ 2M",
    "scheduler": "Automatic",
    "batch_size": 1,
    "n_iter": 1,
    "steps": 50,
    "cfg_scale": 7.0,
    "width": 512,
    "height": 512,
    "restore_faces": None,
    "tiling": None,
    "enable_hr": False,
    "denoising_strength": None,
    "override_settings": None,
    "override_settings_restore_afterwards": True,
    "send_images": True,
    "save_images": False,
}
INTEGERS = ("seed", "subseed", "batch_size", "n_iter", "steps", "width", "height")
NUMBERS = ("cfg_scale", "subseed_strength")
DEFAULT_MODELS = ("sd_xl_base_1.0", "v1-5-pruned-emaonly")


@dataclass
class Recorded:
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
class FakeSDWebUI:
    models: tuple[str, ...] = DEFAULT_MODELS
    return_grid: bool = True
    auth: tuple[str, str] | None = None
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0
    _faults: deque[_Fault] = field(default_factory=deque)
    _runner: web.AppRunner | None = None
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self, host: str = "127.0.0.1") -> None:
        self._closing = asyncio.Event()
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_post("/sdapi/v1/txt2img", self._txt2img)
        app.router.add_get("/sdapi/v1/sd-models", self._models)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSDWebUI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int, count: int = 1) -> None:
        self._faults.extend(_Fault("fail", status=status) for _ in range(count))

    def hang_next(self, seconds: float, count: int = 1) -> None:
        self._faults.extend(_Fault("hang", seconds=seconds) for _ in range(count))

    def garbage_next(self, kind: Garbage = "not_png", count: int = 1) -> None:
        self._faults.extend(_Fault("garbage", garbage=kind) for _ in range(count))

    # ----- handlers -----------------------------------------------------------------------------
    def _authorized(self, request: web.Request) -> bool:
        if self.auth is None:
            return True
        try:
            given = BasicAuth.decode(request.headers.get("Authorization", ""))
        except ValueError:
            return False
        return (given.login, given.password) == self.auth

    async def _models(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"detail": "Incorrect credentials"}, status=401)
        return web.json_response(
            [
                {"title": f"{m}.safetensors [abcdef0123]", "model_name": m, "hash": "abcdef0123"}
                for m in self.models
            ]
        )

    async def _txt2img(self, request: web.Request) -> web.StreamResponse:
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"}
        try:
            raw = await request.json()
        except ValueError:
            raw = None
        record = Recorded(raw if isinstance(raw, dict) else {}, headers)
        self.requests.append(record)
        response = await self._answer(request, raw)
        record.status = response.status
        return response

    async def _answer(self, request: web.Request, raw: Any) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response({"detail": "Incorrect credentials"}, status=401)
        if not isinstance(raw, dict):
            return _unprocessable(["body"], "value is not a valid dict", "type_error.dict")
        fault = self._faults.popleft() if self._faults else None
        if fault is not None and fault.kind == "hang":
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), fault.seconds)
        if fault is not None and fault.kind == "fail":
            return web.json_response(
                {
                    "error": "OutOfMemoryError" if fault.status >= 500 else "HTTPException",
                    "detail": "",
                    "body": "",
                    "errors": "CUDA out of memory." if fault.status >= 500 else "",
                },
                status=fault.status,
            )
        garbage = fault.garbage if fault is not None and fault.kind == "garbage" else None
        if garbage == "not_json":
            return web.Response(
                text="<html><body>Internal Server Error</body></html>", content_type="text/html"
            )
        params = {**DEFAULTS, **{k: v for k, v in raw.items()}}
        for name in INTEGERS:
            if not isinstance(params[name], int) or isinstance(params[name], bool):
                return _unprocessable(
                    ["body", name], "value is not a valid integer", "type_error.integer"
                )
        for name in NUMBERS:
            if not isinstance(params[name], int | float) or isinstance(params[name], bool):
                return _unprocessable(
                    ["body", name], "value is not a valid float", "type_error.float"
                )
        if not isinstance(params["prompt"], str) or not isinstance(params["negative_prompt"], str):
            return _unprocessable(["body", "prompt"], "str type expected", "type_error.str")
        width, height, count = (
            params["width"],
            params["height"],
            params["batch_size"] * params["n_iter"],
        )
        if not (64 <= width <= 2048 and 64 <= height <= 2048 and 1 <= count <= 16):
            return _unprocessable(["body", "width"], "size or batch out of range", "value_error")
        model = self.models[0]
        overrides = params.get("override_settings") or {}
        if isinstance(overrides, dict) and overrides.get("sd_model_checkpoint"):
            wanted = (
                str(overrides["sd_model_checkpoint"]).split(" [")[0].removesuffix(".safetensors")
            )
            if wanted not in self.models:
                return _unprocessable(
                    ["body", "override_settings"], f"model {wanted!r} not found", "value_error"
                )
            model = wanted
        seed = params["seed"] if params["seed"] != -1 else random.randrange(2**32 - count)
        seeds = [seed + index for index in range(count)]
        images = [draw_png(params["prompt"], s, width, height) for s in seeds]
        if garbage == "not_png":
            images = [b"\x00\x01 not an image at all" for _ in images]
        first = 0
        if self.return_grid and count > 1 and params["save_images"] is True:
            images = [_grid(images, width, height), *images]
            first = 1
        infotexts = [
            f"{params['prompt']}\nNegative prompt: {params['negative_prompt']}\n"
            f"Steps: {params['steps']}, "
            f"Sampler: {params['sampler_name']}, CFG scale: {params['cfg_scale']}, Seed: {s}, "
            f"Size: {width}x{height}, Model: {model}"
            for s in seeds
        ]
        info = {
            "prompt": params["prompt"],
            "all_prompts": [params["prompt"]] * count,
            "negative_prompt": params["negative_prompt"],
            "all_negative_prompts": [params["negative_prompt"]] * count,
            "seed": seed,
            "all_seeds": seeds,
            "subseed": seed + 1,
            "all_subseeds": [s + 1 for s in seeds],
            "subseed_strength": params["subseed_strength"],
            "width": width,
            "height": height,
            "sampler_name": params["sampler_name"],
            "cfg_scale": params["cfg_scale"],
            "steps": params["steps"],
            "batch_size": params["batch_size"],
            "restore_faces": bool(params["restore_faces"]),
            "sd_model_name": model,
            "sd_model_hash": "abcdef0123",
            "seed_resize_from_w": -1,
            "seed_resize_from_h": -1,
            "denoising_strength": params["denoising_strength"],
            "extra_generation_params": {},
            "index_of_first_image": first,
            "infotexts": infotexts,
            "styles": [],
            "job_timestamp": time.strftime("%Y%m%d%H%M%S"),
            "clip_skip": 1,
            "is_using_inpainting_conditioning": False,
            "version": "v1.10.1",
        }
        info_text = json.dumps(info)
        if garbage == "info_not_json":
            info_text = "Steps: 28, Sampler: DPM++ 2M"
        return web.json_response(
            {
                "images": [base64.b64encode(png).decode() for png in images],
                "parameters": params,
                "info": info_text,
            }
        )


def _grid(images: list[bytes], width: int, height: int) -> bytes:
    columns = min(len(images), 2)
    rows = (len(images) + columns - 1) // columns
    grid = Image.new("RGB", (columns * width, rows * height))
    for index, png in enumerate(images):
        with contextlib.suppress(OSError):
            grid.paste(
                Image.open(io.BytesIO(png)),
                ((index % columns) * width, (index // columns) * height),
            )
    buffer = io.BytesIO()
    grid.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _unprocessable(loc: list[str], message: str, kind: str) -> web.Response:
    return web.json_response({"detail": [{"loc": loc, "msg": message, "type": kind}]}, status=422)
