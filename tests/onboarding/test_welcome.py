"""The welcome template: the community's own, its placeholders, and a missing file refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.errors import ConfigError
from bot.events import MemberJoined
from tests.onboarding.support import Console
from tests.support.apps import make_settings, running_app


def joined(name: str, user_id: str = "42") -> MemberJoined:
    return MemberJoined(
        "console",
        Space("console", "local", "Local community"),
        user_id,
        name,
        ChannelRef("console", "local", "console"),
    )


async def test_a_communitys_own_welcome_is_posted_once(tmp_path: Path, db_url: str) -> None:
    template = tmp_path / "welcome-local.md"
    template.write_text("Hello {name}, this is {community}. {braces} stay.\n", encoding="utf-8")
    settings = make_settings(
        tmp_path,
        db_url,
        onboarding={"communities": {"local": {"welcome_template": str(template)}}},
    )
    async with running_app(settings) as app:
        console = Console(app)
        await app.events.publish_join(joined("Zoe @here"))
        await app.events.publish_join(joined("Zoe @here"))
        await app.events.publish_join(joined("Yan", "43"))
        for _ in range(200):
            if console.out.getvalue().count("[posted to #console]") >= 2:
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        posted = console.out.getvalue()
        assert posted.count("Hello Zoe @\u200bhere, this is") == 1
        assert posted.count("Hello Yan, this is") == 1
        assert "{braces} stay." in posted
        assert "[Start onboarding] /onboard" in posted


async def test_a_missing_welcome_template_stops_the_start(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(tmp_path, db_url, onboarding={"welcome_template": "nowhere.md"})
    with pytest.raises(ConfigError) as refused:
        async with running_app(settings):
            pass
    assert "onboarding.welcome_template" in str(refused.value)


async def test_a_communitys_own_skills(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(
        tmp_path, db_url, onboarding={"communities": {"local": {"skills": ["cooking", "music"]}}}
    )
    async with running_app(settings) as app:
        console = Console(app)
        await console.script(("/onboard", "/onboard answer Cy"))
        refused = await console.say("/onboard answer solidity")
        assert "Unknown skill 'solidity'. Choose from: cooking, music." in refused
