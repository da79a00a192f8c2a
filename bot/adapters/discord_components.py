"""Buttons that run commands, select menus and forms (modals) on Discord.

Components carry what they do in their `custom_id` (at most 100 characters), so a button on a
message posted yesterday, or before a restart, still works: "st:run:<command line>" runs the
line as the member who pressed it, "st:sel:<option>:<command>" runs the command with the chosen
values. A form's fields do not fit there: its button names a token kept in memory for a day
("st:form:<token>"); a press after that (or after a restart) is answered with the command to
type. Views are never stored by discord.py (`_Stateless`): the front end's `on_interaction`
reads every press, whichever message it sits on.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import discord

from bot.commands.registry import quote_value
from bot.commands.reply import Form, Reply

CUSTOM_ID_LIMIT = 100
RUN, SELECT, FORM, MODAL = "st:run:", "st:sel:", "st:form:", "st:modal:"
MENU_OPTIONS_LIMIT = 25
MODAL_FIELDS_LIMIT = 5
FORM_LIFETIME_SECONDS = 24 * 3600
_FORMS_KEPT = 2000


class _Stateless(discord.ui.View):
    """A view whose presses the front end reads from `on_interaction`, not from a stored view."""

    def is_dispatchable(self) -> bool:
        return False


class FormBook:
    """Forms offered recently, by token (bounded, oldest dropped first)."""

    def __init__(self) -> None:
        self._forms: OrderedDict[str, tuple[float, Form]] = OrderedDict()

    def add(self, form: Form) -> str:
        token = secrets.token_urlsafe(9)
        self._forms[token] = (time.monotonic(), form)
        while len(self._forms) > _FORMS_KEPT:
            self._forms.popitem(last=False)
        return token

    def get(self, token: str) -> Form | None:
        found = self._forms.get(token)
        if found is None or time.monotonic() - found[0] > FORM_LIFETIME_SECONDS:
            return None
        return found[1]


def run_id(line: str) -> str | None:
    custom_id = RUN + line
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


def select_id(command: str, option: str) -> str | None:
    custom_id = f"{SELECT}{option}:{command}"
    return custom_id if len(custom_id) <= CUSTOM_ID_LIMIT else None


def add_components(view: discord.ui.View, reply: Reply, forms: FormBook) -> list[str]:
    """Add the reply's command buttons, menu and form button to `view`; returns the command
    lines that could not be made buttons (too long), for the message to show as text."""
    unplaced = []
    for button in reply.buttons:
        if not button.command:
            continue
        custom_id = run_id(button.command)
        item = discord.ui.Button[discord.ui.View](
            label=_clip(button.label, 80), custom_id=custom_id
        )
        if custom_id is None or not _added(view, item):
            unplaced.append(button.command)
    if reply.select is not None:
        menu = reply.select
        custom_id = select_id(menu.command, menu.option)
        options = [
            discord.SelectOption(label=_clip(label, 100), value=value[:100])
            for label, value in menu.options[:MENU_OPTIONS_LIMIT]
        ]
        picker = discord.ui.Select[discord.ui.View](
            custom_id=custom_id or SELECT,
            placeholder=_clip(menu.placeholder, 150) or None,
            min_values=1,
            max_values=max(1, min(menu.max_values, len(options))),
            options=options,
        )
        if custom_id is None or not options or not _added(view, picker):
            unplaced.append(f"{menu.command} <{menu.option}>")
    if reply.form is not None:
        opener = discord.ui.Button[discord.ui.View](
            label=_clip(reply.form.label, 80),
            custom_id=FORM + forms.add(reply.form),
            style=discord.ButtonStyle.primary,
        )
        if not _added(view, opener):
            unplaced.append(reply.form.command)
    return unplaced


def _added(view: discord.ui.View, item: discord.ui.Item[discord.ui.View]) -> bool:
    """Add `item` if the view has room for it (5 rows of 5 buttons; a menu takes a row)."""
    try:
        view.add_item(item)
    except ValueError:
        return False
    return True


def stateless_view() -> discord.ui.View:
    return _Stateless(timeout=None)


@dataclass(frozen=True)
class Pressed:
    """What a press asks for: a command line to run, or a form to open."""

    line: str | None = None
    form: Form | None = None
    form_token: str = ""
    expired: bool = False


def read_press(interaction: discord.Interaction, forms: FormBook) -> Pressed | None:
    """The press of one of our components, or None when the interaction is not one."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    if interaction.type is discord.InteractionType.component:
        if custom_id.startswith(RUN):
            return Pressed(line=custom_id.removeprefix(RUN))
        if custom_id.startswith(SELECT):
            option, _, command = custom_id.removeprefix(SELECT).partition(":")
            values = [str(v) for v in data.get("values", [])]
            return Pressed(line=f"{command} {option}={quote_value(','.join(values))}")
        if custom_id.startswith(FORM):
            token = custom_id.removeprefix(FORM)
            form = forms.get(token)
            return Pressed(form=form, form_token=token, expired=form is None)
        return None
    if interaction.type is discord.InteractionType.modal_submit and custom_id.startswith(MODAL):
        token = custom_id.removeprefix(MODAL)
        form = forms.get(token)
        if form is None:
            return Pressed(expired=True)
        typed = _modal_values(data)
        options = " ".join(
            f"{f.option}={quote_value(typed.get(f.option, ''))}"
            for f in form.fields
            if typed.get(f.option, "") or f.required
        )
        return Pressed(line=f"{form.command} {options}".strip())
    return None


def modal_for(form: Form, token: str) -> discord.ui.Modal:
    modal = discord.ui.Modal(title=_clip(form.title, 45), custom_id=MODAL + token, timeout=900)
    for field in form.fields[:MODAL_FIELDS_LIMIT]:
        modal.add_item(
            discord.ui.TextInput(
                label=_clip(field.label, 45),
                custom_id=field.option,
                style=discord.TextStyle.paragraph if field.long else discord.TextStyle.short,
                default=field.default[: min(field.max_length, 4000)] or None,
                required=field.required,
                max_length=min(field.max_length, 4000),
            )
        )
    return modal


def _modal_values(data: dict[str, Any]) -> dict[str, str]:
    """The text typed in each field of a modal submit, by the field's custom id (its option)."""
    found: dict[str, str] = {}
    rows = data.get("components", [])
    for row in rows:
        for item in row.get("components", []) if "components" in row else [row]:
            if "custom_id" in item and "value" in item:
                found[str(item["custom_id"])] = str(item["value"])
    return found


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
