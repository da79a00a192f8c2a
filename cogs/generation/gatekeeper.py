"""The gatekeeper: nothing is generated from an unchecked prompt, nothing is shown unchecked.

`check_prompt` runs before a job is queued (length, blocked terms, moderation when the style asks);
`check_output` runs on each output before it is posted (an image's bytes, a copy's voice guide,
blocked terms, moderation, and the critique model when the style has one). A check that cannot
run (moderation or critique down, or asked for with no client given) holds the output: it is
never passed unchecked. Each reason is one line the member can be told as is.

The jobs pipeline holds one `Gatekeeper` (built from `GatekeeperConfig`, [generation.gatekeeper]
in steward.toml) and passes the style's back end's `Moderator` and `Critic` per call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from bot.commands.sanitize import neutralize_all_mentions
from cogs.generation.contracts import GenerationRequest, Style, Verdict
from cogs.generation.gatekeeper_rules import Limits, copy_problems, image_problems
from cogs.generation.gatekeeper_terms import TermMatcher, mask
from summarizer.critique import Critic
from summarizer.errors import ModelError
from summarizer.generation import IMAGE_PNG, TEXT_MARKDOWN, GeneratedOutput
from summarizer.moderation import Moderator

_HELD = "it could not be checked: "


class GatekeeperConfig(BaseModel):
    """[generation.gatekeeper]: community-wide rules on top of each style's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    blocked_terms: tuple[str, ...] = ()  # blocked in every style, prompts and outputs
    # The openai back end whose /v1/moderations (and chat, for critiques) to use; by default
    # the style's own (a sd_webui back end has neither, so name one here for its styles).
    moderation_backend: str | None = None
    critique_backend: str | None = None
    moderation_model: str = "omni-moderation-latest"
    max_prompt_chars: int = Field(default=1000, ge=1)
    max_image_bytes: int = Field(default=8 * 1024 * 1024, ge=1)

    def limits(self) -> Limits:
        return Limits(max_prompt_chars=self.max_prompt_chars, max_image_bytes=self.max_image_bytes)


@dataclass
class Gatekeeper:
    community_terms: tuple[str, ...] = ()
    limits: Limits = field(default_factory=Limits)
    _matchers: dict[tuple[str, ...], TermMatcher] = field(default_factory=dict, repr=False)

    @classmethod
    def from_config(cls, config: GatekeeperConfig) -> Gatekeeper:
        return cls(community_terms=config.blocked_terms, limits=config.limits())

    def blocked_in(self, style: Style, text: str) -> tuple[str, ...]:
        terms = (*style.blocked_terms, *self.community_terms)
        matcher = self._matchers.get(terms)
        if matcher is None:
            matcher = self._matchers[terms] = TermMatcher.of(terms)
        return matcher.find(text)

    async def check_prompt(
        self, request: GenerationRequest, *, moderator: Moderator | None = None
    ) -> Verdict:
        return await check_prompt(request, moderator=moderator, gatekeeper=self)

    async def check_output(
        self,
        request: GenerationRequest,
        output: GeneratedOutput,
        *,
        number: int = 1,
        moderator: Moderator | None = None,
        critic: Critic | None = None,
    ) -> Verdict:
        return await check_output(
            request, output, number=number, moderator=moderator, critic=critic, gatekeeper=self
        )


def _blocked_reasons(style: Style, found: Iterable[str]) -> list[str]:
    return [
        f"it contains a term the {style.name} style blocks ({mask(term)})"
        if term in style.blocked_terms
        else f"it contains a term this community blocks ({mask(term)})"
        for term in found
    ]


async def check_prompt(
    request: GenerationRequest,
    *,
    moderator: Moderator | None = None,
    gatekeeper: Gatekeeper | None = None,
) -> Verdict:
    """Before anything is generated: not empty, not over-long, no blocked term, and the
    moderation endpoint's word when the style asks for it."""
    keeper = gatekeeper or Gatekeeper()
    style = request.style
    prompt = request.prompt
    if not prompt.strip():
        return _refused(["it is empty: say what to make"])
    limit = keeper.limits.max_prompt_chars
    if len(prompt) > limit:
        return _refused([f"it has {len(prompt):,} characters; the limit is {limit:,}"])
    problems = _blocked_reasons(style, keeper.blocked_in(style, prompt))
    if problems:
        return _refused(problems)
    if style.moderation:
        if moderator is None:
            return _refused(
                [f"the {style.name} style asks for moderation, and its back end has none set up"]
            )
        try:
            result = await moderator.check(text=prompt)
        except ModelError as exc:
            return _refused([f"{_HELD}moderation failed ({exc}); try again later"])
        if result.flagged:
            return _refused([f"moderation flagged it ({_categories(result.categories)})"])
    return Verdict(passed=True)


async def check_output(
    request: GenerationRequest,
    output: GeneratedOutput,
    *,
    number: int = 1,
    moderator: Moderator | None = None,
    critic: Critic | None = None,
    gatekeeper: Gatekeeper | None = None,
) -> Verdict:
    """Before output `number` (1-based) is posted. Local rules first; the moderation endpoint
    and the critique model only for what passed them."""
    keeper = gatekeeper or Gatekeeper()
    style = request.style
    prefix = f"Output {number} was not posted: "
    text = ""
    png: bytes | None = None
    if output.media_type == IMAGE_PNG:
        png = output.data
        size = request.size or (style.sizes[0] if style.sizes else "")
        problems = await asyncio.to_thread(image_problems, png, size, keeper.limits)
    elif output.media_type == TEXT_MARKDOWN:
        try:
            text = output.data.decode("utf-8")
        except UnicodeDecodeError:
            return _refused(["it is not valid UTF-8 text"], prefix)
        if len(text) > keeper.limits.max_copy_chars:
            return _refused(
                [f"it has {len(text):,} characters, over {keeper.limits.max_copy_chars:,}"], prefix
            )
        problems = _blocked_reasons(style, keeper.blocked_in(style, text))
        problems += copy_problems(text, request.format, style.voice, style.name)
    else:
        kind = output.media_type or "of no type"
        return _refused([f"it is {kind}, not an image or text"], prefix)
    if problems:
        return _refused(problems, prefix)

    if style.moderation:
        if moderator is None:
            return _refused(
                [f"it was not checked: the {style.name} style asks for moderation, none is set up"],
                prefix,
            )
        try:
            result = await moderator.check(text=text, png=png)
        except ModelError as exc:
            return _refused([f"{_HELD}the moderation check failed ({exc})"], prefix)
        if result.flagged:
            return _refused([f"moderation flagged it ({_categories(result.categories)})"], prefix)

    score: float | None = None
    if style.critique is not None:
        if critic is None:
            return _refused(
                [f"it was not checked: the {style.name} style asks for a critique, none is set up"],
                prefix,
            )
        try:
            critique = await critic.score(
                model=style.critique.model,
                brief=style.critique.brief,
                request=request.prompt,
                text=text,
                png=png,
            )
        except ModelError as exc:
            return _refused([f"{_HELD}the critique model failed ({exc})"], prefix)
        score = critique.score
        if score < style.critique.threshold:
            # The model's words, which may echo the member's: no pings.
            reason = neutralize_all_mentions(critique.reason.rstrip(".")) or "no reason given"
            return Verdict(
                passed=False,
                reasons=(
                    f"{prefix}the critique scored it {score:.2f}, under "
                    f"{style.critique.threshold:.2f}: {reason}",
                ),
                score=score,
            )
    return Verdict(passed=True, score=score)


def held(verdict: Verdict) -> bool:
    """Whether a refusal is only a hold (moderation or critique could not run): the output may
    pass on a later try, unlike a rule it broke."""
    return not verdict.passed and any(_HELD in reason for reason in verdict.reasons)


def _categories(names: tuple[str, ...]) -> str:
    return ", ".join(name.replace("/", " ").replace("-", " ") for name in names) or "unspecified"


def _refused(problems: list[str], prefix: str = "Your prompt was not accepted: ") -> Verdict:
    return Verdict(passed=False, reasons=tuple(_one_line(prefix + problem) for problem in problems))


def _one_line(text: str) -> str:
    return " ".join(text.split())
