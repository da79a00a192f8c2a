"""Curation on a real job: /generate on Discord, the results posted by the jobs pipeline with a
vote button each, votes pressed on Discord, a steward's pick, and the winner's provenance record
carrying the result (Telegram's presses: test_curation.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from cogs.generation.models import DONE
from tests.generation.jobs_support import FakeBackend, FrontWorld, front_app, job_number
from tests.generation.test_curation import buttons_of
from tests.support.world import discord_fields, discord_text


@pytest.fixture
async def fw(tmp_path: Path, db_url: str) -> AsyncIterator[FrontWorld]:
    async with front_app(tmp_path, db_url, {"queue": "in-process"}, FakeBackend()) as world:
        yield world


async def test_a_jobs_results_are_voted_on_and_the_winner_recorded(fw: FrontWorld) -> None:
    fronts = fw.fronts
    record = await fronts.on_discord("generate image", {"prompt": "a red kite", "count": 2})
    job = await fw.settle(job_number(discord_text(record)))
    assert job.state == DONE and job.id is not None
    first, second = await fw.outputs(job.id)
    results: list[dict[str, Any]] = [
        m for m in fronts.discord.channel_messages(record.channel) if buttons_of(m)
    ]
    assert [buttons_of(m) for m in results] == [
        {f"👍 Vote for output {first.id}": f"st:run:/generate vote {first.id}"},
        {f"👍 Vote for output {second.id}": f"st:run:/generate vote {second.id}"},
    ]

    for user in ("alice", "bob"):
        label, custom_id = next(iter(buttons_of(results[1]).items()))
        pressed = await (
            await fronts.discord.click(results[1]["id"], custom_id, user=user)
        ).wait_done(10)
        assert f"Vote counted for output {second.id}" in discord_text(pressed), label
    picked = await fronts.on_discord("generate pick", {"job": job.id}, user="carol")
    assert f"Job {job.id}: output {second.id} wins" in discord_text(picked)
    assert f"Output {second.id}'s provenance record now carries the result" in discord_text(picked)
    assert discord_fields(picked)["Tally"].splitlines() == [
        f"Output {second.id} (#2): 2 votes 🏆",
        f"Output {first.id} (#1): 0 votes",
    ]
    row = await fw.generation.provenance.find(second.sha256)
    assert row is not None
    curation = row.record["curation"]
    assert (curation["job"], curation["output"], curation["voters"]) == (job.id, second.id, 2)
