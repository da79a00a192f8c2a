"""`/styles`: the presets this community generates with, and whether each can run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.commands.invocation import Invocation
from bot.commands.reply import Field, Reply
from bot.commands.spec import command
from cogs.generation.contracts import Style

MAX_SHOWN = 25  # Discord's fields per embed


class Missing(Protocol):
    def missing(self, style: Style) -> str | None: ...


class StyleCatalog(Protocol):
    """What /styles needs of the feature's runtime object."""

    @property
    def styles(self) -> Mapping[str, Style]: ...

    @property
    def backends(self) -> Missing: ...


def render_styles(styles: Mapping[str, Style], backends: Missing) -> Reply:
    if not styles:
        return Reply(
            body="No styles yet: add a TOML file per style to config/styles "
            "(see docs/generation/backends.md)."
        )
    fields = []
    for style in list(styles.values())[:MAX_SHOWN]:
        lines = [
            style.description,
            f"Back end: {style.backend}" + (f" ({style.model})" if style.model else ""),
            f"Licence: {style.licence}",
        ]
        if style.kind == "image":
            lines.append(f"Sizes: {', '.join(style.sizes)} · up to {style.max_count}")
        else:
            lines.append(f"Up to {style.max_count} drafts")
        if (problem := backends.missing(style)) is not None:
            lines.append(f"Not available: {problem}")
        fields.append(Field(name=f"{style.name} · {style.kind}", value="\n".join(lines)))
    more = len(styles) - MAX_SHOWN
    footer = f"and {more} more" if more > 0 else None
    return Reply(title="Styles", fields=tuple(fields), footer=footer)


@command(
    "styles",
    help="The generation styles: kind, back end, licence and what each is for",
    examples=("/styles",),
)
async def styles(inv: Invocation[StyleCatalog]) -> Reply:
    return render_styles(inv.feature.styles, inv.feature.backends)


STYLES_COMMANDS = (styles,)
