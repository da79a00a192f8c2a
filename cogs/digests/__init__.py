"""Digests: one briefing per steward, on their schedule, that says what needs them."""

from __future__ import annotations

from bot.features import Feature

feature = Feature(
    name="digests",
    description="Briefings for stewards on their schedule: what needs them, moved and is coming",
)
