"""A digest as one chat message per platform, with the full version and the chart attached.

Discord gets one embed (a field per section), Telegram one HTML message, the console everything.
Chat shows at most a few items per section; a digest still too long for one message drops its
lowest-priority sections first, then items of the first, and the footer says what was cut. Every
item of every section is in the attached digest.md.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.commands.reply import Attachment, Field, Reply
from bot.digest_parts import DigestItem, Section
from cogs.digests.chart import activity_chart
from cogs.digests.digest import Digest
from cogs.digests.markdown import (
    TIMED,
    community,
    full_markdown,
    item_markdown,
    link_target,
    one_line,
    sections,
    timing,
    title,
    when,
)

CHAT_ITEMS = 5  # items per section in chat; the rest are in digest.md
ITEM_CHARS = 300  # an item's text longer than this is clipped in chat
PROBLEM_LINES = 3
PROBLEM_CHARS = 160
TITLE_CHARS = 256
# Room left for a line the caller adds to the footer ("A preview: it counts as nothing…").
FOOTER_RESERVE = 200
# Discord: 6000 characters across one message's embeds (its renderer starts another message past
# 5900 with fields), 1024 per field value.
DISCORD_TOTAL = 6000 - FOOTER_RESERVE
DISCORD_FIELD = 1024
# Telegram: the renderer splits Markdown past 3800 characters; 4096 once it is HTML.
TELEGRAM_MARKDOWN = 3800 - FOOTER_RESERVE
TELEGRAM_HTML = 4096 - FOOTER_RESERVE
# Times matter for what is due: those sections show them in chat.
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]+)`")
EMPTY_HINT = "`/digest empty skip` turns such digests off."
CHANNEL_EMPTY_HINT = (
    "Stewards turn such digests off with `/digest empty skip channel=<this channel>`."
)


def digest_reply(digest: Digest, platform: str) -> Reply:
    """The digest for `platform` ("discord", "telegram" or "console"), in one message, with
    room for a line of at most FOOTER_RESERVE characters added to its footer."""
    if digest.empty:
        since = when(digest.start, digest)
        hint = EMPTY_HINT if digest.reader.user_id is not None else CHANNEL_EMPTY_HINT
        kind = "Catch-up: nothing" if digest.catch_up else "Nothing"
        return Reply(body=f"{kind} new in {community(digest)} since {since}. {hint}")
    files = attachments(digest)
    if platform == "discord":
        return _discord(digest, files)
    if platform == "telegram":
        return _telegram(digest, files)
    return _console(digest, files)


def attachments(digest: Digest) -> tuple[Attachment, ...]:
    files = [
        Attachment(
            "digest.md",
            full_markdown(digest).encode(),
            "The full digest: every item of every section",
        )
    ]
    chart = activity_chart(digest)
    if chart is not None:
        files.append(Attachment("activity.png", chart, "Activity per source and treasury flows"))
    return tuple(files)


@dataclass
class _Block:
    section: Section
    lines: list[str]  # the chat lines of the first items, best first
    total: int
    shown: int

    @property
    def heading(self) -> str:
        return f"{self.section.heading} ({self.total})"

    def text(self) -> str:
        shown = self.lines[: self.shown]
        hidden = self.total - self.shown
        if hidden:
            shown = [*shown, f"…and {hidden} more in digest.md"]
        return "\n".join(shown)


def _blocks(digest: Digest) -> list[_Block]:
    blocks = []
    for section, items in sections(digest):
        lines = [_chat_line(item, digest) for item in items[:CHAT_ITEMS]]
        blocks.append(_Block(section, lines, len(items), len(lines)))
    return blocks


def _chat_line(item: DigestItem, digest: Digest) -> str:
    text = one_line(item.text)
    if len(text) > ITEM_CHARS:
        text = _clip(_plain(text), ITEM_CHARS)
    clipped = DigestItem(item.section, text, item.url, item.at, all_day=item.all_day)
    line = item_markdown(clipped, digest, with_time=False)
    if item.at is not None and item.section in TIMED:
        line += f" · {timing(item, digest, short=True)}"
    return f"• {line}"


def _problems(digest: Digest) -> str:
    problems = [_clip(_plain(one_line(p)), PROBLEM_CHARS) for p in digest.problems]
    lines = [f"⚠ {p}" for p in problems[:PROBLEM_LINES]]
    if len(problems) > PROBLEM_LINES:
        lines.append(f"⚠ …and {len(problems) - PROBLEM_LINES} more in digest.md")
    return "\n".join(lines)


def _footer(cut: list[_Block]) -> str:
    if not cut:
        return "Full digest: digest.md"
    named = ", ".join(b.heading for b in cut)
    return f"Cut to fit: {named} — all in digest.md"


def _fit(
    blocks: list[_Block], fits: Callable[[list[_Block], str], bool]
) -> tuple[list[_Block], list[_Block]]:
    """The blocks that fit and those cut: the lowest-priority sections go first, then items of
    the one left."""
    cut: list[_Block] = []
    while not fits(blocks, _footer(cut)):
        if len(blocks) > 1:
            cut.insert(0, blocks.pop())
        elif blocks and blocks[0].shown > 1:
            blocks[0].shown -= 1
        elif blocks:
            cut.insert(0, blocks.pop())
        else:
            break
    return blocks, cut


def _discord(digest: Digest, files: tuple[Attachment, ...]) -> Reply:
    heading = _clip(title(digest), TITLE_CHARS)
    body = _problems(digest)
    blocks = _blocks(digest)
    for block in blocks:
        while block.shown > 1 and _units(block.text()) > DISCORD_FIELD:
            block.shown -= 1

    def fits(shown: list[_Block], footer: str) -> bool:
        fields = sum(_units(b.heading) + _units(b.text()) for b in shown)
        return _units(heading) + _units(body) + fields + _units(footer) <= DISCORD_TOTAL

    kept, cut = _fit(blocks, fits)
    return Reply(
        title=heading,
        body=body,
        fields=tuple(Field(b.heading, b.text()) for b in kept),
        files=files,
        footer=_footer(cut),
    )


def _telegram(digest: Digest, files: tuple[Attachment, ...]) -> Reply:
    heading = _clip(title(digest), TITLE_CHARS)

    def body_of(shown: list[_Block]) -> str:
        parts = [_problems(digest), *(f"**{b.heading}**\n{b.text()}" for b in shown)]
        return "\n\n".join(part for part in parts if part)

    def fits(shown: list[_Block], footer: str) -> bool:
        text = f"**{heading}**\n\n{body_of(shown)}\n\n{footer}"
        return _units(text) <= TELEGRAM_MARKDOWN and _html_bound(text) <= TELEGRAM_HTML

    kept, cut = _fit(_blocks(digest), fits)
    return Reply(title=heading, body=body_of(kept), files=files, footer=_footer(cut))


def _console(digest: Digest, files: tuple[Attachment, ...]) -> Reply:
    parts: list[str] = []
    if digest.problems:
        parts.append("\n".join(f"⚠ {one_line(p)}" for p in digest.problems))
    for section, items in sections(digest):
        lines = [f"{section.heading} ({len(items)})"]
        for item in items:
            line = f"  • {one_line(item.text)}"
            if item.url:
                line += f" — {link_target(item.url)}"
            if item.at is not None:
                line += f" · {timing(item, digest)}"
            lines.append(line)
        parts.append("\n".join(lines))
    return Reply(title=title(digest), body="\n\n".join(parts), files=files, footer=_footer([]))


def _units(text: str) -> int:
    """Length as the platforms count it at worst (UTF-16 code units: an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def _html_bound(markdown: str) -> int:
    """An upper bound on the length of `markdown` once Telegram's renderer makes it HTML (the
    Markdown subset it converts: escaped characters, then tags for links, bold and code)."""
    return (
        _units(html.escape(markdown))
        + 11 * len(_LINK.findall(markdown))
        + 3 * len(_BOLD.findall(markdown))
        + 11 * len(_CODE.findall(markdown))
        + 11 * markdown.count("```")
    )


def _plain(text: str) -> str:
    """Markdown's links and emphasis taken out, so clipped text cannot leave them half open."""
    text = re.sub(r"\[([^\]\n]*)\]\([^)\s]*\)", r"\1", text)
    return re.sub(r"[*_`~|\[\]]", "", text)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"
