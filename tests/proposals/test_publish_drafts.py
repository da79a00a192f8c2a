"""The checks read a real draft document made from the shipped templates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cogs.proposals.draft_doc import DraftDoc, empty_doc
from cogs.proposals.draft_template import Template, parse_template
from cogs.proposals.publish_checks import Severity, blocking, check_draft
from cogs.proposals.publish_drafts import checked_draft, snapshot_content
from cogs.proposals.publish_limits import forum_limits

TEMPLATES = Path(__file__).resolve().parents[2] / "config" / "proposal_templates"
GRANTEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def template(name: str = "default") -> Template:
    return parse_template(name, (TEMPLATES / f"{name}.md").read_text(encoding="utf-8"))


def filled() -> DraftDoc:
    doc = empty_doc(template())
    texts = {
        "title": "Fund the documentation sprint",
        "summary": "Pay two writers for a month.",
        "motivation": "The docs are out of date.",
        "specification": "The treasury pays the writers on delivery.",
        "budget": "| Amount | Token | Recipient | Purpose |\n|---|---|---|---|\n"
        f"| 8,000 | USDC | {GRANTEE} | writing |\n| 4,000 | USDC | {GRANTEE} | review |\n\n"
        "Total: 12,000 USDC",
        "timeline": "- 2027-01-15: first chapters",
        "risks": "The writers may be late; pay on delivery.",
        "success_metrics": "Docs questions in chat halve.",
        "voting_options": "- For\n- Against\n- Abstain",
        "discussion": "https://forum.example.org/t/docs-sprint/42",
    }
    for key, text in texts.items():
        if key == "title" or doc.section(key) is not None:
            doc = doc.with_text(key, text)
    return doc


def test_a_filled_draft_passes_and_reads_its_budget() -> None:
    checked = checked_draft(filled(), template())
    assert checked.stated_total == {"USDC": Decimal(12000)}
    assert [a.amount for a in checked.asks] == [Decimal(8000), Decimal(4000)]
    assert checked.abstain_required and checked.voting_options == ["For", "Against", "Abstain"]
    findings = check_draft(checked, forum_limits())
    assert blocking(findings) == []
    assert not checked.body.startswith("# ")  # the title is the topic's own field
    content = snapshot_content(filled())
    assert content.choices == ("For", "Against", "Abstain")
    assert content.discussion == "https://forum.example.org/t/docs-sprint/42"


def test_a_fresh_draft_fails_on_its_todos_and_missing_pieces() -> None:
    checked = checked_draft(empty_doc(template()), template())
    findings = check_draft(checked, forum_limits())
    failed = {f.check for f in blocking(findings)}
    assert {"sections", "discussion", "voting"} <= failed
    assert any("still has a TODO" in f.message for f in findings)
    assert all(f.severity is not Severity.NOTE for f in blocking(findings))
