"""A message link as a member pastes it: which platform, chat and message it names.

Discord: https://discord.com/channels/<guild>/<channel>/<message> (also ptb., canary. and
discordapp.com). Telegram: https://t.me/c/<chat>/<message> for private groups and channels
(the chat id is -100<chat>), https://t.me/<username>/<message> for public ones (the chat is
then known only by name, so only the message id is matched).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DISCORD = re.compile(
    r"^https?://(?:(?:www|ptb|canary)\.)?discord(?:app)?\.com/channels/"
    r"(?P<guild>\d+|@me)/(?P<channel>\d+)/(?P<message>\d+)/?$"
)
_TELEGRAM_PRIVATE = re.compile(
    r"^https?://(?:t|telegram)\.me/c/(?P<chat>\d+)/(?:\d+/)?(?P<message>\d+)/?(?:\?.*)?$"
)
_TELEGRAM_PUBLIC = re.compile(
    r"^https?://(?:t|telegram)\.me/(?P<name>[A-Za-z][A-Za-z0-9_]{3,})/(?P<message>\d+)/?(?:\?.*)?$"
)
_HASH = re.compile(r"^(?:0x)?[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class MessageLink:
    platform: str
    channel_id: str | None  # None when the link names the chat only by its public name
    message_id: str


def parse_message_link(text: str) -> MessageLink | None:
    text = text.strip().strip("<>")
    if found := _DISCORD.match(text):
        return MessageLink("discord", found["channel"], found["message"])
    if found := _TELEGRAM_PRIVATE.match(text):
        return MessageLink("telegram", f"-100{found['chat']}", found["message"])
    if found := _TELEGRAM_PUBLIC.match(text):
        return MessageLink("telegram", None, found["message"])
    return None


def is_hash(text: str) -> bool:
    return bool(_HASH.match(text.strip()))
