"""Drafting without a model: the template filled from the extractive summary and the opening
post's asks, a `TODO:` wherever nothing was found.

Nothing is made up. Amounts, recipients and periods are only those the opening post writes
(summarizer.asks); a total is stated only when the post names exactly one amount; every other
sentence is quoted from a post and linked to it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from cogs.proposals.draft_budget import find_recipient, format_amount, parse_money
from cogs.proposals.draft_digest import Digest, Point
from cogs.proposals.draft_doc import TODO, DraftDoc, Section
from cogs.proposals.draft_template import Template, TemplateSection
from summarizer.asks import Ask, proposal_asks
from summarizer.schema import PostInput

MAX_POINTS = 5
OPENING_EXCERPT = 700
_TAGS = re.compile(r"^\s*(?:\[[^\]]{1,30}\]\s*)+")
_OPTION = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+(.+?)\s*$")


def draft_offline(
    template: Template,
    digest: Digest,
    posts: Sequence[PostInput],
    discussion_url: str | None,
    discussion_label: str,
) -> DraftDoc:
    links = _Links(posts)
    opening = digest.opening
    asks = proposal_asks(digest.title, opening.text) if opening else []
    fillers: Mapping[str, Callable[[], str]] = {
        "summary": lambda: digest.tldr or f"{TODO} two or three sentences on what is proposed.",
        "motivation": lambda: _points(
            links, digest.support + digest.arguments, "why this is proposed"
        ),
        "specification": lambda: _specification(links, opening),
        "budget": lambda: _budget(asks),
        "timeline": lambda: _timeline(asks, links, digest.next_steps),
        "risks": lambda: _points(
            links, digest.objections + digest.questions, "what could go wrong"
        ),
        "success_metrics": lambda: f"{TODO} measurable outcomes, and when they are measured.",
        "voting_options": lambda: _options(template),
        "discussion": lambda: _discussion(discussion_url, discussion_label),
    }
    sections = tuple(
        Section(s.key, s.heading, fillers[s.key]() if s.key in fillers else _todo(s))
        for s in template.sections
    )
    title = _TAGS.sub("", digest.title).strip() or f"{TODO} {template.title_guidance}"
    return DraftDoc(title, sections, template.name)


def _todo(section: TemplateSection) -> str:
    first = next((line for line in section.guidance.splitlines() if line.strip()), "")
    return f"{TODO} {first.strip()}".strip()


class _Links:
    """Citations as links to the posts: "([1](url))", numbered by the post's place."""

    def __init__(self, posts: Sequence[PostInput]) -> None:
        self.places = {post.id: n for n, post in enumerate(posts, start=1)}
        self.urls = {post.id: post.url for post in posts}

    def cite(self, post_ids: Sequence[str]) -> str:
        shown = []
        for post_id in post_ids[:3]:
            place = self.places.get(post_id)
            if place is None:
                continue
            url = self.urls.get(post_id)
            shown.append(f"[{place}]({url})" if url else f"post {place}")
        return f" ({', '.join(shown)})" if shown else ""


def _points(links: _Links, points: Sequence[Point], what: str) -> str:
    if not points:
        return f"{TODO} {what}: nothing in the discussion says it yet."
    lines = [f"- {_quote_line(p.text)}{links.cite(p.post_ids)}" for p in points[:MAX_POINTS]]
    return "\n".join(lines)


def _quote_line(text: str) -> str:
    return " ".join(text.split())


def _specification(links: _Links, opening: PostInput | None) -> str:
    todo = f"{TODO} state exactly what happens if the vote passes."
    if opening is None:
        return todo
    text = " ".join(opening.text.split())
    if len(text) > OPENING_EXCERPT:
        text = text[:OPENING_EXCERPT].rsplit(" ", 1)[0] + " …"
    return f"{todo} The opening post{links.cite([opening.id])} says:\n\n> {text}"


def _budget(asks: Sequence[Ask]) -> str:
    header = "| Amount | Token | Recipient | Purpose |\n|---|---|---|---|"
    amounts = [(ask, parse_money(ask.text)) for ask in asks if ask.kind == "amount"]
    recipients = [a.text for a in asks if a.kind == "recipient" and find_recipient(a.text)]
    if not amounts:
        return (
            f"{header}\n| {TODO} | | | |\n\n"
            f"Total: {TODO} the opening post names no amount; fill in what is asked for."
        )
    recipient = recipients[0] if len(recipients) == 1 else TODO
    rows = []
    for ask, money in amounts:
        amount = format_amount(money.amount) if money else f"{TODO} {ask.text}"
        token = money.token if money and money.token else TODO
        rows.append(f"| {amount} | {token} | {recipient} | {TODO} as the opening post says |")
    if len(amounts) == 1 and amounts[0][1] is not None and amounts[0][1].token:
        money = amounts[0][1]
        total = f"Total: {format_amount(money.amount)} {money.token}"
    else:
        total = f"Total: {TODO} the opening post names several amounts; keep the payments."
    return f"{header}\n" + "\n".join(rows) + f"\n\n{total}"


def _timeline(asks: Sequence[Ask], links: _Links, steps: Sequence[Point]) -> str:
    found = [a.text for a in asks if a.kind in ("duration", "milestone")]
    lines = [f"- {text} (from the opening post)" for text in found]
    lines += [f"- {_quote_line(p.text)}{links.cite(p.post_ids)}" for p in steps[:3]]
    if not lines:
        return f"{TODO} milestones with dates: nothing in the discussion gives one."
    return "\n".join([*lines, f"- {TODO} a date for each milestone."])


def _options(template: Template) -> str:
    section = template.section("voting_options")
    guidance = section.guidance if section else ""
    options = [m.group(1) for line in guidance.splitlines() if (m := _OPTION.match(line))]
    options = options or ["For", "Against"]
    if template.abstain and not any(o.lower() == "abstain" for o in options):
        options.append("Abstain")
    return "\n".join(f"- {option}" for option in options)


def _discussion(url: str | None, label: str) -> str:
    if url:
        return f"{label}: <{url}>" if label and label != url else f"<{url}>"
    return f"{TODO} a link to the discussion (drafted from {label})."
