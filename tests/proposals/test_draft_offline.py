"""Offline drafting on its own: what the opening post asks becomes the budget, nothing else."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cogs.proposals.draft_digest import chat_digest, forum_digest
from cogs.proposals.draft_doc import budget_lines, stated_total, todo_markers, voting_options
from cogs.proposals.draft_offline import draft_offline
from cogs.proposals.draft_template import TemplateLibrary
from summarizer.schema import PostInput

LIBRARY = TemplateLibrary.load(Path("config/proposal_templates"), "default", "k")


def _post(number: int, author: str, text: str) -> PostInput:
    return PostInput(
        id=f"P{number}", author=author, text=text, url=f"https://f.example/t/x/9/{number}"
    )


def test_two_amounts_are_two_rows_and_no_total() -> None:
    posts = [
        _post(1, "ana", "We request 30,000 USDC for development and 5 ETH for gas, to ops.eth."),
        _post(2, "ben", "I support it, the gas budget is realistic."),
    ]
    digest = forum_digest(posts, "Fund ops")
    url = "https://f.example/t/x/9"
    doc = draft_offline(LIBRARY.get("default"), digest, posts, url, "Fund ops")
    lines = budget_lines(doc)
    assert [(line.amount, line.token, line.recipient) for line in lines] == [
        (Decimal(30000), "USDC", "ops.eth"),
        (Decimal(5), "ETH", "ops.eth"),
    ]
    assert stated_total(doc) is None and "budget" in todo_markers(doc)
    assert voting_options(doc) == ["For", "Against", "Abstain"]
    assert doc.title == "Fund ops"


def test_a_post_without_amounts_gets_no_amount() -> None:
    posts = [
        _post(1, "ana", "I propose we rotate the council seats every quarter."),
        _post(2, "ben", "I am against it, quarterly is too often for onboarding."),
    ]
    doc = draft_offline(
        LIBRARY.get("grant"), chat_digest(posts, "#council"), posts, None, "#council"
    )
    [line] = budget_lines(doc)
    assert line.amount is None and stated_total(doc) is None
    assert "too often" in doc.text("risks")
    assert doc.text("discussion") == "TODO: a link to the discussion (drafted from #council)."
    assert voting_options(doc) == ["Fund the grant", "Do not fund", "Abstain"]
