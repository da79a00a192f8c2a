"""/onboard from the console: a whole flow, a restart midway, a timeout, and bad answers."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.storage.models import OutboxMessage
from tests.onboarding.support import FULL_FLOW, Console, flows, profiles, rows
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock


async def test_a_member_goes_through_every_step(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url)) as app:
        console = Console(app)
        outputs = await console.script(FULL_FLOW)

        assert "step 1 of 7" in outputs[0] and '[Use you] /onboard answer "you"' in outputs[0]
        assert "step 2 of 7" in outputs[1] and "  solidity, frontend," in outputs[1]
        assert "Choose, several separated by commas: /onboard answer value=<value>" in outputs[1]
        assert "Chosen so far: solidity." in outputs[2] and "[Done]" in outputs[2]
        assert "  frontend, backend," in outputs[2] and "solidity," not in outputs[2]
        assert "step 3 of 7" in outputs[4] and "[Europe/Berlin]" in outputs[4]
        assert "Welcome aboard" in outputs[-1] and "only you can see this" in outputs[-1]
        (profile,) = await profiles(app)
        assert profile.platform == "console"
        assert profile.display_name == "Ada Lovelace"
        assert profile.skills == ["solidity", "security"]
        assert profile.timezone == "Europe/Berlin"
        assert profile.hours_per_week == 20
        assert profile.github == "ada-l"
        assert profile.interests == "audit the vault contracts"
        assert profile.matching is True
        assert await flows(app) == []

        shown = await console.say("/profile")
        assert "Ada Lovelace" in shown and "Skills: solidity, security" in shown
        again = await console.say("/onboard")
        assert "You are onboarded already" in again and "/onboard restart" in again


async def test_skills_in_one_answer_and_case_insensitive_zones(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url)) as app:
        console = Console(app)
        await console.script(
            ("/onboard", "/onboard answer Bea", '/onboard answer "design, writing"')
        )
        zone = await console.say("/onboard answer europe/lisbon")
        assert "step 4 of 7" in zone
        (flow,) = await flows(app)
        assert flow.answers["skills"] == ["design", "writing"]
        assert flow.answers["timezone"] == "Europe/Lisbon"


async def test_a_restart_midway_resumes_on_a_new_app(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(tmp_path, db_url)
    async with running_app(settings) as app:
        console = Console(app)
        await console.script(FULL_FLOW[:6])
    async with running_app(settings) as app:
        console = Console(app)
        resumed = await console.say("/onboard")
        assert "Picking up where you left off." in resumed and "step 4 of 7" in resumed
        assert len(await flows(app)) == 1
        await console.script(FULL_FLOW[6:])
        (profile,) = await profiles(app)
        assert profile.display_name == "Ada Lovelace" and profile.timezone == "Europe/Berlin"


async def test_onboard_restart_starts_over(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url)) as app:
        console = Console(app)
        await console.script(FULL_FLOW[:4])
        restarted = await console.say("/onboard restart")
        assert "Starting over." in restarted and "step 1 of 7" in restarted
        (flow,) = await flows(app)
        assert flow.step == "name" and flow.answers == {}


async def test_a_flow_left_unanswered_times_out(tmp_path: Path, db_url: str) -> None:
    clock = ManualClock()
    settings = make_settings(tmp_path, db_url, onboarding={"flow_timeout_minutes": 30})
    async with running_app(settings, clock=clock) as app:
        console = Console(app)
        await console.script(FULL_FLOW[:3])
        clock.advance(timedelta(minutes=29))
        assert await app.runtimes["onboarding"].flow.expire() == 0
        clock.advance(timedelta(minutes=2))
        assert await app.runtimes["onboarding"].flow.expire() == 1
        assert await flows(app) == []
        (told,) = await rows(app, OutboxMessage, platform="console")
        assert told.destination.startswith("dm:") and told.reply["title"] == "Onboarding closed"
        assert "onboard" in told.reply["body"]
        for _ in range(200):  # delivered to the member, as a direct message
            if "Onboarding closed" in console.out.getvalue():
                break
            await asyncio.sleep(0.02)
        assert "[direct message to " in console.out.getvalue()
        assert "Onboarding closed" in console.out.getvalue()
        # The member is told once, however often the job runs.
        assert await app.runtimes["onboarding"].flow.expire() == 0
        answer = await console.say("/onboard answer solidity")
        assert "no onboarding in progress" in answer
        fresh = await console.say("/onboard")
        assert "step 1 of 7" in fresh


async def test_a_timed_out_flow_is_closed_when_the_member_comes_back(
    tmp_path: Path, db_url: str
) -> None:
    clock = ManualClock()
    async with running_app(make_settings(tmp_path, db_url), clock=clock) as app:
        console = Console(app)
        await console.script(FULL_FLOW[:3])
        clock.advance(timedelta(minutes=45))
        late = await console.say("/onboard answer security")
        assert "timed out" in late
        again = await console.say("/onboard")
        assert "step 1 of 7" in again and "Picking up" not in again


async def test_bad_answers_are_refused_with_a_reason(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url)) as app:
        console = Console(app)
        await console.script(("/onboard", "/onboard answer Ada"))
        unknown = await console.say("/onboard answer solidity basketweaving")
        assert "Unknown skill 'basketweaving'" in unknown and "Choose from: solidity" in unknown
        early = await console.say("/onboard answer done")
        assert "Pick at least one skill" in early
        await console.say("/onboard answer solidity,data")
        zone = await console.say("/onboard answer Mars/Olympus")
        assert "'Mars/Olympus' is not an IANA time zone" in zone
        await console.say("/onboard answer UTC")
        assert "from 0 to 80 (got 81)" in await console.say("/onboard answer 81")
        assert "whole number" in await console.say("/onboard answer lots")
        await console.say("/onboard answer 10")
        assert "is not a GitHub handle" in await console.say("/onboard answer -bad-")
        await console.say("/onboard answer https://github.com/ada")
        long = "x" * 501
        assert "at most 500 characters (got 501)" in await console.say(f"/onboard answer {long}")
        second = await console.say("/onboard")
        assert "Picking up where you left off." in second and "step 6 of 7" in second
        assert len(await flows(app)) == 1
        (flow,) = await flows(app)
        assert flow.answers["github"] == "ada"
        assert flow.answers["skills"] == ["solidity", "data"]
