"""The job pipeline built from the configuration: every part of the feature plugged in.

Styles from `styles_dir`, the back ends (`Backends`), the gatekeeper with each openai back end's
moderation endpoint and critique model, the provenance seal (signed record, provenance.json and,
for images, the C2PA manifest). Opened in the feature's lifespan and closed at its end.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace

from bot.commands.reply import Button
from bot.context import FeatureContext
from bot.errors import ConfigError
from cogs.generation.backends import Backends
from cogs.generation.config import GenerationConfig
from cogs.generation.contracts import GenerationRequest, Style, Verdict
from cogs.generation.curation import CurationService
from cogs.generation.curation_commands import start_curation, vote_button
from cogs.generation.curation_provenance import amend_provenance
from cogs.generation.gatekeeper import Gatekeeper, held
from cogs.generation.gatekeeper_clients import GatekeeperClients
from cogs.generation.jobs_pipeline import Generator, Made, Pipeline, Seal, Sealed
from cogs.generation.provenance_service import Provenance
from cogs.generation.styles import check_backends, load_styles
from summarizer.generation import GeneratedOutput, GenerationError


@dataclass(frozen=True)
class Parts:
    """What the feature runs on: the job pipeline, and what /styles and /provenance read."""

    pipeline: Pipeline
    backends: Generator
    provenance: Provenance
    curation: CurationService

    @property
    def styles(self) -> Mapping[str, Style]:
        return self.pipeline.styles

    def with_generation(self, styles: Mapping[str, Style], generator: Generator) -> Parts:
        """The same parts with other styles and back ends (tests give their own)."""
        return replace(
            self,
            pipeline=replace(self.pipeline, styles=styles, generator=generator),
            backends=generator,
        )


class Checks:
    """The gatekeeper with the moderation endpoint and critic each style's checks use. A check
    that could not run (the service was down) is a transient failure: the job is retried."""

    def __init__(self, config: GenerationConfig, backends: Backends) -> None:
        self._keeper = Gatekeeper.from_config(config.gatekeeper)
        # The back ends' private-address check, before an openai client is first handed out.
        self.clients = GatekeeperClients(config, check_address=backends._check_address)

    async def prompt(self, request: GenerationRequest) -> Verdict:
        moderator = await self.clients.moderator(request.style)
        return await self._keeper.check_prompt(request, moderator=moderator)

    async def output(
        self, request: GenerationRequest, output: GeneratedOutput, number: int
    ) -> Verdict:
        style = request.style
        verdict = await self._keeper.check_output(
            request,
            output,
            number=number,
            moderator=await self.clients.moderator(style),
            critic=await self.clients.critic(style),
        )
        if held(verdict):
            raise GenerationError("; ".join(verdict.reasons), transient=True)
        return verdict


def sealer(provenance: Provenance) -> Seal:
    async def seal(made: Made, request: GenerationRequest, output: GeneratedOutput) -> Sealed:
        sealed = await provenance.seal(
            request,
            output,
            job_id=str(made.job_id),
            index=made.index,
            created_at=made.requested_at,
        )
        note = "signed" if sealed.signed else "unsigned"
        if sealed.c2pa:
            note += ", C2PA manifest inside"
        return Sealed(sealed.file, (sealed.attachment(),), note)

    return seal


@asynccontextmanager
async def configured_parts(ctx: FeatureContext[GenerationConfig]) -> AsyncIterator[Parts]:
    config = ctx.config
    styles = load_styles(config.styles_dir)
    problems = check_backends(styles, {n: b.type for n, b in config.backends.items()})
    if problems:
        raise ConfigError("generation.styles_dir", problems[0])
    provenance = Provenance.from_context(ctx, config.provenance)
    curation = start_curation(ctx, config.curation)
    curation.on_pick(amend_provenance(provenance))
    async with AsyncExitStack() as stack:
        backends = Backends(config, ctx.http)
        stack.push_async_callback(backends.close)
        try:
            checks = Checks(config, backends)
        except GenerationError as exc:
            raise ConfigError("generation.gatekeeper", str(exc)) from exc
        stack.push_async_callback(checks.clients.close)
        pipeline = Pipeline(
            styles=styles,
            generator=backends,
            check_prompt=checks.prompt,
            check_output=checks.output,
            seal=sealer(provenance),
            buttons=vote_buttons_of,
        )
        yield Parts(pipeline, backends, provenance, curation)


def vote_buttons_of(made: Made) -> Sequence[Button]:
    return vote_button(made.output_id)


def concurrency_of(config: GenerationConfig) -> Callable[[str], int]:
    """Jobs at once on each back end: its `concurrency` (2 when it is not configured)."""

    def limit(backend: str) -> int:
        found = config.backends.get(backend)
        return found.concurrency if found is not None else 2

    return limit
