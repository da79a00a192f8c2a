"""The steps of a job's pipeline, injected so each part of the feature plugs in its own: the
styles, the back ends, the prompt check, the check of each output, the provenance seal, and the
buttons posted with each result. Each step has a trivial default (allow, unsealed, no buttons).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.commands.reply import Attachment, Button
from cogs.generation.contracts import GenerationRequest, Style, Verdict
from summarizer.generation import GeneratedOutput


class Generator(Protocol):
    def missing(self, style: Style) -> str | None:
        """What to configure before this style's back end can run, or None when it can."""
        ...

    async def generate(self, request: GenerationRequest) -> Sequence[GeneratedOutput]: ...


@dataclass(frozen=True)
class Made:
    """One output in its job, for the provenance seal and the curation buttons."""

    job_id: int
    index: int
    community_id: int
    requested_at: datetime
    backend: str
    output_id: int | None = None  # the stored output's id (what its vote button names)


@dataclass(frozen=True)
class Sealed:
    """An output as posted: its bytes (an image may carry an embedded manifest) and the files
    that go with it (provenance.json)."""

    data: bytes
    files: tuple[Attachment, ...] = ()
    note: str = ""


PromptCheck = Callable[[GenerationRequest], Awaitable[Verdict]]
# (request, output, its number in the job from 1)
OutputCheck = Callable[[GenerationRequest, GeneratedOutput, int], Awaitable[Verdict]]
Seal = Callable[[Made, GenerationRequest, GeneratedOutput], Awaitable[Sealed]]
Buttons = Callable[[Made], Sequence[Button]]


async def allow_prompt(_request: GenerationRequest) -> Verdict:
    return Verdict(passed=True)


async def allow_output(
    _request: GenerationRequest, _output: GeneratedOutput, _number: int
) -> Verdict:
    return Verdict(passed=True)


async def unsealed(_made: Made, _request: GenerationRequest, output: GeneratedOutput) -> Sealed:
    return Sealed(output.data)


def no_buttons(_made: Made) -> Sequence[Button]:
    return ()


@dataclass(frozen=True)
class Pipeline:
    # The style presets by name (config/styles/*.toml).
    styles: Mapping[str, Style]
    generator: Generator
    check_prompt: PromptCheck = allow_prompt
    check_output: OutputCheck = allow_output
    seal: Seal = unsealed
    buttons: Buttons = no_buttons
