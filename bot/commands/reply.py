"""Platform-neutral replies: each front end renders a `Reply` within its own limits."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.commands.options import MemberRef


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    WARNING = "warning"
    ERROR = "error"
    ALERT = "alert"


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Button:
    """A button runs `command` (a command line such as "/config show") or opens `url`."""

    label: str
    command: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class Reply:
    title: str | None = None
    body: str = ""
    fields: tuple[Field, ...] = ()
    links: tuple[Link, ...] = ()
    buttons: tuple[Button, ...] = ()
    files: tuple[Attachment, ...] = ()
    footer: str | None = None
    tone: Tone = Tone.INFO
    # None: follow the command's declaration; True/False: override it (errors are always private).
    private: bool | None = None
    # Platform user ids this reply may ping; nobody else, and never @everyone, @here or a role.
    mention_user_ids: tuple[str, ...] = field(default=())
    # Members this reply is meant to ping, each on their own platform: a front end pings those
    # of its platform (Discord: a mention allowed for them alone; Telegram: a text mention).
    ping: tuple[MemberRef, ...] = ()

    def plain_text(self) -> str:
        """The whole reply as Markdown text, for front ends without rich layouts."""
        parts: list[str] = []
        if self.title:
            parts.append(f"**{self.title}**")
        if self.body:
            parts.append(self.body)
        if self.fields:
            parts.append("\n".join(f"**{f.name}:** {f.value}" for f in self.fields))
        if self.links:
            parts.append("\n".join(f"[{link.label}]({link.url})" for link in self.links))
        if self.footer:
            parts.append(f"_{self.footer}_")
        return "\n\n".join(parts)


def error_reply(message: str) -> Reply:
    return Reply(title="Sorry", body=message, tone=Tone.ERROR, private=True)


def reply_to_data(reply: Reply) -> dict[str, Any]:
    """A reply as JSON-safe data, for the outbox to store until it is delivered."""
    return {
        "title": reply.title,
        "body": reply.body,
        "fields": [[f.name, f.value, f.inline] for f in reply.fields],
        "links": [[link.label, link.url] for link in reply.links],
        "buttons": [[b.label, b.command, b.url] for b in reply.buttons],
        "files": [
            [a.filename, base64.b64encode(a.data).decode("ascii"), a.description]
            for a in reply.files
        ],
        "footer": reply.footer,
        "tone": reply.tone.value,
        "mention_user_ids": list(reply.mention_user_ids),
        "ping": [[m.platform, m.id, m.display] for m in reply.ping],
    }


def reply_from_data(data: Mapping[str, Any]) -> Reply:
    return Reply(
        title=data.get("title"),
        body=data.get("body", ""),
        fields=tuple(Field(name, value, inline) for name, value, inline in data.get("fields", [])),
        links=tuple(Link(label, url) for label, url in data.get("links", [])),
        buttons=tuple(
            Button(label, command, url) for label, command, url in data.get("buttons", [])
        ),
        files=tuple(
            Attachment(name, base64.b64decode(encoded), description)
            for name, encoded, description in data.get("files", [])
        ),
        footer=data.get("footer"),
        tone=Tone(data.get("tone", Tone.INFO.value)),
        mention_user_ids=tuple(data.get("mention_user_ids", [])),
        ping=tuple(MemberRef(p, i, d) for p, i, d in data.get("ping", [])),
    )
