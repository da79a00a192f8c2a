"""Rendering a `Reply` as Discord messages within Discord's limits.

Limits: 2000 characters of content, embed description 4096, 25 fields of 1024, title 256, and
6000 characters across one message's embeds. Long bodies are split at paragraph boundaries.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import discord

from bot.adapters.discord_components import FormBook, add_components, stateless_view
from bot.commands.reply import Reply, Tone
from bot.commands.sanitize import neutralize_mentions, visible
from bot.commands.split import split_markdown

DESCRIPTION_LIMIT = 4096
EMBED_TOTAL_LIMIT = 6000
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
TITLE_LIMIT = 256
FOOTER_LIMIT = 2048

_COLOURS = {
    Tone.INFO: 0x5865F2,
    Tone.SUCCESS: 0x57F287,
    Tone.WARNING: 0xFEE75C,
    Tone.ERROR: 0xED4245,
    Tone.ALERT: 0xED4245,
}


@dataclass
class DiscordMessage:
    embed: discord.Embed
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)


def pinged_ids(reply: Reply) -> list[str]:
    """The Discord users this reply is meant to ping, each once."""
    ids = [*reply.mention_user_ids, *(m.id or "" for m in reply.ping if m.platform == "discord")]
    return list(dict.fromkeys(u for u in ids if u.isdigit()))


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    users = [discord.Object(id=int(u)) for u in pinged_ids(reply)]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def mention_content(reply: Reply) -> str | None:
    """Pings only work in content, not embeds: name the members this reply is meant to ping."""
    return " ".join(f"<@{u}>" for u in pinged_ids(reply)) or None


def render(reply: Reply, forms: FormBook | None = None) -> list[DiscordMessage]:
    """The reply as messages; `forms` keeps the reply's form for its button (the front end's
    own book, so a press finds it)."""
    reply = visible(reply)
    colour = _COLOURS[reply.tone]
    body = neutralize_mentions(reply.body)
    view = _view(reply, forms or FormBook())
    if view.unplaced:
        # Lines too long to ride on a button: say what to run instead.
        body = f"{body}\n\nNext: {' · '.join(f'`{c}`' for c in view.unplaced)}".strip()
    fields = []
    for f in reply.fields:
        value = neutralize_mentions(f.value) or "\u200b"
        if len(value) > FIELD_VALUE_LIMIT or len(f.name) > TITLE_LIMIT:
            # Too long for a field: it goes into the body, where it can be split without loss.
            body = f"{body}\n\n**{f.name}**\n{value}".strip()
        else:
            fields.append((f.name, value, f.inline))
    chunks = split_markdown(body, DESCRIPTION_LIMIT) or [""]
    embeds = [discord.Embed(description=chunk or None, colour=colour) for chunk in chunks]
    if reply.title:
        embeds[0].title = _clip(neutralize_mentions(reply.title), TITLE_LIMIT)
    for name, value, inline in fields:
        last = embeds[-1]
        added = len(name) + len(value)
        if len(last.fields) >= FIELD_COUNT_LIMIT or len(last) + added > EMBED_TOTAL_LIMIT - 100:
            last = discord.Embed(colour=colour)
            embeds.append(last)
        last.add_field(name=name, value=value, inline=inline)
    if reply.footer:
        footer = _clip(neutralize_mentions(reply.footer), FOOTER_LIMIT)
        if len(embeds[-1]) + len(footer) > EMBED_TOTAL_LIMIT:
            embeds.append(discord.Embed(colour=colour))
        embeds[-1].set_footer(text=footer)
    messages = [DiscordMessage(embed=embed) for embed in embeds]
    messages[-1].view = view.view if view.view.children else None
    messages[-1].files = [
        discord.File(io.BytesIO(a.data), filename=a.filename, description=a.description or None)
        for a in reply.files
    ]
    return messages


@dataclass
class _Components:
    view: discord.ui.View
    unplaced: list[str]


def _view(reply: Reply, forms: FormBook) -> _Components:
    """Link buttons first, then buttons that run commands, the menu and the form's button."""
    view = stateless_view()
    targets = [(link.label, link.url) for link in reply.links]
    targets += [(b.label, b.url) for b in reply.buttons if b.url]
    for label, url in targets[:20]:
        view.add_item(discord.ui.Button(label=_clip(label, 80), url=url))
    unplaced = add_components(view, reply, forms)
    return _Components(view, unplaced)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
