"""Generation jobs: images and copy from slash commands, checked, with provenance and curation."""

from __future__ import annotations

from pathlib import Path

from bot.features import Feature
from cogs.generation import provenance_models as _provenance_models  # noqa: F401  (its table)

feature = Feature(
    name="generation",
    description="Images and copy in the community's styles, checked, signed and voted on",
    migrations=Path(__file__).parent / "migrations",
)
