"""A debate summary as a Reply: each point with links to the posts it came from."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.commands.reply import Reply
from bot.commands.sanitize import neutralize_all_mentions, strip_invites
from cogs.debates.models import Summary
from summarizer.schema import Citation, DebateSummary, Provenance, Window

STANCE_TITLE = {"for": "For", "against": "Against", "alternative": "Alternative"}


@dataclass(frozen=True)
class PostRef:
    """What a summary links a cited post by, and weighs it with."""

    url: str
    number: int | None
    likes: int
    author: str = ""
    created_at: datetime | None = None


def clean(text: str) -> str:
    """Model and post text is untrusted: no pings, no invites, on one line, without the list or
    quote markers an excerpt may start with."""
    text = re.sub(r"^(?:[-*>]\s*)+", "", " ".join(text.split()))
    return strip_invites(neutralize_all_mentions(text))


HOLDERS_SHOWN = 6


def names(people: Sequence[str]) -> str:
    """At most six names, then how many more: "a, b, c, d, e, f and 74 more"."""
    shown = ", ".join(clean(name) for name in people[:HOLDERS_SHOWN])
    more = len(people) - HOLDERS_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _links(citations: Sequence[Citation], posts: Mapping[str, PostRef]) -> str:
    links = []
    for citation in citations[:4]:
        post = posts.get(citation.post_id)
        if post is None:
            continue
        label = f"#{post.number}" if post.number else citation.post_id
        links.append(f"[{label}]({post.url})" if post.url else label)
    return f" ({', '.join(links)})" if links else ""


def gauge(summary: DebateSummary, posts: Mapping[str, PostRef]) -> list[tuple[str, int]]:
    """Rough support per stance: the likes and reactions on the posts each side cites."""
    support: dict[str, int] = {}
    for position in summary.positions:
        cited = {c.post_id for c in position.citations}
        support[position.stance] = support.get(position.stance, 0) + sum(
            posts[p].likes for p in cited if p in posts
        )
    return sorted(support.items(), key=lambda item: -item[1])


def changes(summary: DebateSummary, provenance: Provenance, previous: Summary | None) -> list[str]:
    if previous is None:
        return []
    before = DebateSummary.model_validate(previous.content.get("summary", {}))
    lines = []
    grown = provenance.posts_covered - previous.posts_covered
    if grown > 0 or (grown < 0 and provenance.window is None):
        # A window that moved on reads fewer posts, not because any were removed.
        lines.append(f"{grown:+d} posts since the last summary")
    old_stances = {p.stance for p in before.positions}
    lines += [
        f"new side: {STANCE_TITLE[p.stance]}"
        for p in summary.positions
        if p.stance not in old_stances
    ]
    old_questions = {q.question for q in before.open_questions}
    new_questions = [q for q in summary.open_questions if q.question not in old_questions]
    if new_questions:
        lines.append(f"{len(new_questions)} new open question(s)")
    current = {q.question for q in summary.open_questions}
    settled = [q for q in before.open_questions if q.question not in current]
    if settled:
        lines.append(f"{len(settled)} earlier question(s) no longer open")
    return lines or ["no change in positions or open questions"]


def render_summary(
    title: str,
    url: str,
    summary: DebateSummary,
    provenance: Provenance,
    posts: Mapping[str, PostRef],
    previous: Summary | None,
) -> Reply:
    parts = [f"**TL;DR** {clean(summary.tldr)}"]
    if provenance.window is not None:
        parts.insert(0, window_note(provenance.window, target=url or title, chat=not url))
    if provenance.extractive:
        parts.insert(0, "_Extractive summary: sentences picked from the posts, not paraphrased._")
    if summary.positions:
        lines = [
            f"- **{STANCE_TITLE[p.stance]}** ({names(p.holders)}): "
            f"{clean(p.summary)}{_links(p.citations, posts)}"
            for p in summary.positions
        ]
        parts.append("**Positions**\n" + "\n".join(lines))
    support = gauge(summary, posts)
    if any(likes for _, likes in support):
        total = sum(likes for _, likes in support) or 1
        bars = [f"{STANCE_TITLE[s]} {'█' * round(8 * n / total)} {n}" for s, n in support]
        parts.append("**Support (likes on cited posts)**\n" + " · ".join(bars))
    sections = (
        ("Key arguments", [(a.point, a.citations) for a in summary.arguments]),
        ("Open questions", [(q.question, q.citations) for q in summary.open_questions]),
        ("Agreement", [(a.point, a.citations) for a in summary.agreements]),
        ("Proposed next steps", [(s.step, s.citations) for s in summary.next_steps]),
    )
    for heading, items in sections:
        if items:
            lines = [f"- {clean(text)}{_links(cites, posts)}" for text, cites in items]
            parts.append(f"**{heading}**\n" + "\n".join(lines))
    changed = changes(summary, provenance, previous)
    if changed:
        parts.append("**Since the last summary**\n" + "\n".join(f"- {c}" for c in changed))
    return Reply(
        title=f"Debate: {clean(title)}"[:250], body="\n\n".join(parts), footer=footer(provenance)
    )


def window_note(window: Window, *, target: str, chat: bool) -> str:
    """What part of a long thread was read, and how to ask for more: "Last 2,000 messages (since
    3 May 2026) of 100,000; /summarize #channel since=30d for more."."""
    noun = "messages" if chat else "posts"
    day = f"{window.since.day} {window.since:%b %Y}"
    if window.capped:
        return (
            f"_Newest {window.posts:,} of the {window.total:,} {noun} of that period "
            f"(since {day}): the most one summary reads._"
        )
    more = f"; `/summarize {clean(target)} since={window.more}` for more" if window.more else ""
    return f"_Last {window.posts:,} {noun} (since {day}) of {window.total:,}{more}._"


def footer(provenance: Provenance) -> str:
    covered = f"{provenance.posts_covered} posts"
    if provenance.extractive:
        reason = f"; {provenance.fallback_reason}" if provenance.fallback_reason else ""
        return f"Offline extractive summarizer · {covered}{reason}"
    tokens = f"{provenance.prompt_tokens:,} prompt + {provenance.completion_tokens:,} completion"
    cached = f", {provenance.cached_chunks} cached" if provenance.cached_chunks else ""
    return (
        f"{provenance.model} · prompt {provenance.prompt_version} · {covered} · "
        f"{provenance.model_calls} calls{cached} · {tokens} tokens"
    )
