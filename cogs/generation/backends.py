"""The configured back ends, and a style's request turned into a call to one of them.

`Backends.generate` applies the style (prompt prefix, negative prompt, parameters, seed policy)
and calls its back end: an OpenAI-compatible endpoint (images, or chat completions for copy) or a
self-hosted AUTOMATIC1111/Forge server, whose calls go through the bot's one HTTP client. Both
kinds are held to the operator's allow list: a back end on this machine or a private network is
refused unless `[http] allow_private` names it. `Backends.missing` says, in one line, what to
configure when a style's back end is not there; /generate never pretends.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Mapping
from typing import Any

import aiohttp
from yarl import URL

from bot.http import HttpClient, HttpError
from bot.http_guard import AddressRules, literal_address
from cogs.generation.config import BackendConfig, GenerationConfig
from cogs.generation.contracts import GenerationRequest, Style
from summarizer.copywriting import CopyWriter, VoiceGuide
from summarizer.generation import GeneratedOutput, GenerationError
from summarizer.images import ImageGenerator
from summarizer.sd_webui import StableDiffusionWebUI

ACCEPTED = (400, 404, 422)  # read for their detail rather than raised as bare statuses


class Backends:
    """Built once in the feature's lifespan; `close` at shutdown."""

    def __init__(self, config: GenerationConfig, http: HttpClient) -> None:
        self.config = config
        self._http = http
        self._rules = AddressRules.from_allow_list(http.policy.allow_private)
        self._images: dict[str, ImageGenerator] = {}
        self._copy: dict[str, CopyWriter] = {}
        self._checked: set[str] = set()  # openai base URLs whose address passed the rules

    async def close(self) -> None:
        for images in self._images.values():
            await images.close()
        for writer in self._copy.values():
            await writer.close()

    def concurrency(self, backend: str) -> int:
        found = self.config.backends.get(backend)
        return found.concurrency if found else 1

    def missing(self, style: Style) -> str | None:
        """What to configure before `style` can run, in one line; None when it can."""
        backend = self.config.backends.get(style.backend)
        if backend is None:
            kind = '"openai"' if style.kind == "copy" else '"openai" or "sd_webui"'
            return (
                f"/generate needs a back end for style {style.name}: set "
                f"[generation.backends.{style.backend}] with type = {kind} and base_url "
                "in the configuration file"
            )
        if style.kind == "copy" and backend.type != "openai":
            return (
                f"style {style.name} writes copy, which needs an openai back end; "
                f"[generation.backends.{style.backend}] is {backend.type}"
            )
        return None

    async def generate(self, request: GenerationRequest) -> list[GeneratedOutput]:
        style = request.style
        problem = self.missing(style)
        if problem is not None:
            raise GenerationError(problem, transient=False)
        if request.count < 1:
            raise GenerationError("ask for at least one output", transient=False)
        backend = self.config.backends[style.backend]
        if request.kind == "copy":
            return await self._write(style.backend, backend, request)
        size = request.size or style.sizes[0]
        prompt = prompt_with_prefix(style.prompt_prefix, request.prompt)
        if backend.type == "sd_webui":
            return await StableDiffusionWebUI(self._poster(backend)).generate(
                model=style.model,
                prompt=prompt,
                negative_prompt=style.negative_prompt,
                count=request.count,
                size=size,
                seed=seed_for(style, request),
                parameters=dict(style.parameters),
            )
        await self._check_address(backend.url)
        images = self._images.get(style.backend)
        if images is None:
            images = self._images[style.backend] = ImageGenerator(**_openai_options(backend))
        return await images.generate(
            model=style.model or "gpt-image-1",
            prompt=prompt,
            count=request.count,
            size=size,
            parameters=dict(style.parameters),
        )

    async def _write(
        self, name: str, backend: BackendConfig, request: GenerationRequest
    ) -> list[GeneratedOutput]:
        style = request.style
        await self._check_address(backend.url)
        writer = self._copy.get(name)
        if writer is None:
            writer = self._copy[name] = CopyWriter(**_openai_options(backend))
        voice = style.voice
        return await writer.write(
            model=style.model,
            brief=request.prompt,
            author=request.requester.name or request.requester.user_id,
            format=request.format or "announcement",
            voice=VoiceGuide()
            if voice is None
            else VoiceGuide(
                tone=voice.tone,
                use=voice.use,
                avoid=voice.avoid,
                required=voice.required,
                min_words=voice.min_words,
                max_words=voice.max_words,
            ),
            count=request.count,
            prefix=style.prompt_prefix,
            parameters=dict(style.parameters),
        )

    def _poster(self, backend: BackendConfig) -> Any:
        """The A1111 call through the bot's HTTP client: guarded (untrusted), its own timeout,
        no retries of its own (the job retries transient failures with backoff)."""
        http, base = self._http, backend.url
        credentials = _credentials(backend)

        async def post(path: str, body: Mapping[str, Any]) -> Any:
            try:
                response = await http.request(
                    "POST",
                    base + path,
                    json=dict(body),
                    credentials=credentials,
                    untrusted=True,
                    retry=False,
                    accept=ACCEPTED,
                    timeout=backend.timeout,
                )
                if response.status in ACCEPTED:
                    raise GenerationError(
                        _refusal(response.status, response.text()), transient=False
                    )
                return response.json()
            except HttpError as exc:
                raise GenerationError(_http_message(exc), transient=exc.retryable) from exc

        return post

    async def _check_address(self, url: str) -> None:
        """The allow list applied to an openai back end, whose own client does not go through
        ours: every address of its host must be public or allowed by the operator."""
        if url in self._checked:
            return
        parsed = URL(url)
        host = parsed.raw_host or ""
        if not self._rules.allows_name(host):
            literal = literal_address(host)
            if literal is not None:
                addresses = [literal]
            else:
                try:
                    infos = await asyncio.get_running_loop().getaddrinfo(
                        host, parsed.port, type=socket.SOCK_STREAM
                    )
                except OSError as exc:
                    raise GenerationError(f"{host} could not be resolved", transient=True) from exc
                addresses = [
                    ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos
                ]
            if any(self._rules.blocks(address) for address in addresses):
                raise GenerationError(_blocked(host), transient=False)
        self._checked.add(url)


def prompt_with_prefix(prefix: str, prompt: str) -> str:
    prefix, prompt = prefix.strip(), prompt.strip()
    return f"{prefix}, {prompt}" if prefix else prompt


def seed_for(style: Style, request: GenerationRequest) -> int | None:
    """The member's seed, else the style's when its policy is fixed, else the server's choice."""
    if request.seed is not None:
        return request.seed
    return style.seed if style.seed_policy == "fixed" else None


def _openai_options(backend: BackendConfig) -> dict[str, Any]:
    key = backend.api_key.get_secret_value() if backend.api_key else "unused"
    return {"api_key": key, "base_url": backend.url, "timeout": backend.timeout}


def _credentials(backend: BackendConfig) -> dict[str, str] | None:
    if backend.api_key is None:
        return None
    secret = backend.api_key.get_secret_value()
    if backend.username:
        return {"Authorization": aiohttp.encode_basic_auth(backend.username, secret)}
    return {"Authorization": f"Bearer {secret}"}


def _blocked(host: str) -> str:
    return (
        f"refused: {host} is on this machine or a private network; an operator can allow it "
        "in [http] allow_private"
    )


def _http_message(exc: HttpError) -> str:
    text = str(exc)
    if text.startswith("refused:") and "private network" in text:
        host = URL(exc.url).host or "the server"
        return _blocked(host)
    return f"the Stable Diffusion server failed: {text}"


def _refusal(status: int, text: str) -> str:
    if status == 404:
        return "the Stable Diffusion server has no /sdapi/v1/txt2img: start it with --api"
    detail = " ".join(text.split())[:200]
    return f"the Stable Diffusion server refused the request ({status}): {detail}"
