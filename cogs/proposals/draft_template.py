"""Proposal templates: Markdown files in `config/proposal_templates/`, one per kind of proposal.

Format (see docs/proposals/drafting.md):

    <!--
    steward proposal template
    name: Grant request
    required: title, summary, budget, voting_options, discussion
    abstain: yes
    -->
    # Guidance for the title (optional)

    ## Summary
    Guidance for the section: what to write in it.

    ## Budget and payment schedule {#budget}
    ...

Each `## Heading` is a named section; its key is the heading in snake case ("Success metrics" is
`success_metrics`) unless a `{#key}` follows the heading. `required` lists the keys a draft must
fill before it is published ("title" included); `abstain: yes` asks for an Abstain option.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError, InvalidOption, UserError

# The sections drafting knows how to fill and the checks know how to read.
STANDARD_KEYS = (
    "title",
    "summary",
    "motivation",
    "specification",
    "budget",
    "timeline",
    "risks",
    "success_metrics",
    "voting_options",
    "discussion",
)
_HEADER = re.compile(r"\A\s*<!--(?P<body>.*?)-->", re.DOTALL)
_HEADING = re.compile(r"^##\s+(?P<heading>.+?)(?:\s+\{#(?P<key>[a-z][a-z0-9_]*)\})?\s*$")
_TITLE = re.compile(r"^#\s+(?P<guidance>.+?)\s*$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
# A checkout keeps config/ next to the packages; an installed bot reads it from its directory.
PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class TemplateSection:
    key: str
    heading: str
    guidance: str


@dataclass(frozen=True)
class Template:
    name: str  # the file's stem: what /draft new and the proposal_template setting name
    display_name: str
    title_guidance: str
    sections: tuple[TemplateSection, ...]
    required: tuple[str, ...]
    abstain: bool

    def section(self, key: str) -> TemplateSection | None:
        return next((s for s in self.sections if s.key == key), None)


def section_keys(template: Template) -> tuple[str, ...]:
    """Every key a member can name in /draft edit: the title, then the sections in order."""
    return ("title", *(s.key for s in template.sections))


def key_of(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", heading.lower()).strip("_")


def parse_template(name: str, text: str) -> Template:
    """The template in `text`; ValueError says what is wrong with it."""
    header = _HEADER.match(text)
    fields: dict[str, str] = {}
    if header:
        for line in header["body"].splitlines():
            field, colon, value = line.partition(":")
            if colon:
                fields[field.strip().lower()] = value.strip()
        text = text[header.end() :]
    title_guidance, sections = _sections(text)
    keys = [s.key for s in sections]
    if len(set(keys)) != len(keys):
        raise ValueError("two sections have the same key")
    required = tuple(k.strip() for k in fields.get("required", "").split(",") if k.strip())
    unknown = [k for k in required if k not in ("title", *keys)]
    if unknown:
        raise ValueError(f"required section {unknown[0]!r} is not a section of the template")
    abstain = fields.get("abstain", "no").lower()
    if abstain not in ("yes", "no", "true", "false"):
        raise ValueError(f"abstain must be yes or no (got {abstain!r})")
    return Template(
        name=name,
        display_name=fields.get("name", name),
        title_guidance=title_guidance,
        sections=tuple(sections),
        required=required,
        abstain=abstain in ("yes", "true"),
    )


def _sections(text: str) -> tuple[str, list[TemplateSection]]:
    title_guidance = ""
    sections: list[TemplateSection] = []
    current: tuple[str, str] | None = None
    body: list[str] = []
    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            if current:
                sections.append(TemplateSection(*current, "\n".join(body).strip()))
            current = (heading["key"] or key_of(heading["heading"]), heading["heading"].strip())
            body = []
        elif current is None and (title := _TITLE.match(line)):
            title_guidance = title["guidance"]
        elif current is not None:
            body.append(line)
    if current:
        sections.append(TemplateSection(*current, "\n".join(body).strip()))
    return title_guidance, sections


class TemplateLibrary:
    """The templates of a directory, read once at start: a broken one stops the bot with its
    file named."""

    def __init__(self, templates: Mapping[str, Template], default: str) -> None:
        self.templates = dict(templates)
        self.default = default

    @classmethod
    def load(cls, directory: Path, default: str, key: str) -> TemplateLibrary:
        folder = directory if directory.is_absolute() else _existing(directory)
        templates = {}
        for path in sorted(folder.glob("*.md")):
            if not _NAME.match(path.stem):
                continue
            try:
                templates[path.stem] = parse_template(path.stem, path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise ConfigError(key, f"{path}: {exc}") from exc
        if default not in templates:
            have = ", ".join(templates) or "none"
            raise ConfigError(key, f"default template {default!r} not in {folder} (have {have})")
        return cls(templates, default)

    def get(self, name: str | None) -> Template:
        chosen = (name or self.default).strip().lower()
        template = self.templates.get(chosen)
        if template is None:
            raise UserError(f"No template `{chosen}`; templates: {', '.join(self.templates)}.")
        return template


def _existing(directory: Path) -> Path:
    for candidate in (Path.cwd() / directory, PROJECT_DIR / directory):
        if candidate.is_dir():
            return candidate
    return PROJECT_DIR / directory


def template_name(name: str, raw: str, _platform: str) -> str:
    """The proposal_template setting: a template's file name without `.md`."""
    text = raw.strip().lower().removesuffix(".md")
    if not _NAME.match(text):
        raise InvalidOption(name, f"must be a template name like default or grant (got {raw!r})")
    return text
