"""Rendering a `Reply` as Telegram HTML messages of at most 4096 characters each."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.commands.registry import quote_value
from bot.commands.reply import Reply, Tone
from bot.commands.sanitize import neutralize_mentions, visible
from bot.commands.split import split_markdown

MESSAGE_LIMIT = 4096
# Markdown grows a little when it becomes HTML; split with room to spare, then check.
_SPLIT_AT = 3800

_TONE_ICON = {Tone.ERROR: "⚠️ ", Tone.ALERT: "🚨 ", Tone.WARNING: "⚠️ ", Tone.SUCCESS: "✅ "}
_FENCE = re.compile(r"```(?:[\w+-]*\n)?(.*?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")


@dataclass(frozen=True)
class Keyboard:
    """Inline keyboard rows: (label, url) opens a link, (label, callback) runs a command."""

    rows: tuple[tuple[tuple[str, str | None, str | None], ...], ...]


def markdown_to_html(text: str) -> str:
    """The Markdown subset Steward writes (bold, code, fences, links) as Telegram HTML."""
    placeholders: list[str] = []

    def keep(fragment: str) -> str:
        placeholders.append(fragment)
        return f"\x00{len(placeholders) - 1}\x00"

    text = _FENCE.sub(
        lambda m: keep(f"<pre>{html.escape(m.group(1).strip(), quote=False)}</pre>"), text
    )
    text = _CODE.sub(lambda m: keep(f"<code>{html.escape(m.group(1), quote=False)}</code>"), text)
    text = _LINK.sub(
        lambda m: keep(
            f'<a href="{html.escape(m.group(2))}">{html.escape(m.group(1), quote=False)}</a>'
        ),
        text,
    )
    text = html.escape(text, quote=False)
    text = _BOLD.sub(r"<b>\1</b>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: placeholders[int(m.group(1))], text)


def reply_markdown(reply: Reply) -> str:
    parts: list[str] = []
    if reply.title:
        parts.append(f"**{_TONE_ICON.get(reply.tone, '')}{reply.title}**")
    elif reply.tone in _TONE_ICON and reply.body:
        parts.append(_TONE_ICON[reply.tone].strip())
    if reply.body:
        parts.append(reply.body)
    if reply.fields:
        parts.append("\n".join(f"**{f.name}:** {f.value}" for f in reply.fields))
    if reply.footer:
        parts.append(reply.footer)
    text = "\n\n".join(parts)
    if reply.tone in _TONE_ICON and not reply.title and reply.body:
        text = text.replace("\n\n", " ", 1)
    return neutralize_mentions(text)


def ping_line(reply: Reply) -> str:
    """Text mentions of the Telegram members this reply is meant to ping (they are notified
    even without a username), as an HTML line; "" for none."""
    members = {m.id: m.display for m in reply.ping if m.platform == "telegram" and m.id}
    links = [
        f'<a href="tg://user?id={int(uid)}">{html.escape(name or uid, quote=False)}</a>'
        for uid, name in members.items()
        if uid.isdigit()
    ]
    return "🔔 " + ", ".join(links) if links else ""


def render(reply: Reply) -> list[str]:
    """The reply as HTML messages, split at paragraph boundaries, each within Telegram's limit."""
    reply = visible(reply)
    pings = ping_line(reply)
    limit = _SPLIT_AT - len(pings)
    while True:
        chunks = [markdown_to_html(c) for c in split_markdown(reply_markdown(reply), limit)]
        if pings and chunks:
            chunks[0] = f"{pings}\n{chunks[0]}"
        if all(len(c) <= MESSAGE_LIMIT for c in chunks):
            return chunks or [pings or html.escape(reply.title or "Done.")]
        limit -= 500


def keyboard(reply: Reply) -> Keyboard | None:
    rows: list[tuple[tuple[str, str | None, str | None], ...]] = []
    rows += [((link.label, link.url, None),) for link in reply.links]
    buttons = [(b.label, b.url, b.command) for b in reply.buttons]
    if reply.select is not None:
        # A menu is one button per option: each press answers with that option.
        menu = reply.select
        buttons += [
            (label, None, f"{menu.command} {menu.option}={quote_value(value)}")
            for label, value in menu.options
        ]
    rows += [tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3)]
    return Keyboard(tuple(rows)) if rows else None
