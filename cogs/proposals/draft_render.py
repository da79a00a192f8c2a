"""Replies of the /draft commands: a draft, the list of drafts, and a diff of two versions."""

from __future__ import annotations

import difflib
from datetime import datetime

from bot.commands.reply import Field, Form, FormField, Link, Reply, Select, Tone
from bot.errors import UserError
from cogs.proposals.draft_doc import render_markdown, todo_markers
from cogs.proposals.draft_models import ProposalDraft
from cogs.proposals.draft_service import DraftView, Made

MAX_REPLACED_SHOWN = 5
# What a Discord modal's text field holds.
FORM_TEXT_LIMIT = 4000


def render_draft(view: DraftView, *, heading: str = "Draft") -> Reply:
    draft, version = view.draft, view.version
    todos = todo_markers(view.doc)
    fields = [
        Field("Template", f"{view.template.display_name} (`{view.template.name}`)", inline=True),
        Field(
            "Version",
            f"{version.number} of {view.versions}, by {version.author_display}",
            inline=True,
        ),
        Field("From", draft.source_title),
    ]
    if todos:
        fields.append(Field("Still TODO", ", ".join(f"`{key}`" for key in todos)))
    links = (Link("Discussion", draft.source_url),) if draft.source_url else ()
    return Reply(
        title=f"{heading} #{draft.number}: {view.doc.title}",
        body=render_markdown(view.doc, with_title=False),
        fields=tuple(fields),
        links=links,
        select=Select(
            f"/draft edit id={draft.number}",
            "section",
            tuple((_heading(view, key), key) for key in _editable(view)),
            "Edit a section",
        ),
        footer=f"/draft edit <section> <text> id={draft.number} · /draft show {draft.number}",
    )


def render_edit_form(view: DraftView, key: str) -> Reply:
    """A form holding one section's text, to edit in place (a modal on Discord)."""
    if key not in _editable(view):
        raise UserError(
            f"Draft #{view.draft.number} has no section `{key}`; "
            f"sections: {', '.join(_editable(view))}."
        )
    number, heading = view.draft.number, _heading(view, key)
    current = view.doc.text(key)
    if len(current) > FORM_TEXT_LIMIT:
        # A form's field holds 4,000 characters: offering it would cut the section.
        raise UserError(
            f"{heading} of draft #{number} is {len(current):,} characters, more than a form "
            f"holds ({FORM_TEXT_LIMIT:,}): type it with /draft edit {key} <text> id={number}."
        )
    return Reply(
        title=f"Edit {heading} of draft #{number}",
        body=current[:1500] or "_(empty)_",
        form=Form(
            f"Edit {heading}"[:80],
            f"{heading} (draft #{number})",
            f"/draft edit {key} id={number}",
            (
                FormField(
                    "text",
                    heading,
                    long=key != "title",
                    default=current,
                    max_length=256 if key == "title" else FORM_TEXT_LIMIT,
                ),
            ),
        ),
        footer=f"Or type it: /draft edit {key} <text> id={number}",
    )


def _editable(view: DraftView) -> list[str]:
    return ["title", *(s.key for s in view.doc.sections)]


def _heading(view: DraftView, key: str) -> str:
    found = view.doc.section(key)
    return found.heading if found else key.replace("_", " ").capitalize()


def render_made(made: Made) -> Reply:
    reply = render_draft(made.view, heading="New draft")
    fields = [*reply.fields, Field("Drafted", made.how)]
    if made.replaced:
        shown = "; ".join(f"`{text}`" for text in made.replaced[:MAX_REPLACED_SHOWN])
        more = len(made.replaced) - MAX_REPLACED_SHOWN
        fields.append(
            Field(
                "Not in the discussion (replaced by TODO)",
                shown + (f" and {more} more" if more > 0 else ""),
            )
        )
    return Reply(
        title=reply.title,
        body=reply.body,
        fields=tuple(fields),
        links=reply.links,
        footer=reply.footer,
        tone=Tone.SUCCESS,
    )


def render_edited(view: DraftView, key: str) -> Reply:
    text = view.doc.text(key)
    return Reply(
        title=f"Draft #{view.draft.number}: `{key}` edited (version {view.version.number})",
        body=text,
        footer=f"/draft diff {view.version.number - 1} {view.version.number} "
        f"id={view.draft.number} · /draft show {view.draft.number}",
        tone=Tone.SUCCESS,
    )


def render_list(rows: list[tuple[ProposalDraft, int]]) -> Reply:
    if not rows:
        return Reply(body="No drafts yet; make one with /draft new <forum topic URL | #channel>.")
    fields = tuple(
        Field(
            f"#{draft.number} · {draft.source_title[:80]}",
            f"{draft.status}, {versions} version{'s' if versions != 1 else ''}, "
            f"template `{draft.template}`, updated {_when(draft.updated_at)}",
        )
        for draft, versions in rows
    )
    return Reply(title="Proposal drafts", fields=fields, footer="/draft show <id>")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def section_diff(old: DraftView, new: DraftView) -> list[tuple[str, str]]:
    """(section key, unified diff) for each section that differs, title first."""
    keys = ["title", *(s.key for s in new.doc.sections)]
    keys += [s.key for s in old.doc.sections if s.key not in keys]
    changed = []
    for key in keys:
        before, after = old.doc.text(key), new.doc.text(key)
        if before == after:
            continue
        lines = difflib.unified_diff(
            before.splitlines(),
            after.splitlines(),
            fromfile=f"v{old.version.number}/{key}",
            tofile=f"v{new.version.number}/{key}",
            lineterm="",
        )
        changed.append((key, "\n".join(lines)))
    return changed


def render_diff(old: DraftView, new: DraftView) -> Reply:
    title = f"Draft #{new.draft.number}: version {old.version.number} → {new.version.number}"
    changed = section_diff(old, new)
    if not changed:
        return Reply(title=title, body="The two versions are the same.")
    body = "\n\n".join(f"**{key}**\n```diff\n{diff}\n```" for key, diff in changed)
    return Reply(title=title, body=body, footer=f"{len(changed)} section(s) changed")
