"""A stand-in for render.digest_reply until the renderer lands: the digest as plain Markdown."""

from __future__ import annotations

from bot.commands.reply import Reply
from cogs.digests.digest import Digest


def digest_reply(digest: Digest, platform: str) -> Reply:
    title = f"Digest for {digest.community}"
    if digest.empty:
        return Reply(title=title, body="Nothing new since the last digest.")
    lines = []
    for section, items in digest.sections():
        lines.append(f"**{section.heading}**")
        lines += [f"- {item.text}" + (f" ({item.url})" if item.url else "") for item in items]
    lines += digest.problems
    return Reply(title=title, body="\n".join(lines))
