"""Images from a self-hosted Stable Diffusion server with the AUTOMATIC1111/Forge API.

`POST /sdapi/v1/txt2img` answers `images` (base64 PNGs), `parameters` (the request echoed) and
`info`, a JSON *string* with `seed` and `all_seeds` (one per image of the batch) and
`index_of_first_image` (1 when the server put a grid of the batch first). The HTTP call itself is
injected (`PostJson`): summarizer/ knows no HTTP client, and the bot's client applies its rules
(timeouts, size caps, the private-address guard and its operator allow list).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from summarizer.generation import IMAGE_PNG, GeneratedOutput, GenerationError
from summarizer.images import decode_png, parse_size

# POSTs JSON to a path of the server and returns the decoded JSON answer; it raises
# GenerationError itself when the call fails (transient for timeouts, 429 and 5xx).
PostJson = Callable[[str, Mapping[str, Any]], Awaitable[Any]]

TXT2IMG = "/sdapi/v1/txt2img"
SERVER = "the Stable Diffusion server"
# What a style's parameters may set; anything else is refused when the style is loaded.
KNOWN_PARAMETERS = frozenset(
    {
        "steps",
        "cfg_scale",
        "sampler_name",
        "scheduler",
        "restore_faces",
        "tiling",
        "enable_hr",
        "hr_scale",
        "hr_upscaler",
        "denoising_strength",
        "subseed",
        "subseed_strength",
        "clip_skip",
        "override_settings",
    }
)


class StableDiffusionWebUI:
    def __init__(self, post: PostJson) -> None:
        self._post = post

    async def generate(
        self,
        *,
        model: str,
        prompt: str,
        negative_prompt: str,
        count: int,
        size: str,
        seed: int | None,
        parameters: Mapping[str, Any] | None = None,
    ) -> list[GeneratedOutput]:
        """`count` PNGs in one batch; each output carries its own seed from `info.all_seeds`.

        `seed` None lets the server choose (-1). `model` names a checkpoint, switched to for
        this request only (`override_settings.sd_model_checkpoint`); empty keeps the loaded one.
        """
        width, height = parse_size(size)
        body: dict[str, Any] = {
            "prompt": prompt,
            "negative_prompt": negative_prompt,
            "seed": -1 if seed is None else seed,
            "width": width,
            "height": height,
            "batch_size": count,
            "n_iter": 1,
            "send_images": True,
            "save_images": False,
            **(parameters or {}),
        }
        if model:
            overrides = dict(body.get("override_settings") or {})
            overrides.setdefault("sd_model_checkpoint", model)
            body["override_settings"] = overrides
            body["override_settings_restore_afterwards"] = True
        answer = await self._post(TXT2IMG, body)
        return _outputs(answer, model, count, (width, height))


def _outputs(
    answer: Any, model: str, count: int, expected: tuple[int, int]
) -> list[GeneratedOutput]:
    if not isinstance(answer, dict) or not isinstance(answer.get("images"), list):
        raise GenerationError("the Stable Diffusion server sent no images", transient=False)
    info = _info(answer.get("info"))
    first = info.get("index_of_first_image", 0)
    images = answer["images"][first if isinstance(first, int) and first >= 0 else 0 :]
    if len(images) < count:
        message = f"the Stable Diffusion server sent {len(images)} of {count} images"
        raise GenerationError(message, transient=False)
    seeds = _seeds(info, count)
    echoed = answer.get("parameters")
    base = {k: v for k, v in echoed.items() if k != "prompt"} if isinstance(echoed, dict) else {}
    outputs = []
    for index, image in enumerate(images[:count]):
        png = decode_png(image if isinstance(image, str) else None, expected, SERVER)
        parameters = {**base, "seed": seeds[index]}
        if isinstance(info.get("sd_model_name"), str):
            parameters["sd_model_name"] = info["sd_model_name"]
        outputs.append(
            GeneratedOutput(
                media_type=IMAGE_PNG,
                data=png,
                model=model or str(info.get("sd_model_name") or "stable-diffusion"),
                seed=seeds[index],
                parameters=parameters,
            )
        )
    return outputs


def _info(raw: Any) -> dict[str, Any]:
    """`info` is a JSON string (some forks send the object itself)."""
    if isinstance(raw, dict):
        return raw
    try:
        info = json.loads(raw) if isinstance(raw, str) else None
    except ValueError as exc:
        raise GenerationError(
            "the Stable Diffusion server's info is not JSON", transient=False
        ) from exc
    if not isinstance(info, dict):
        raise GenerationError("the Stable Diffusion server sent no info", transient=False)
    return info


def _seeds(info: Mapping[str, Any], count: int) -> list[int]:
    """One seed per image: `all_seeds`, else consecutive seeds from `seed` as A1111 assigns them."""
    seeds = info.get("all_seeds")
    if isinstance(seeds, list) and len(seeds) >= count and all(_is_int(s) for s in seeds):
        return [int(s) for s in seeds[:count]]
    seed = info.get("seed")
    if isinstance(seed, int) and not isinstance(seed, bool):
        return [seed + index for index in range(count)]
    raise GenerationError(
        "the Stable Diffusion server did not say which seeds it used", transient=False
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
