"""A chat window's summary as a Reply: topic by topic, each point citing the messages it came from
by author and local time ("alice, 29 Apr 14:02"), linked to the message itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo

from bot.commands.reply import Reply
from cogs.debates.models import Summary
from cogs.debates.period import Period
from cogs.debates.render import STANCE_TITLE, PostRef, clean, footer, names, window_note
from cogs.debates.service import SharedFile
from summarizer.schema import ChatSummary, ChatTopic, Citation, Provenance

CITATIONS_SHOWN = 3


def cite(citation: Citation, posts: Mapping[str, PostRef], zone: tzinfo) -> str:
    """ "[alice, 29 Apr 14:02](https://discord.com/channels/…)": who said it and when, linked
    to the message where the platform gives messages a link."""
    post = posts.get(citation.post_id)
    if post is None:
        return ""
    when = ""
    if post.created_at is not None:
        local = post.created_at.astimezone(zone)
        when = f", {local.day} {local:%b %H:%M}"
    label = _label_text(f"{clean(post.author) or 'someone'}{when}")
    return f"[{label}]({post.url})" if post.url else label


def _label_text(text: str) -> str:
    # Square brackets would end a Markdown link's label early.
    return text.replace("[", "(").replace("]", ")")


def _cites(
    citations: Sequence[Citation], posts: Mapping[str, PostRef], zone: tzinfo, shown: int
) -> str:
    links: list[str] = []
    for citation in citations:
        link = cite(citation, posts, zone)
        if link and link not in links:
            links.append(link)
        if len(links) == shown:
            break
    return f" ({'; '.join(links)})" if links else ""


def _quote(text: str) -> str:
    return f"“{clean(text)}”"


def render_topic(number: int, topic: ChatTopic, posts: Mapping[str, PostRef], zone: tzinfo) -> str:
    people = {posts[p].author for p in topic.post_ids if p in posts}
    size = f"{len(topic.post_ids)} messages, {len(people)} people"
    lines = [f"**{number}. {clean(topic.title)}** ({size})"]

    def bullet(label: str, text: str, citations: Sequence[Citation]) -> None:
        shown = 1 if label.startswith("Asked") else CITATIONS_SHOWN
        lines.append(f"- {label}{text}{_cites(citations, posts, zone, shown)}")

    if topic.motion is not None:
        bullet("Asked or proposed: ", _quote(topic.motion.point), topic.motion.citations)
    for position in topic.positions:
        holders = f" ({names(position.holders)})" if position.holders else ""
        bullet(
            f"**{STANCE_TITLE[position.stance]}**{holders}: ",
            clean(position.summary),
            position.citations,
        )
    for point in topic.arguments:
        bullet("Argued: ", clean(point.point), point.citations)
    for agreement in topic.agreements:
        bullet("Agreed: ", clean(agreement.point), agreement.citations)
    for decision in topic.decisions:
        by = f" — {clean(decision.by)}" if decision.by else ""
        bullet("**Decided**: ", clean(decision.decision) + by, decision.citations)
    for item in topic.action_items:
        owner = f"**{clean(item.owner)}**: " if item.owner else ""
        bullet("To do: ", owner + clean(item.task), item.citations)
    for question in topic.open_questions:
        bullet("Open question: ", clean(question.question), question.citations)
    return "\n".join(lines)


FILES_SHOWN = 10


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes" if size else ""
    value = float(size)
    for unit in ("KB", "MB"):
        value /= 1024
        if value < 1024:
            return f"{value:.1f} {unit}"
    return f"{value / 1024:.1f} GB"


def render_files(files: Sequence[SharedFile], zone: tzinfo) -> str:
    """Files sent in the window, as links with who sent them and when; never summarized."""
    lines = []
    for shared in files[:FILES_SHOWN]:
        name = _label_text(clean(shared.name))
        link = f"[{name}]({shared.url})" if shared.url else name
        kind = ", ".join(part for part in (shared.content_type, _size(shared.size)) if part)
        local = shared.created_at.astimezone(zone)
        details = f" ({kind})" if kind else ""
        lines.append(f"- {link}{details} — {clean(shared.author)}, {local.day} {local:%b %H:%M}")
    more = len(files) - FILES_SHOWN
    if more > 0:
        lines.append(f"- and {more} more")
    return "**Files shared**\n" + "\n".join(lines)


def changes(summary: ChatSummary, provenance: Provenance, previous: Summary | None) -> list[str]:
    """What changed since the last summary of the same kind of window."""
    if previous is None:
        return []
    content = previous.content.get("summary", {})
    if previous.content.get("kind") != "chat" or not isinstance(content, dict):
        return []
    before = ChatSummary.model_validate(content)
    lines = []
    grown = provenance.posts_covered - previous.posts_covered
    if grown:
        lines.append(f"{grown:+d} messages since the last summary of this window")
    old_decisions = {d.decision for t in before.topics for d in t.decisions}
    new_decisions = [
        d for t in summary.topics for d in t.decisions if d.decision not in old_decisions
    ]
    if new_decisions:
        lines.append(f"{len(new_decisions)} new decision(s)")
    old_titles = {t.title for t in before.topics}
    new_topics = [t for t in summary.topics if t.title not in old_titles]
    if new_topics:
        lines.append(f"{len(new_topics)} new topic(s)")
    return lines or ["no new topics or decisions"]


def render_chat_summary(
    channel: str,
    summary: ChatSummary,
    provenance: Provenance,
    posts: Mapping[str, PostRef],
    previous: Summary | None,
    period: Period,
    zone: tzinfo,
    files: Sequence[SharedFile] = (),
) -> Reply:
    when = f" · {period.label}" if period.label else ""
    parts = [f"**TL;DR** {clean(summary.tldr)}"]
    if provenance.window is not None:
        parts.insert(0, window_note(provenance.window, target=channel, chat=True))
    if provenance.extractive:
        parts.insert(
            0, "_Extractive summary: sentences picked from the messages, not paraphrased._"
        )
    parts += [render_topic(n, topic, posts, zone) for n, topic in enumerate(summary.topics, 1)]
    if not summary.topics:
        parts.append("No conversation with a question, proposal or decision in this window.")
    if files:
        parts.append(render_files(files, zone))
    changed = changes(summary, provenance, previous)
    if changed:
        parts.append("**Since the last summary**\n" + "\n".join(f"- {c}" for c in changed))
    return Reply(
        title=f"Chat: {clean(channel)}{when}"[:250],
        body="\n\n".join(parts),
        footer=footer(provenance).replace(" posts", " messages"),
    )
