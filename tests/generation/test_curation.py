"""Curation through the real front ends: results posted with vote buttons through the outbox,
pressed on the fake Discord (an interaction whose custom_id runs the command line) and the fake
Telegram (a callback query), one vote per member per output, a steward's pick closing voting and
marking the winner."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlmodel import select

from bot.app import App
from bot.commands.options import ChannelRef
from bot.commands.reply import Reply
from bot.outbox import ToChannel
from bot.storage.models import Community
from cogs.generation.curation_commands import vote_buttons
from cogs.generation.curation_models import GenerationPick, GenerationVote
from cogs.generation.models import DONE, GenerationJob, GenerationOutput
from tests.fakes.discord_server import InteractionRecord
from tests.fakes.telegram_server import StoredMessage
from tests.support.world import World, discord_fields, discord_text


async def community_id(app: App, slug: str = "test-dao") -> int:
    async with app.db.read() as session:
        found = (await session.exec(select(Community).where(Community.slug == slug))).one()
    assert found.id is not None
    return found.id


async def finished_job(
    app: App, count: int = 2, *, state: str = DONE, rejected: tuple[int, ...] = ()
) -> tuple[int, list[GenerationOutput]]:
    """A job as the jobs pipeline leaves it: its outputs stored and checked (those at the
    `rejected` indexes failed the gatekeeper and were never posted)."""
    community = await community_id(app)
    async with app.db.transaction() as session:
        job = GenerationJob(
            community_id=community,
            platform="discord",
            user_id="1100000000000000201",
            reply_kind="channel",
            kind="image",
            prompt="a lighthouse at dawn",
            style="poster",
            count=count,
            state=state,
        )
        session.add(job)
        await session.flush()
        assert job.id is not None
        outputs = [
            GenerationOutput(
                job_id=job.id,
                index=index,
                media_type="image/png",
                sha256=f"{index:064x}",
                data=b"\x89PNG",
                passed=index not in rejected,
                posted=index not in rejected,
            )
            for index in range(count)
        ]
        session.add_all(outputs)
        await session.flush()
        job_id = job.id
    return job_id, outputs


async def post_results(world: World, job_id: int, outputs: list[GenerationOutput]) -> None:
    """Post the results with their vote buttons as the jobs pipeline does: through the outbox,
    to the Discord channel and the Telegram group."""
    shown = [o for o in outputs if o.passed]
    reply = Reply(title=f"Job {job_id}: results", body="Vote!", buttons=vote_buttons(shown))
    general = world.discord.channel("#general")
    targets = [
        ChannelRef("discord", general.id, "#general"),
        ChannelRef("telegram", str(world.telegram.group.id), "group"),
    ]
    community = await community_id(world.app)
    async with world.app.db.transaction() as session:
        for channel in targets:
            await world.app.outbox.enqueue(
                session,
                key=f"generation.results.{job_id}",
                community_id=community,
                reply=reply,
                to=ToChannel(channel),
            )
    await world.app.outbox.drain()


def discord_results(world: World, job_id: int) -> dict[str, Any]:
    general = world.discord.channel("#general")
    [message] = [
        m
        for m in world.discord.channel_messages(general)
        if any(f"Job {job_id}: results" in e.get("title", "") for e in m.get("embeds", []))
    ]
    return message


def buttons_of(message: dict[str, Any]) -> dict[str, str]:
    """Label -> custom_id of a Discord message's buttons."""
    return {
        item["label"]: item["custom_id"]
        for row in message.get("components", [])
        for item in row.get("components", [])
    }


async def press_on_discord(world: World, message: dict[str, Any], label: str, user: str) -> str:
    record: InteractionRecord = await world.discord.click(
        message["id"], buttons_of(message)[label], user=user
    )
    done = await record.wait_done(10)
    return discord_text(done)


def telegram_results(world: World, job_id: int) -> StoredMessage:
    [message] = [
        m
        for m in world.telegram.messages(world.telegram.group, from_bot=True)
        if f"Job {job_id}: results" in (m.plain or "")
    ]
    return message


async def press_on_telegram(world: World, message: StoredMessage, label: str, user: str) -> str:
    """Tap the inline button; the answer (private) comes by direct message."""
    keyboard = (message.reply_markup or {})["inline_keyboard"]
    [data] = [b["callback_data"] for row in keyboard for b in row if b["text"] == label]
    dm = world.telegram.private(user).id
    before = {m.message_id for m in world.telegram.messages(dm, from_bot=True)}
    world.telegram.press_button(world.telegram.group, message.message_id, user, data)
    await world.telegram.wait_for(
        "sendMessage", lambda call: int(call.params["chat_id"]) == dm, timeout=10
    )
    new = [m for m in world.telegram.messages(dm, from_bot=True) if m.message_id not in before]
    return "\n".join(m.plain or "" for m in new)


async def telegram_said(world: World, chat: int, words: str) -> StoredMessage:
    """The bot's latest message in `chat` holding `words`, once it is there."""
    for _ in range(200):
        found = [
            m for m in world.telegram.messages(chat, from_bot=True) if words in (m.plain or "")
        ]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise TimeoutError(f"the bot did not say {words!r}")


async def votes(app: App) -> list[tuple[int, str, str]]:
    async with app.db.read() as session:
        rows = (await session.exec(select(GenerationVote))).all()
    return sorted((v.output_id, v.platform, v.user_id) for v in rows)


async def test_votes_by_button_on_discord_and_telegram_then_a_steward_picks(world: World) -> None:
    job_id, outputs = await finished_job(world.app, 3, rejected=(1,))
    first, rejected, third = (o.id for o in outputs)
    assert first is not None and third is not None
    await post_results(world, job_id, outputs)

    message = discord_results(world, job_id)
    labels = buttons_of(message)
    assert set(labels) == {f"👍 Vote for output {first}", f"👍 Vote for output {third}"}
    assert labels[f"👍 Vote for output {first}"] == f"st:run:/generate vote {first}"

    said = await press_on_discord(world, message, f"👍 Vote for output {first}", "alice")
    assert f"Vote counted for output {first}" in said
    again = await press_on_discord(world, message, f"👍 Vote for output {first}", "alice")
    assert f"You already voted for output {first}" in again
    said = await press_on_discord(world, message, f"👍 Vote for output {third}", "alice")
    assert f"Vote counted for output {third}" in said, "one vote per output, not per job"
    said = await press_on_discord(world, message, f"👍 Vote for output {first}", "bob")
    assert f"Vote counted for output {first}" in said

    posted = telegram_results(world, job_id)
    said = await press_on_telegram(world, posted, f"👍 Vote for output {third}", "alice")
    assert f"Vote counted for output {third}" in said
    again = await press_on_telegram(world, posted, f"👍 Vote for output {third}", "alice")
    assert f"You already voted for output {third}" in again
    said = await press_on_telegram(world, posted, f"👍 Vote for output {third}", "carol")
    assert f"Vote counted for output {third}" in said

    alice, bob = "1100000000000000201", "1100000000000000202"
    tg_alice, tg_carol = str(world.telegram.alice.id), str(world.telegram.carol.id)
    assert await votes(world.app) == sorted(
        [
            (first, "discord", alice),
            (third, "discord", alice),
            (first, "discord", bob),
            (third, "telegram", tg_alice),
            (third, "telegram", tg_carol),
        ]
    )
    # The rejected output has no button, and typing its vote is refused.
    refused = await world.on_discord("generate vote", {"output": rejected}, user="bob")
    assert f"Output {rejected} was not posted" in discord_text(refused)

    # Members may not close voting; a steward (Discord's Admin) may.
    denied = await world.on_discord("generate pick", {"job": job_id}, user="alice")
    assert "/generate pick is for stewards only" in discord_text(denied)
    assert await picks(world.app) == []
    standing = await world.on_discord("generate results", {"job": job_id}, user="alice")
    fields = discord_fields(standing)
    assert fields["Voting"] == "open"
    assert fields["Tally"].splitlines() == [
        f"Output {third} (#3): 3 votes",
        f"Output {first} (#1): 2 votes",
    ]

    picked = await world.on_discord("generate pick", {"job": job_id}, user="carol")
    assert f"Job {job_id}: output {third} wins" in discord_text(picked)
    fields = discord_fields(picked)
    assert fields["Voting"] == "closed" and fields["Winner"] == f"output {third}"
    [pick] = await picks(world.app)
    assert pick.winner_output_id == third and pick.closed_by == "discord:1100000000000000203"
    assert [(e["output"], e["voters"]) for e in pick.tally] == [(third, 3), (first, 2)]

    # Closed: a late vote is refused, a second pick too; the summary keeps the tally.
    late = await press_on_telegram(world, posted, f"👍 Vote for output {first}", "bob")
    assert f"Voting on job {job_id} is closed; output {third} won" in late
    twice = await world.on_telegram(f"/generate pick {job_id}", user="bob", private=True)
    assert f"Voting on job {job_id} is closed" in (twice[0].plain or "")
    world.telegram.send_text(world.telegram.group, "alice", f"/generate results {job_id}")
    shown = await telegram_said(world, world.telegram.group.id, f"Votes on job {job_id}")
    assert f"Output {third} (#3): 3 votes 🏆" in (shown.plain or "")
    assert len(await votes(world.app)) == 5


async def picks(app: App) -> list[GenerationPick]:
    async with app.db.read() as session:
        return list((await session.exec(select(GenerationPick))).all())


async def test_simultaneous_presses_by_one_member_count_once(world: World) -> None:
    job_id, outputs = await finished_job(world.app, 1)
    await post_results(world, job_id, outputs)
    message = discord_results(world, job_id)
    [label] = buttons_of(message)
    answers = await asyncio.gather(
        *(press_on_discord(world, message, label, "alice") for _ in range(5))
    )
    assert sum("Vote counted" in a for a in answers) == 1
    assert sum("You already voted" in a for a in answers) == 4
    assert len(await votes(world.app)) == 1


async def test_a_running_job_cannot_be_picked_and_unknown_ones_are_named(world: World) -> None:
    job_id, _ = await finished_job(world.app, 2, state="running")
    early = await world.on_discord("generate pick", {"job": job_id}, user="carol")
    assert f"Job {job_id} is still running" in discord_text(early)
    missing = await world.on_discord("generate results", {"job": 999}, user="alice")
    assert "There is no job 999 here" in discord_text(missing)
    nothing = await world.on_discord("generate vote", {"output": 999}, user="alice")
    assert "There is no output 999 here" in discord_text(nothing)


async def test_forget_removes_a_members_votes_and_keeps_others(world: World) -> None:
    job_id, outputs = await finished_job(world.app, 1)
    [only] = outputs
    await post_results(world, job_id, outputs)
    message = discord_results(world, job_id)
    for user in ("alice", "bob"):
        said = await press_on_discord(world, message, f"👍 Vote for output {only.id}", user)
        assert "Vote counted" in said
    await world.on_discord("forget", {"confirm": "confirm"}, user="alice")
    assert await votes(world.app) == [(only.id, "discord", "1100000000000000202")]
