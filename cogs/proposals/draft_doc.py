"""A proposal draft as a document: its title and its sections, in the order of its template.

The pure functions here are what the checks and publishing read a draft with: the budget's lines
and stated total, the voting options, the discussion link, and the Markdown it is published as.
Templates are in draft_template.py, amounts and recipients in draft_budget.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from cogs.proposals.draft_budget import BudgetLine, parse_budget, parse_total
from cogs.proposals.draft_template import Template, section_keys

__all__ = [
    "TODO",
    "BudgetLine",
    "DraftDoc",
    "Section",
    "budget_lines",
    "discussion_link",
    "empty_doc",
    "render_markdown",
    "section_keys",
    "stated_total",
    "todo_markers",
    "voting_options",
]

# What drafting writes where it found nothing; a section still holding one is not filled.
TODO = "TODO:"


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    text: str


@dataclass(frozen=True)
class DraftDoc:
    title: str
    sections: tuple[Section, ...]
    template: str  # the template's name

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def text(self, key: str) -> str:
        """A section's text ("" when the draft has no such section); "title" is the title."""
        if key == "title":
            return self.title
        found = self.section(key)
        return found.text if found else ""

    def with_text(self, key: str, text: str) -> DraftDoc:
        """The draft with one section (or the title) replaced; KeyError for an unknown key."""
        if key == "title":
            return replace(self, title=" ".join(text.split()))
        if self.section(key) is None:
            raise KeyError(key)
        sections = tuple(
            replace(s, text=text.strip()) if s.key == key else s for s in self.sections
        )
        return replace(self, sections=sections)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "template": self.template,
            "sections": [
                {"key": s.key, "heading": s.heading, "text": s.text} for s in self.sections
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DraftDoc:
        sections = tuple(
            Section(str(s["key"]), str(s["heading"]), str(s["text"])) for s in data["sections"]
        )
        return cls(str(data["title"]), sections, str(data["template"]))


def empty_doc(template: Template) -> DraftDoc:
    """Every section of the template, each with a TODO marker quoting the template's guidance."""
    sections = tuple(
        Section(s.key, s.heading, f"{TODO} {_first_line(s.guidance)}".strip())
        for s in template.sections
    )
    title = f"{TODO} {template.title_guidance}".strip()
    return DraftDoc(title, sections, template.name)


def _first_line(guidance: str) -> str:
    lines = [line for line in guidance.splitlines() if line.strip() and not line.startswith("|")]
    return lines[0].strip() if lines else ""


def todo_markers(doc: DraftDoc) -> list[str]:
    """The keys of the title and sections that still hold a TODO marker."""
    keys = ["title"] if TODO in doc.title else []
    return keys + [s.key for s in doc.sections if TODO in s.text]


def budget_lines(doc: DraftDoc) -> list[BudgetLine]:
    """Each payment the budget section asks for (table rows and bullet lines with an amount)."""
    return parse_budget(doc.text("budget"))


def stated_total(doc: DraftDoc) -> tuple[Decimal, str] | None:
    """The budget's `Total:` as (amount, token); None when it states none (or none readable)."""
    total = parse_total(doc.text("budget"))
    return (total.amount, total.token) if total else None


_OPTION = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(?P<option>.+?)\s*$")


def voting_options(doc: DraftDoc) -> list[str]:
    """The voting options: the bullet (or numbered) items of the voting_options section."""
    options = []
    for line in doc.text("voting_options").splitlines():
        match = _OPTION.match(line)
        if match:
            option = re.sub(r"[*_`]+", "", match["option"]).strip()
            if option:
                options.append(option)
    return options


_URL = re.compile(r"https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")


def discussion_link(doc: DraftDoc) -> str | None:
    """The first web link of the discussion section."""
    match = _URL.search(doc.text("discussion"))
    return match.group() if match else None


def render_markdown(doc: DraftDoc, *, with_title: bool = True) -> str:
    """The draft as one Markdown document: `# Title`, then each `## Heading` and its text.
    Publishing to a forum passes with_title=False (the topic's title is the title)."""
    parts = [f"# {doc.title}"] if with_title else []
    for section in doc.sections:
        parts.append(f"## {section.heading}\n\n{section.text.strip() or TODO}")
    return "\n\n".join(parts) + "\n"
