"""/docs: the web pages /ask reads, added and removed by stewards, and what is indexed."""

from __future__ import annotations

from datetime import datetime

from bot.commands.invocation import Invocation
from bot.commands.options import Url
from bot.commands.reply import Field, Reply, Tone
from bot.commands.spec import Role, command
from cogs.knowledge.docs_models import FOLDER
from cogs.knowledge.docs_service import DocumentRow, folder_names
from cogs.knowledge.runtime import Knowledge

# Fields a reply shows before it says how many more there are.
MAX_FIELDS = 20


@command(
    "docs add",
    help="Index a web page for /ask: fetched now, then again on the schedule",
    requires=Role.STEWARD,
    slow=True,
    examples=("/docs add https://handbook.example.org/treasury",),
)
async def docs_add(inv: Invocation[Knowledge], url: Url) -> Reply:
    document, passages = await inv.feature.docs.add_page(inv.community.id, url)
    return Reply(
        title="Page added",
        body=f"{document.title or document.path}: {passages} passages indexed for /ask.",
        tone=Tone.SUCCESS,
    )


@command(
    "docs remove",
    help="Stop indexing a web page; its passages leave /ask's answers",
    requires=Role.STEWARD,
    examples=("/docs remove https://handbook.example.org/treasury",),
)
async def docs_remove(inv: Invocation[Knowledge], url: Url) -> Reply:
    document = await inv.feature.docs.remove_page(inv.community.id, url)
    return Reply(body=f"No longer indexing {document.path}.", tone=Tone.SUCCESS)


def _when(value: object) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if isinstance(value, datetime) else "never"


def _field(row: DocumentRow, names: dict[str, str]) -> Field:
    where = f"{names.get(row.folder, row.folder)}/{row.path}" if row.origin == FOLDER else row.path
    value = f"{row.passages} passages · read {_when(row.fetched_at)}"
    if row.title:
        value = f"{row.title} · {value}"
    if row.last_error:
        value += f" · last error: {row.last_error}"
    return Field(where, value)


@command("docs list", help="The documents /ask reads: folder files and pages, with passages")
async def docs_list(inv: Invocation[Knowledge]) -> Reply:
    rows = await inv.feature.docs.documents(inv.community.id)
    if not rows:
        return Reply(
            body="No documents yet: stewards add pages with /docs add <url>; folders are set "
            "in the configuration ([[knowledge.docs]])."
        )
    names = folder_names(inv.feature.config.docs)
    fields = tuple(_field(row, names) for row in rows[:MAX_FIELDS])
    total = sum(row.passages for row in rows)
    footer = f"{len(rows)} documents, {total} passages"
    if len(rows) > MAX_FIELDS:
        footer += f" ({len(rows) - MAX_FIELDS} more not shown)"
    return Reply(title="Documents for /ask", fields=fields, footer=footer)
