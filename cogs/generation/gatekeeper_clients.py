"""The moderation and critique clients a style's checks use, built from [generation.backends]
once per back end and closed at shutdown.

An openai back end's own client does not go through the framework's HTTP client, so the
operator's allow list for private addresses is applied by `check_address` (the back ends'
check, injected) before a client is first handed out; a refusal raises GenerationError.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from cogs.generation.config import BackendConfig, GenerationConfig
from cogs.generation.contracts import Style
from summarizer.critique import Critic
from summarizer.generation import GenerationError
from summarizer.moderation import Moderator

CheckAddress = Callable[[str], Awaitable[None]]


class GatekeeperClients:
    def __init__(self, config: GenerationConfig, check_address: CheckAddress) -> None:
        self._config = config
        self._check_address = check_address
        self._moderators: dict[str, Moderator] = {}
        self._critics: dict[str, Critic] = {}
        for name in (config.gatekeeper.moderation_backend, config.gatekeeper.critique_backend):
            if name is not None and _openai_backend(config, name) is None:
                raise GenerationError(
                    f"[generation.gatekeeper] names back end {name!r}, which is not an openai "
                    f"back end in [generation.backends]",
                    transient=False,
                )

    async def close(self) -> None:
        for moderator in self._moderators.values():
            await moderator.close()
        for critic in self._critics.values():
            await critic.close()

    async def moderator(self, style: Style) -> Moderator | None:
        """The moderation endpoint for `style`; None when there is none (the gatekeeper then
        holds what the style asks it to moderate)."""
        if not style.moderation:
            return None
        name = self._config.gatekeeper.moderation_backend or style.backend
        backend = _openai_backend(self._config, name)
        if backend is None:
            return None
        if name not in self._moderators:
            await self._check_address(backend.url)
            key, url, timeout = _options(backend)
            self._moderators[name] = Moderator(
                api_key=key,
                base_url=url,
                timeout=timeout,
                model=self._config.gatekeeper.moderation_model,
            )
        return self._moderators[name]

    async def critic(self, style: Style) -> Critic | None:
        if style.critique is None:
            return None
        name = self._config.gatekeeper.critique_backend or style.backend
        backend = _openai_backend(self._config, name)
        if backend is None:
            return None
        if name not in self._critics:
            await self._check_address(backend.url)
            key, url, timeout = _options(backend)
            self._critics[name] = Critic(api_key=key, base_url=url, timeout=timeout)
        return self._critics[name]


def _openai_backend(config: GenerationConfig, name: str) -> BackendConfig | None:
    backend = config.backends.get(name)
    return backend if backend is not None and backend.type == "openai" else None


def _options(backend: BackendConfig) -> tuple[str, str, float]:
    key = backend.api_key.get_secret_value() if backend.api_key else "unused"
    return key, backend.url, min(backend.timeout, 60.0)
