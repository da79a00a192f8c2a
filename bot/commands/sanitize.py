"""Keep posted text from pinging people it should not.

Front ends also switch pings off at the platform level (Discord's allowed_mentions); this is the
second line, so text quoted from a forum or chat cannot ping @everyone, @here or a role.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.commands.options import clean_text
from bot.commands.reply import Field, Form, Link, Reply, Select

_ZWSP = "\u200b"
_MASS = re.compile(r"@(everyone|here)\b", re.IGNORECASE)
_ROLE = re.compile(r"<@&(\d+)>")
_USER = re.compile(r"<@!?(\d+)>")
_INVITE = re.compile(
    r"(?:https?://)?(?:www\.)?"
    r"(?:discord\.gg/|discord(?:app)?\.com/invite/|t\.me/\+|t\.me/joinchat/|telegram\.me/\+)\S+",
    re.IGNORECASE,
)


def neutralize_mentions(text: str) -> str:
    """@everyone, @here and role pings become plain text."""
    text = _MASS.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)
    return _ROLE.sub(lambda m: f"@{_ZWSP}role-{m.group(1)}", text)


def neutralize_all_mentions(text: str) -> str:
    """Also user pings: for text quoted from others, which must not ping anyone."""
    return _USER.sub(lambda m: f"@{_ZWSP}user-{m.group(1)}", neutralize_mentions(text))


def strip_invites(text: str) -> str:
    return _INVITE.sub("[invite link removed]", text)


def visible(reply: Reply) -> Reply:
    """The reply as it may be shown: no bidi overrides or control characters anywhere, so
    quoted text cannot reorder or hide what a reader sees."""
    return replace(
        reply,
        title=clean_text(reply.title) if reply.title is not None else None,
        body=clean_text(reply.body),
        fields=tuple(
            Field(clean_text(f.name), clean_text(f.value), f.inline) for f in reply.fields
        ),
        links=tuple(Link(clean_text(link.label), link.url) for link in reply.links),
        buttons=tuple(replace(b, label=clean_text(b.label)) for b in reply.buttons),
        select=_visible_select(reply.select),
        form=_visible_form(reply.form),
        footer=clean_text(reply.footer) if reply.footer is not None else None,
    )


def _visible_select(select: Select | None) -> Select | None:
    if select is None:
        return None
    options = tuple((clean_text(label), value) for label, value in select.options)
    return replace(select, options=options, placeholder=clean_text(select.placeholder))


def _visible_form(form: Form | None) -> Form | None:
    if form is None:
        return None
    fields = tuple(
        replace(f, label=clean_text(f.label), default=clean_text(f.default)) for f in form.fields
    )
    return replace(form, label=clean_text(form.label), title=clean_text(form.title), fields=fields)
