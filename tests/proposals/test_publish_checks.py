"""Every pre-publishing check, each with a draft that fails it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from cogs.proposals.publish_checks import (
    Ask,
    CheckedDraft,
    Severity,
    blocking,
    check_draft,
)
from cogs.proposals.publish_limits import Limits, forum_limits, snapshot_limits

GRANTEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"

GOOD = CheckedDraft(
    title="Fund the documentation sprint",
    sections={
        "Summary": "Pay two writers for a month.",
        "Motivation": "The docs are out of date.",
        "Budget": "12,000 USDC in two lines.",
    },
    required_sections=("Summary", "Motivation", "Budget"),
    asks=(
        Ask(Decimal("8000"), "USDC", GRANTEE),
        Ask(Decimal("4000"), "USDC", GRANTEE),
    ),
    stated_total={"USDC": Decimal("12000")},
    voting_options=("For", "Against", "Abstain"),
    abstain_required=True,
    discussion_link="https://forum.example.org/t/docs-sprint/42",
    body="## Summary\nPay two writers for a month.\n",
)


def errors(draft: CheckedDraft, limits: Limits | None = None) -> list[str]:
    return [f.message for f in blocking(check_draft(draft, limits or forum_limits()))]


def test_a_good_draft_passes_with_the_recipient_named() -> None:
    findings = check_draft(GOOD, forum_limits(), {GRANTEE: ["@ada (discord)"]})
    assert blocking(findings) == []
    notes = [f.message for f in findings if f.severity is Severity.NOTE]
    assert any(GRANTEE in n and "@ada (discord)" in n for n in notes)


def test_a_missing_required_section_fails() -> None:
    draft = replace(GOOD, sections={k: v for k, v in GOOD.sections.items() if k != "Motivation"})
    assert errors(draft) == ["The section “Motivation” is missing."]


def test_an_empty_required_section_fails() -> None:
    draft = replace(GOOD, sections={**GOOD.sections, "Budget": "  \n"})
    assert errors(draft) == ["The section “Budget” is empty."]


def test_a_leftover_todo_fails_with_its_line() -> None:
    draft = replace(GOOD, sections={**GOOD.sections, "Motivation": "Why:\nTODO: say why"})
    assert errors(draft) == ["The section “Motivation” still has a TODO: “TODO: say why”."]


def test_budget_lines_that_do_not_add_up_fail_per_token() -> None:
    draft = replace(GOOD, stated_total={"USDC": Decimal("15000")})
    assert errors(draft) == [
        "The budget lines add up to 12,000 USDC, but the stated total is 15,000 USDC."
    ]


def test_a_token_without_a_stated_total_fails() -> None:
    draft = replace(GOOD, asks=(*GOOD.asks, Ask(Decimal("2.5"), "ETH", GRANTEE)))
    assert errors(draft) == ["The budget lines ask 2.5 ETH, but the draft states no total in ETH."]


def test_a_stated_total_without_lines_fails() -> None:
    draft = replace(GOOD, stated_total={**GOOD.stated_total, "ARB": Decimal(100)})
    assert errors(draft) == [
        "The draft states a total of 100 ARB, but no budget line asks for ARB."
    ]


def test_a_wrong_checksum_is_an_error() -> None:
    typo = GRANTEE[:-1] + "D"  # the last letter's case flipped
    draft = replace(GOOD, asks=(Ask(Decimal(12000), "USDC", typo),))
    (message,) = errors(draft)
    assert "wrong EIP-55 checksum" in message and typo in message


def test_a_lower_case_address_is_a_warning_with_its_checksummed_form() -> None:
    draft = replace(GOOD, asks=(Ask(Decimal(12000), "USDC", GRANTEE.lower()),))
    findings = check_draft(draft, forum_limits())
    assert blocking(findings) == []
    (warning,) = [f for f in findings if f.severity is Severity.WARNING]
    assert warning.check == "recipients" and GRANTEE in warning.message


def test_a_recipient_that_is_not_an_address_fails() -> None:
    draft = replace(GOOD, asks=(Ask(Decimal(12000), "USDC", "Ada"),))
    assert errors(draft) == [
        "Budget line 1 (12,000 USDC): “Ada” is not an address (0x and 40 hex digits)."
    ]


def test_a_line_without_recipient_fails() -> None:
    draft = replace(GOOD, asks=(Ask(Decimal(12000), "USDC", None),))
    assert errors(draft) == ["Budget line 1 (12,000 USDC) has no recipient address."]


def test_an_unknown_recipient_is_noted_not_blocking() -> None:
    findings = check_draft(GOOD, forum_limits(), {})
    assert blocking(findings) == []
    assert any("no member has linked" in f.message for f in findings)


def test_a_missing_discussion_link_fails() -> None:
    assert errors(replace(GOOD, discussion_link=None)) == ["There is no link to the discussion."]
    assert errors(replace(GOOD, discussion_link="forum thread")) == [
        "The discussion link “forum thread” is not an http(s) address."
    ]


def test_a_title_over_the_forum_limit_fails() -> None:
    draft = replace(GOOD, title="x" * 256)
    assert errors(draft) == ["The title has 256 characters; the forum takes at most 255."]
    assert errors(draft, limits=snapshot_limits()) == []


def test_a_body_over_the_snapshot_limit_fails_unless_turbo() -> None:
    draft = replace(GOOD, body="y" * 10_001)
    assert errors(draft) == []
    assert errors(draft, limits=snapshot_limits()) == [
        "The body has 10,001 characters; Snapshot takes at most 10,000: shorten it by 1."
    ]
    assert errors(draft, limits=snapshot_limits(turbo=True)) == []


def test_a_body_over_the_configured_forum_limit_fails() -> None:
    draft = replace(GOOD, body="z" * 501)
    assert errors(draft, limits=forum_limits(body=500)) == [
        "The body has 501 characters; the forum takes at most 500: shorten it by 1."
    ]


def test_a_long_discussion_link_fails_on_snapshot() -> None:
    draft = replace(GOOD, discussion_link="https://forum.example.org/t/" + "a" * 300)
    (message,) = errors(draft, limits=snapshot_limits())
    assert message.startswith("The discussion link has 328 characters; Snapshot")


def test_fewer_than_two_voting_options_fail() -> None:
    draft = replace(GOOD, voting_options=("Abstain",), abstain_required=True)
    assert errors(draft) == ["A vote needs at least two options; the draft has 1."]


def test_a_missing_abstain_fails_when_the_template_asks() -> None:
    draft = replace(GOOD, voting_options=("For", "Against"))
    assert errors(draft) == ["The template asks for an Abstain option; add one."]
    assert errors(replace(draft, abstain_required=False)) == []


def test_a_repeated_option_fails() -> None:
    draft = replace(GOOD, voting_options=("For", "for", "Abstain"))
    assert errors(draft) == ["The option “for” is listed twice."]


def test_an_unreadable_amount_fails_with_its_line() -> None:
    draft = replace(GOOD, asks=(*GOOD.asks, Ask(None, "USDC", GRANTEE, "| lots | USDC |")))
    assert errors(draft) == [
        "Budget line 3 (“| lots | USDC |”) has an amount that is not a number."
    ]


def test_a_line_without_a_token_fails() -> None:
    draft = replace(GOOD, asks=(*GOOD.asks, Ask(Decimal(5), "", GRANTEE)))
    assert errors(draft) == ["Budget line 3 (5) names no token."]


def test_an_ens_recipient_is_a_warning() -> None:
    draft = replace(GOOD, asks=(Ask(Decimal(12000), "USDC", "grants.dao.eth"),))
    findings = check_draft(draft, forum_limits())
    assert blocking(findings) == []
    assert [f.message for f in findings if f.severity is Severity.WARNING] == [
        "Budget line 1 (12,000 USDC) pays the ENS name grants.dao.eth: write its address, so "
        "voters see exactly who is paid."
    ]
