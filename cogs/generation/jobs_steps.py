"""Stand-ins for the parts not wired yet: no styles and no back end, which say so.

With these, /generate answers what to configure; it never pretends to make anything.
"""

from __future__ import annotations

from collections.abc import Sequence

from cogs.generation.contracts import GenerationRequest, Kind, Style
from summarizer.generation import GeneratedOutput, GenerationError


class NoStyles:
    def get(self, name: str) -> Style | None:
        return None

    def default(self, kind: Kind) -> Style | None:
        return None

    def names(self, kind: Kind) -> Sequence[str]:
        return ()


class NoBackends:
    def missing(self, style: Style) -> str | None:
        return (
            f"No generation back end is configured for style {style.name!r}: add "
            f"[generation.backends.{style.backend}] to the configuration."
        )

    async def generate(self, request: GenerationRequest) -> Sequence[GeneratedOutput]:
        raise GenerationError(self.missing(request.style) or "no back end", transient=False)
