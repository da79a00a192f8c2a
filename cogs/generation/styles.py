"""Style presets: one TOML file per style in config/styles/, its name the file's stem.

```toml
# config/styles/brand-illustration.toml
kind = "image"                    # image | copy
description = "Flat brand illustrations in the DAO's palette"
backend = "sd"                    # a [generation.backends.<name>] table
model = "sd_xl_base_1.0"
licence = "CC0-1.0"               # an SPDX id (or LicenseRef-...)
prompt_prefix = "flat vector illustration, teal and coral palette"
negative_prompt = "text, watermark, photo"
sizes = ["1024x1024", "1216x832"] # the first is the default
max_count = 4
seed_policy = "random"            # or "fixed" with seed = 1234
blocked_terms = ["logo of"]
moderation = false

[parameters]                      # passed to the back end as they are
steps = 30

[voice]                           # copy styles: tone, use, avoid, required, min_words, max_words
[critique]                        # optional: model, brief, threshold
```

Every problem is one line naming the file and the field, and stops the bot before it starts.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ConfigError
from cogs.generation.contracts import Critique, Kind, Style, Voice

PROJECT_DIR = Path(__file__).resolve().parents[2]
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_SIZE = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})")
_SPDX = re.compile(r"LicenseRef-[A-Za-z0-9.-]+|[A-Za-z0-9][A-Za-z0-9.+-]*")
# The licences a community is likely to set on generated work; others must be LicenseRef-...
KNOWN_LICENCES = frozenset(
    {
        "CC0-1.0",
        "CC-BY-4.0",
        "CC-BY-SA-4.0",
        "CC-BY-NC-4.0",
        "CC-BY-NC-SA-4.0",
        "CC-BY-ND-4.0",
        "CC-BY-NC-ND-4.0",
        "MIT",
        "Apache-2.0",
        "0BSD",
        "Unlicense",
    }
)
MAX_DIMENSION = 4096


class _Voice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tone: str = ""
    use: list[str] = []
    avoid: list[str] = []
    required: list[str] = []
    min_words: int = Field(default=0, ge=0, le=5000)
    max_words: int = Field(default=0, ge=0, le=5000)

    @model_validator(mode="after")
    def _lengths(self) -> _Voice:
        if self.max_words and self.min_words > self.max_words:
            raise ValueError("min_words is above max_words")
        return self


class _Critique(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1)
    brief: str = Field(min_length=1)
    threshold: float = Field(default=0.6, ge=0, le=1)


class StyleFile(BaseModel):
    """What a style's TOML file may hold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Kind
    description: str = Field(min_length=1, max_length=200)
    backend: str = Field(min_length=1)
    model: str = ""
    licence: str
    prompt_prefix: str = Field(default="", max_length=1000)
    negative_prompt: str = Field(default="", max_length=1000)
    parameters: dict[str, Any] = {}
    seed_policy: Literal["random", "fixed"] = "random"
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    max_count: int = Field(default=4, ge=1, le=10)
    sizes: list[str] = ["1024x1024"]
    blocked_terms: list[str] = []
    moderation: bool = False
    voice: _Voice | None = None
    critique: _Critique | None = None

    @field_validator("licence")
    @classmethod
    def _licence(cls, licence: str) -> str:
        if not _SPDX.fullmatch(licence) or (
            licence not in KNOWN_LICENCES and not licence.startswith("LicenseRef-")
        ):
            known = ", ".join(sorted(KNOWN_LICENCES))
            raise ValueError(f"{licence!r} is not an SPDX id we know ({known}, or LicenseRef-...)")
        return licence

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, sizes: list[str]) -> list[str]:
        if not sizes:
            raise ValueError("name at least one size")
        for size in sizes:
            match = _SIZE.fullmatch(size)
            if match is None:
                raise ValueError(f"{size!r} is not WIDTHxHEIGHT, e.g. 1024x1024")
            if max(int(match[1]), int(match[2])) > MAX_DIMENSION:
                raise ValueError(f"{size} is larger than {MAX_DIMENSION} pixels a side")
        return sizes

    @model_validator(mode="after")
    def _consistent(self) -> StyleFile:
        if self.seed_policy == "fixed" and self.seed is None:
            raise ValueError('seed_policy "fixed" needs a seed')
        if self.kind == "copy" and not self.model:
            raise ValueError("a copy style names its chat model")
        if self.kind == "image" and self.voice is not None:
            raise ValueError("an image style has no voice guide (that is for copy)")
        return self


def parse_style(name: str, text: str, where: str) -> Style:
    """A style from its TOML text; `where` names the file in errors."""
    if not _NAME.fullmatch(name):
        raise ConfigError("generation.styles", f"{where}: the file name must be a-z, 0-9, - or _")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("generation.styles", f"{where}: not valid TOML: {exc}") from exc
    try:
        spec = StyleFile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "(file)"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError("generation.styles", f"{where}: {field}: {message}") from exc
    return to_style(name, spec)


def to_style(name: str, spec: StyleFile) -> Style:
    voice = spec.voice
    critique = spec.critique
    return Style(
        name=name,
        kind=spec.kind,
        description=spec.description,
        backend=spec.backend,
        model=spec.model,
        licence=spec.licence,
        prompt_prefix=spec.prompt_prefix,
        negative_prompt=spec.negative_prompt,
        parameters=dict(spec.parameters),
        seed_policy=spec.seed_policy,
        seed=spec.seed,
        max_count=spec.max_count,
        sizes=tuple(spec.sizes),
        blocked_terms=tuple(spec.blocked_terms),
        moderation=spec.moderation,
        voice=None
        if voice is None
        else Voice(
            tone=voice.tone,
            use=tuple(voice.use),
            avoid=tuple(voice.avoid),
            required=tuple(voice.required),
            min_words=voice.min_words,
            max_words=voice.max_words,
        ),
        critique=None
        if critique is None
        else Critique(model=critique.model, brief=critique.brief, threshold=critique.threshold),
    )


def styles_folder(directory: Path) -> Path:
    """A relative folder is read from the working directory, else from the project's folder."""
    if directory.is_absolute():
        return directory
    for candidate in (Path.cwd() / directory, PROJECT_DIR / directory):
        if candidate.is_dir():
            return candidate
    return PROJECT_DIR / directory


def load_styles(directory: Path) -> dict[str, Style]:
    """Every `*.toml` in `directory`, by name, sorted; a missing folder means no styles."""
    folder = styles_folder(directory)
    if not folder.is_dir():
        return {}
    styles = {}
    for path in sorted(folder.glob("*.toml")):
        where = str(directory / path.name)
        styles[path.stem] = parse_style(path.stem, path.read_text(encoding="utf-8"), where)
    return styles


def check_backends(styles: Mapping[str, Style], known: Mapping[str, str]) -> list[str]:
    """Problems between styles and back ends that are configured (`known`: name → type): an
    image style on a chat-only back end and the like. Styles naming an unconfigured back end
    are not problems: /generate says what to configure."""
    problems = []
    for style in styles.values():
        kind = known.get(style.backend)
        if style.kind == "copy" and kind == "sd_webui":
            problems.append(
                f"style {style.name}: back end {style.backend} is a Stable Diffusion server; "
                "copy needs an openai back end"
            )
    return problems
