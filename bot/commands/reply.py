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
class Select:
    """A menu: choosing runs `command` with `option` set to the chosen values (comma-separated
    when `max_values` allows several). Options are (label, value) pairs; Discord shows at most
    25, as a select menu; Telegram one button per option; the console lists them."""

    command: str
    option: str
    options: tuple[tuple[str, str], ...]
    placeholder: str = ""
    max_values: int = 1


@dataclass(frozen=True)
class FormField:
    option: str
    label: str
    long: bool = False
    default: str = ""
    required: bool = True
    max_length: int = 1000


@dataclass(frozen=True)
class Form:
    """Text to fill in, opened by a button labelled `label`: submitting runs `command` with
    each field's option. Discord shows a modal; Telegram asks for each field as a reply to its
    prompt; the console says which command to type."""

    label: str
    title: str
    command: str
    fields: tuple[FormField, ...]


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
    select: Select | None = None
    form: Form | None = None
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
        if self.select:
            labels = ", ".join(label for label, _ in self.select.options)
            parts.append(f"Choose with `{self.select.command} <{self.select.option}>`: {labels}")
        if self.form:
            options = " ".join(f"{f.option}=<{f.label}>" for f in self.form.fields)
            parts.append(f"{self.form.label}: `{self.form.command} {options}`")
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
        "select": _select_data(reply.select),
        "form": _form_data(reply.form),
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
        select=_select_from(data.get("select")),
        form=_form_from(data.get("form")),
        footer=data.get("footer"),
        tone=Tone(data.get("tone", Tone.INFO.value)),
        mention_user_ids=tuple(data.get("mention_user_ids", [])),
        ping=tuple(MemberRef(p, i, d) for p, i, d in data.get("ping", [])),
    )


def _select_data(select: Select | None) -> dict[str, Any] | None:
    if select is None:
        return None
    return {
        "command": select.command,
        "option": select.option,
        "options": [list(pair) for pair in select.options],
        "placeholder": select.placeholder,
        "max_values": select.max_values,
    }


def _select_from(data: Mapping[str, Any] | None) -> Select | None:
    if not data:
        return None
    return Select(
        data["command"],
        data["option"],
        tuple((label, value) for label, value in data["options"]),
        data.get("placeholder", ""),
        data.get("max_values", 1),
    )


def _form_data(form: Form | None) -> dict[str, Any] | None:
    if form is None:
        return None
    fields = [[f.option, f.label, f.long, f.default, f.required, f.max_length] for f in form.fields]
    return {"label": form.label, "title": form.title, "command": form.command, "fields": fields}


def _form_from(data: Mapping[str, Any] | None) -> Form | None:
    if not data:
        return None
    fields = tuple(FormField(*values) for values in data["fields"])
    return Form(data["label"], data["title"], data["command"], fields)
