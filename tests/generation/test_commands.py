"""/generate, /jobs list and /jobs cancel: one-line errors for each wrong option (nothing is
stored), and the same exchange from the console, Discord and Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.commands.spec import Role
from cogs.generation.models import DONE
from tests.generation.conftest import queue_settings, queue_workers
from tests.generation.jobs_support import (
    START,
    FakeBackend,
    FrontWorld,
    JobWorld,
    front_app,
    job_app,
    job_number,
)
from tests.support.clock import ManualClock
from tests.support.world import discord_text


@pytest.fixture
async def jw(tmp_path: Path, db_url: str, queue_kind: str) -> AsyncIterator[JobWorld]:
    queue = queue_settings(queue_kind)
    backend = FakeBackend(configured=("fake-images", "fake-copy"))
    clock = ManualClock(START)
    async with (
        job_app(tmp_path, db_url, queue, backend, clock, daily_quota=5) as w,
        queue_workers(queue_kind, w.app),
    ):
        yield w


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/generate image", "Option `prompt`: is required"),
        ('/generate image "   "', "Option `prompt`: must not be empty"),
        ("/generate image " + "x" * 1001, "Option `prompt`: must be at most 1000 characters"),
        ("/generate image a fox style=baroque", "no image style 'baroque'; known: poster, sketch"),
        ("/generate image a fox style=house", "no image style 'house'; known: poster, sketch"),
        ("/generate image a fox count=5", "Option `count`: must be 1 to 4 for style poster"),
        ("/generate image a fox size=4096x4096", "use 256x256, 512x512"),
        ("/generate copy our news format=haiku", "must be one of announcement, tweet thread"),
        ("/generate copy our news count=4", "Option `count`: must be 1 to 3 for style house"),
        ("/generate image a fox style=sketch", "No back end 'slow-images'"),
    ],
)
async def test_a_wrong_request_is_refused_in_one_line_and_nothing_is_stored(
    jw: JobWorld, line: str, said: str
) -> None:
    answer = await jw.on_console(line)
    assert said in answer, answer
    assert await jw.jobs() == []


async def test_the_quota_says_what_was_used_and_when_it_resets(jw: JobWorld) -> None:
    first = await jw.on_console("/generate image a fox count=4")
    assert "Job #1 queued" in first
    refused = await jw.on_console("/generate image a fox count=2")
    assert "You have used 4 of 5 generations today; 1 left, you asked for 2" in refused
    assert "resets at 00:00 UTC" in refused
    assert "Job #2 queued" in await jw.on_console("/generate copy our grants round opens")
    refused = await jw.on_console("/generate image a fox")
    assert "You have used 5 of 5 generations today; resets at 00:00 UTC." in refused
    assert len(await jw.jobs()) == 2
    assert "You have used 5 of 5 generations today." in await jw.on_console("/jobs list")


async def test_members_see_their_jobs_and_stewards_everyones(jw: JobWorld) -> None:
    mine = job_number(await jw.on_console("/generate copy a tweet about the vote"))
    theirs = await jw.as_member("/generate image a harbour", "dana")
    assert theirs.ok
    other = job_number(theirs.reply.body)
    await jw.settle(mine)
    await jw.settle(other)
    listed = await jw.on_console("/jobs list")
    assert f"#{mine} 1 × copy (announcement)" in listed and f"#{other}" not in listed
    assert "done, posted 1 of 1" in listed
    everyone = await jw.on_console("/jobs list", role=Role.STEWARD)
    assert f"#{mine}" in everyone and f"#{other}" in everyone and "dana (console)" in everyone
    refused = await jw.as_member(f"/jobs cancel {mine}", "dana")
    assert "is not yours" in refused.reply.body
    assert "no job #99" in (await jw.on_console("/jobs cancel 99")).lower()


async def test_copy_is_posted_as_text_and_a_markdown_file(jw: JobWorld) -> None:
    job_id = job_number(
        await jw.on_console('/generate copy "the grants round opens" format=tweet-thread count=2')
    )
    job = await jw.settle(job_id)
    assert job.state == DONE and job.format == "tweet thread"
    printed = jw.console_out.getvalue()
    assert "# Tweet Thread" in printed and "the grants round opens: join us" in printed
    results = [p for p in await jw.posts(job_id) if ":output:" in p.key]
    assert [f[0] for r in results for f in r.reply["files"]] == [
        f"job{job_id}-1.md",
        "provenance.json",
        f"job{job_id}-2.md",
        "provenance.json",
    ]


@pytest.fixture
async def fw(tmp_path: Path, db_url: str, queue_kind: str) -> AsyncIterator[FrontWorld]:
    queue = queue_settings(queue_kind)
    async with (
        front_app(tmp_path, db_url, queue, FakeBackend()) as world,
        queue_workers(queue_kind, world.app),
    ):
        yield world


async def test_from_discord_results_come_to_the_channel_with_their_files(fw: FrontWorld) -> None:
    fake = fw.fronts.discord
    record = await fw.fronts.on_discord("generate image", {"prompt": "a red kite", "count": 2})
    said = discord_text(record)
    assert "queued: 2 images in style poster" in said
    job = await fw.settle(job_number(said))
    assert job.state == DONE and job.platform == "discord" and job.reply_kind == "channel"
    messages = fake.channel_messages(record.channel)
    files = [a["filename"] for m in messages for a in m.get("attachments", [])]
    assert files == [
        f"job{job.id}-1.png",
        "provenance.json",
        f"job{job.id}-2.png",
        "provenance.json",
    ]
    shown = "\n".join(str(m.get("content")) + str(m.get("embeds")) for m in messages)
    assert "Posted 2 of 2" in shown


async def test_from_telegram_results_come_to_the_group_and_jobs_lists_them(
    fw: FrontWorld,
) -> None:
    telegram = fw.fronts.telegram
    # The answer, and the job's status message (posted when it was stored), in either order.
    answers = await fw.fronts.on_telegram("/generate image a blue heron", replies=2)
    [answer] = [a.plain or "" for a in answers if "queued:" in (a.plain or "")]
    assert "queued: 1 image in style poster" in answer
    job = await fw.settle(job_number(answer))
    assert job.state == DONE and job.platform == "telegram" and job.reply_kind == "channel"
    sent = telegram.messages(telegram.group, from_bot=True)
    assert any(m.file is not None and m.file.filename == f"job{job.id}-1.png" for m in sent)
    [listed] = await fw.fronts.on_telegram("/jobs list", private=True)
    assert f"#{job.id}" in (listed.plain or "") and "done" in (listed.plain or "")


async def test_a_job_started_in_a_direct_message_answers_there(fw: FrontWorld) -> None:
    telegram = fw.fronts.telegram
    dm = telegram.private("alice")
    answers = await fw.fronts.on_telegram(
        "/generate image a small boat", chat=dm.id, private=True, replies=2
    )
    [answer] = [a.plain or "" for a in answers if "queued:" in (a.plain or "")]
    job = await fw.settle(job_number(answer))
    assert job.state == DONE and job.reply_kind == "dm" and job.platform == "telegram"
    sent = telegram.messages(dm, from_bot=True)
    assert any(m.file is not None and m.file.filename == f"job{job.id}-1.png" for m in sent)
    assert not [m for m in telegram.messages(telegram.group, from_bot=True) if m.file]
