"""Forms on Telegram: the form's button asks for each field in turn, as a reply to a prompt.

Telegram has no modals. A prompt carries ForceReply, so the member's app opens a reply to it;
the reply is the field's value ("-" leaves an optional field empty). When every field is filled,
the form's command runs with them as its options, as if the member had typed it. Offered forms
and open prompts are kept in memory, bounded; a press after a restart says to run the command
again.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TypeVar

from bot.commands.registry import quote_value
from bot.commands.reply import Form, FormField

SKIP = "-"
K = TypeVar("K")
V = TypeVar("V")
_KEPT = 1000


@dataclass
class FormProgress:
    form: Form
    user_id: int
    values: dict[str, str] = field(default_factory=dict)

    @property
    def next_field(self) -> FormField | None:
        return next((f for f in self.form.fields if f.option not in self.values), None)

    def command_line(self) -> str:
        options = " ".join(
            f"{option}={quote_value(value)}" for option, value in self.values.items() if value
        )
        return f"{self.form.command} {options}".strip()


def prompt_html(progress: FormProgress, asked: FormField) -> str:
    """The prompt for one field: what to write, and the current text when there is one."""
    form = progress.form
    number = [f.option for f in form.fields].index(asked.option) + 1
    lines = [f"<b>{html.escape(form.title)}</b>"]
    if len(form.fields) > 1:
        lines[0] += f" ({number} of {len(form.fields)})"
    how = "Reply to this message with" + ("" if asked.required else f" (or {SKIP} to skip)")
    lines.append(f"{how}: {html.escape(asked.label)}")
    if asked.default:
        lines.append(f"Now:\n<pre>{html.escape(asked.default[:3000])}</pre>")
    return "\n".join(lines)


class TelegramForms:
    def __init__(self) -> None:
        self._offered: OrderedDict[str, Form] = OrderedDict()
        self._prompts: OrderedDict[tuple[int, int], FormProgress] = OrderedDict()

    def offer(self, token: str, form: Form) -> None:
        _bounded_put(self._offered, token, form)

    def offered(self, token: str) -> Form | None:
        return self._offered.get(token)

    def asked(self, chat_id: int, message_id: int, progress: FormProgress) -> None:
        _bounded_put(self._prompts, (chat_id, message_id), progress)

    def answer(self, chat_id: int, message_id: int, user_id: int, text: str) -> FormProgress | None:
        """The form this message answers (its prompt's), with the value recorded; None when it
        answers no prompt of ours, or the prompt was for someone else."""
        progress = self._prompts.get((chat_id, message_id))
        if progress is None or progress.user_id != user_id:
            return None
        asked = progress.next_field
        if asked is None:
            return None
        del self._prompts[(chat_id, message_id)]
        value = text.strip()
        progress.values[asked.option] = "" if value == SKIP and not asked.required else value
        return progress


def _bounded_put(kept: OrderedDict[K, V], key: K, value: V) -> None:
    kept[key] = value
    while len(kept) > _KEPT:
        kept.popitem(last=False)
