"""The /draft commands: make a proposal draft from a debate, show, edit, list and compare it."""

from __future__ import annotations

from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.reply import Reply
from bot.commands.spec import Opt, command
from bot.errors import UserError
from cogs.proposals.draft_render import (
    render_diff,
    render_draft,
    render_edit_form,
    render_edited,
    render_list,
    render_made,
)
from cogs.proposals.draft_service import Author, DraftService
from cogs.proposals.runtime import Proposals

MAX_SECTION_TEXT = 6000
DraftId = Annotated[int | None, Opt("draft number (default: your latest draft)", min=1)]


def _service(inv: Invocation[Proposals]) -> DraftService:
    service = inv.feature.drafts
    if not isinstance(service, DraftService):
        raise UserError("Drafting is not running on this bot.")
    return service


def _author(inv: Invocation[Proposals]) -> Author:
    return Author(inv.caller.platform, inv.caller.user_id, inv.caller.display_name)


@command(
    "draft new",
    help="Draft a proposal from a debate: a forum topic URL, a #channel, a channel id or thread",
    slow=True,
    examples=(
        "/draft new https://forum.example.org/t/fund-the-indexer/42",
        "/draft new #grants grant",
    ),
)
async def draft_new(
    inv: Invocation[Proposals],
    source: Annotated[str, Opt("forum topic URL, #channel, channel mention or id", max_length=500)],
    template: Annotated[
        str | None, Opt("template (default: the community's)", max_length=40)
    ] = None,
) -> Reply:
    made = await _service(inv).new(inv.community, _author(inv), source, template)
    return render_made(made)


@command("draft show", help="Show a draft (your latest by default), at a version if asked")
async def draft_show(
    inv: Invocation[Proposals],
    id: DraftId = None,
    version: Annotated[int | None, Opt("version number (default: the latest)", min=1)] = None,
) -> Reply:
    return render_draft(await _service(inv).view(inv.community.id, _author(inv), id, version))


@command(
    "draft edit",
    help="Replace one section of a draft (title, summary, budget, ...) with new text",
    examples=(
        "/draft edit summary We fund the indexer for six months.",
        "/draft edit risks The indexer may lag the chain by a few blocks. id=3",
    ),
)
async def draft_edit(
    inv: Invocation[Proposals],
    section: Annotated[str, Opt("section key: title, summary, budget, ...", max_length=40)],
    text: Annotated[
        str | None,
        Opt(
            "the new text; \\n starts a new line (leave it out for a form)",
            max_length=MAX_SECTION_TEXT,
            rest=True,
        ),
    ] = None,
    id: DraftId = None,
) -> Reply:
    key = section.strip().lower().replace("-", "_").replace(" ", "_")
    service = _service(inv)
    if text is None:
        # Discord opens a modal with the section's text; Telegram asks for a reply.
        return render_edit_form(await service.view(inv.community.id, _author(inv), id), key)
    view = await service.edit(inv.community.id, _author(inv), key, text.replace("\\n", "\n"), id)
    return render_edited(view, key)


@command("draft list", help="This community's proposal drafts, newest first")
async def draft_list(inv: Invocation[Proposals]) -> Reply:
    return render_list(await _service(inv).list(inv.community.id))


@command("draft diff", help="What changed in a draft between two versions, section by section")
async def draft_diff(
    inv: Invocation[Proposals],
    v1: Annotated[int, Opt("the older version", min=1)],
    v2: Annotated[int, Opt("the newer version", min=1)],
    id: DraftId = None,
) -> Reply:
    service = _service(inv)
    old = await service.view(inv.community.id, _author(inv), id, v1)
    new = await service.view(inv.community.id, _author(inv), old.draft.number, v2)
    return render_diff(old, new)


DRAFT_COMMANDS = (draft_new, draft_show, draft_edit, draft_list, draft_diff)
