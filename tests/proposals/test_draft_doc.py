"""The draft document's readers, on text as stewards and forum members really write it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from bot.errors import ConfigError, UserError
from cogs.proposals.draft_budget import find_recipient, parse_money
from cogs.proposals.draft_doc import (
    DraftDoc,
    budget_lines,
    discussion_link,
    empty_doc,
    render_markdown,
    section_keys,
    stated_total,
    todo_markers,
    voting_options,
)
from cogs.proposals.draft_template import TemplateLibrary, parse_template

SAFE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


@pytest.mark.parametrize(
    ("text", "amount", "token"),
    [
        ("1,000,000", "1000000", ""),
        ("50k", "50000", ""),
        ("$50,000", "50000", "USD"),
        ("50 000 USDC", "50000", "USDC"),
        ("50\u202f000 USDC", "50000", "USDC"),
        ("1.5M ARB", "1500000", "ARB"),
        ("75.000 DAI", "75000", "DAI"),
        ("€85.000", "85000", "EUR"),
        ("0.5 ETH", "0.5", "ETH"),
        ("12,5 EUR", "12.5", "EUR"),
        ("1.250.000,50 EUR", "1250000.5", "EUR"),
        ("$50,000 USDC", "50000", "USDC"),
        ("250,000 $OP", "250000", "OP"),
        ("US$ 30,000", "30000", "USD"),
        ("**100k** usdc", "100000", "usdc"),
        ("Milestone 1: 20,000 USDC", "20000", "USDC"),
        ("50k to alice.eth", "50000", ""),
    ],
)
def test_amounts_as_people_type_them(text: str, amount: str, token: str) -> None:
    money = parse_money(text)
    assert money is not None
    assert (money.amount, money.token) == (Decimal(amount), token)


def test_no_amount_is_none() -> None:
    assert parse_money("<amount> <token>") is None
    assert parse_money("to be decided") is None


def test_recipients() -> None:
    assert find_recipient(f"the Grants Safe `{SAFE}`") == SAFE
    assert find_recipient(f"safe {SAFE.lower()}") == SAFE.lower()
    assert find_recipient("paid to [ENS](https://ens.domains) grants.ens.eth") == "grants.ens.eth"
    assert find_recipient("the core team") is None


BUDGET = f"""Requested over two milestones.

| Amount | Token | Recipient | Purpose |
|---|---|---|---|
| 50,000 | USDC | {SAFE} | Milestone 1: indexer |
| $25k | | audits.eth | Audit |
| tbd | ETH | core team | gas |
| **Total** | **75,000** | USDC | |
"""


def _doc(**texts: str) -> DraftDoc:
    template = parse_template("default", Path("config/proposal_templates/default.md").read_text())
    doc = empty_doc(template)
    for key, text in texts.items():
        doc = doc.with_text(key, text)
    return doc


def test_budget_table_rows_and_total_row() -> None:
    doc = _doc(budget=BUDGET)
    lines = budget_lines(doc)
    assert [(line.amount, line.token, line.recipient) for line in lines] == [
        (Decimal(50000), "USDC", SAFE),
        (Decimal(25000), "USD", "audits.eth"),
        (None, "ETH", "core team"),
    ]
    assert lines[0].purpose == "Milestone 1: indexer"
    assert lines[2].raw == "| tbd | ETH | core team | gas |"
    assert stated_total(doc) == (Decimal(75000), "USDC")


def test_budget_columns_found_by_header_and_bullets() -> None:
    text = (
        "| Recipient | Purpose | Amount (USDC) |\n| :-- | :-- | --: |\n"
        "| grants.ens.eth | events | 10,000 USDC |\n\n"
        "- 2.5 ETH to 0x00000000219ab540356cBB839Cbe05303d7705Fa for validators\n"
        "- Milestone 2 in March (no amount)\n\n**Total:** 10,000 USDC and 2.5 ETH"
    )
    lines = budget_lines(_doc(budget=text))
    assert [(line.amount, line.token, line.recipient, line.purpose) for line in lines] == [
        (Decimal(10000), "USDC", "grants.ens.eth", "events"),
        (Decimal("2.5"), "ETH", "0x00000000219ab540356cBB839Cbe05303d7705Fa", "validators"),
    ]
    assert stated_total(_doc(budget=text)) == (Decimal(10000), "USDC")


def test_template_placeholder_total_is_no_total() -> None:
    assert stated_total(_doc()) is None
    assert stated_total(_doc(budget="Total: TODO: the post names 2 amounts")) is None
    assert budget_lines(_doc()) == []


def test_voting_options_and_discussion_link() -> None:
    doc = _doc(
        voting_options="Pick one:\n- **For**\n* Against\n3. Abstain\n",
        discussion="Debated at <https://forum.example.org/t/grants-q3/42>, and on Discord.",
    )
    assert voting_options(doc) == ["For", "Against", "Abstain"]
    assert discussion_link(doc) == "https://forum.example.org/t/grants-q3/42"
    assert discussion_link(_doc(discussion="in the #grants channel")) is None


def test_render_and_round_trip() -> None:
    doc = _doc(title="Fund the indexer", summary="We fund it.")
    markdown = render_markdown(doc)
    assert markdown.startswith("# Fund the indexer\n\n## Summary\n\nWe fund it.\n")
    assert "## Success metrics" in markdown
    assert "# Fund" not in render_markdown(doc, with_title=False)
    assert DraftDoc.from_json(doc.to_json()) == doc
    assert "title" not in todo_markers(doc) and "motivation" in todo_markers(doc)


def test_templates_shipped() -> None:
    library = TemplateLibrary.load(Path("config/proposal_templates"), "default", "k")
    grant = library.get("grant")
    assert section_keys(grant) == (
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
    assert grant.section("budget") is not None
    assert grant.section("budget").heading == "Budget and payment schedule"  # type: ignore[union-attr]
    assert "budget" in grant.required and grant.abstain
    assert library.get(None).name == "default"
    with pytest.raises(UserError, match="templates: default, grant"):
        library.get("nope")


def test_broken_template_names_its_file(tmp_path: Path) -> None:
    (tmp_path / "default.md").write_text("<!--\nrequired: title, budget\n-->\n## Summary\nx\n")
    with pytest.raises(ConfigError, match=r"default\.md: required section 'budget'"):
        TemplateLibrary.load(tmp_path, "default", "proposals.drafting.templates_dir")
