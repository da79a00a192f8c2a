"""Generation jobs: images and copy from slash commands, checked, with provenance and curation."""

from __future__ import annotations

from bot.features import Feature

feature = Feature(
    name="generation",
    description="Images and copy in the community's styles, checked, signed and voted on",
)
