"""Mentions shown as names, at display time.

Stored text keeps a message's mentions as the platform wrote them: Discord's `<@123>` (or
`<@!123>`), `<@&456>` for a role and `<#789>` for a channel; Telegram's `@username`, which is
readable as it is. Each post also stores what it mentions ({id, name, kind}), so the names can
follow renames: `display_text` shows a person by the latest name Steward knows for them (a
stored author), else by the name the message carried. The result is plain text ("@alice",
"#governance"), which no platform turns into a ping; the renderer still neutralizes @everyone
and @here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# Discord's markup for a user, a role and a channel.
_DISCORD_MENTION = re.compile(r"<(@!?|@&|#)(\d{1,20})>")
_KIND_OF_MARK = {"@": "user", "@!": "user", "@&": "role", "#": "channel"}
_UNKNOWN = {"user": "unknown-user", "role": "unknown-role", "channel": "unknown-channel"}


def display_text(
    text: str, mentions: Iterable[Mapping[str, object]], names: Mapping[str, str]
) -> str:
    """`text` with each mention shown as "@name" (a person or a role) or "#name" (a channel).

    `mentions` are the post's stored mentions; `names` the latest names by id (see
    store.mention_names): a person's or channel's name there wins over the one the message
    carried. Markup for someone the post does not list is named from `names` when possible,
    else shown as Discord shows it ("@unknown-user")."""
    carried: dict[tuple[str, str], str] = {}
    for mention in mentions:
        key = (str(mention.get("kind") or "user"), str(mention.get("id") or ""))
        carried[key] = str(mention.get("name") or "")

    def name(match: re.Match[str]) -> str:
        mark, mention_id = match.group(1), match.group(2)
        kind = _KIND_OF_MARK[mark]
        shown = (names.get(mention_id, "") or carried.get((kind, mention_id), "")).strip()
        shown = shown.removeprefix("#" if kind == "channel" else "@")
        sign = "#" if kind == "channel" else "@"
        return sign + (shown or _UNKNOWN[kind])

    return _DISCORD_MENTION.sub(name, text)
