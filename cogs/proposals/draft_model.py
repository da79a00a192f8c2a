"""A draft written by the language model (summarizer/proposal_draft.py), made into a DraftDoc.

The model's text is already stripped of amounts and addresses no post contains; here the budget
is checked once more, line by line, with the parsers the checks use: a row whose amount no post
writes gets a TODO in its place, and so does a total that is neither written in the posts nor
the sum of the rows. Sections the model left out are filled as offline drafting fills them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from cogs.proposals.draft_budget import (
    cells,
    every_amount,
    parse_budget,
    parse_money,
    parse_total,
)
from cogs.proposals.draft_doc import TODO, DraftDoc, Section
from cogs.proposals.draft_template import Template
from summarizer.proposal_draft import ModelDraft, SectionAsk
from summarizer.schema import PostInput


def section_asks(template: Template) -> list[SectionAsk]:
    return [SectionAsk(s.key, s.heading, s.guidance) for s in template.sections]


def model_doc(
    template: Template, drafted: ModelDraft, offline: DraftDoc, posts: Sequence[PostInput]
) -> tuple[DraftDoc, list[str]]:
    """The model's draft with its budget checked, and what was replaced by TODO markers."""
    replaced = list(drafted.replaced)
    sections = []
    for section in offline.sections:
        text = drafted.sections.get(section.key, "").strip()
        if not text:
            sections.append(section)
            continue
        if section.key == "budget":
            text = _checked_budget(text, posts, replaced)
        if section.key == "discussion" and "http" not in text and "http" in section.text:
            text = f"{text}\n\n{section.text}"  # the link Steward knows, which the model did not
        sections.append(Section(section.key, section.heading, text))
    title = drafted.title or offline.title
    return DraftDoc(title, tuple(sections), template.name), replaced


def _checked_budget(text: str, posts: Sequence[PostInput], replaced: list[str]) -> str:
    written = {money.amount for post in posts for money in every_amount(post.text)}
    lines = parse_budget(text)
    good = {line.raw for line in lines if line.amount is not None and line.amount in written}
    out = []
    for line in text.splitlines():
        row = cells(line)
        stripped = line.strip()
        is_line = any(b.raw.strip() == stripped for b in lines)
        if is_line and stripped not in {g.strip() for g in good}:
            replaced.append(stripped)
            if row is not None and len(row) > 1:
                line = "| " + " | ".join([f"{TODO} amount not in the discussion", *row[1:]]) + " |"
            else:
                line = f"- {TODO} amount not in the discussion ({_without_amount(stripped)})"
        out.append(line)
    checked = "\n".join(out)
    total = parse_total(checked)
    kept = [b.amount for b in parse_budget(checked) if b.amount is not None]
    if total is not None and total.amount not in written and total.amount != sum(kept, Decimal(0)):
        replaced.append(f"Total: {total.amount} {total.token}".strip())
        checked = "\n".join(
            f"Total: {TODO} amount not in the discussion" if _is_total(line) else line
            for line in checked.splitlines()
        )
    return checked


def _is_total(line: str) -> bool:
    plain = line.strip().strip("*_").lower()
    return plain.startswith("total") and parse_money(line) is not None


def _without_amount(line: str) -> str:
    return line.lstrip("-*• ").strip()
