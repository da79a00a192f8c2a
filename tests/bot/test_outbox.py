"""The outbox posts each message once: across a kill between posting and recording, a database
that will not take the "delivered" mark, refusals, front ends that are down and busy channels."""

from __future__ import annotations

import asyncio
import io
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from bot.adapters.console import ConsoleFrontEnd
from bot.adapters.discord import DiscordFrontEnd
from bot.app import App
from bot.clock import Clock
from bot.commands.reply import Reply, Tone
from bot.outbox import Destination, ToChannelSetting, ToMember, nonce_for
from bot.storage.models import CommunitySetting, OutboxMessage, as_utc
from tests.fakes.discord_server import FakeDiscord, RecordedRequest
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock
from tests.support.frontends import discord_frontend
from tests.support.processes import Stewards
from tests.support.world import discord_fields

ALERTS = ToChannelSetting("alert_channel")
STEWARDS = ToChannelSetting("steward_channel")
RETRYING_MARK = "outbox: could not record a delivery; retrying"


class HookedDiscord(FakeDiscord):
    """The fake Discord, calling `after_post(channel id)` once the bot's message exists and
    before the answer leaves: the moment where a crash or a stalled database hurts."""

    def __init__(self) -> None:
        super().__init__()
        self.after_post: Callable[[str], None] = lambda _channel_id: None

    async def _create_message(self, call: Any) -> Any:
        status, body = await super()._create_message(call)
        if status == 200:
            self.after_post(call.params["channel_id"])
        return status, body


class WriteLock:
    """SQLite's single write lock, taken by another connection the way another writer would."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(
            path, timeout=10, isolation_level=None, check_same_thread=False
        )
        self.held_at: float | None = None

    def hold(self) -> None:
        self._connection.execute("BEGIN IMMEDIATE")
        self.held_at = time.monotonic()

    def release(self) -> None:
        if self._connection.in_transaction:
            self._connection.execute("ROLLBACK")

    def close(self) -> None:
        self.release()
        self._connection.close()


def outbox_rows(path: Path) -> list[tuple[str, str, int]]:
    """(key, state, attempts) of every outbox row, read with the standard library."""
    with closing(sqlite3.connect(path, timeout=10)) as connection:
        query = "SELECT key, state, attempts FROM outbox_message ORDER BY id"
        return [(str(k), str(s), int(a)) for k, s, a in connection.execute(query)]


@dataclass
class Posting:
    """An app with Discord on the fake: #alerts is the alert channel, #general the stewards'."""

    app: App
    discord: HookedDiscord
    bot: DiscordFrontEnd
    community_id: int

    async def enqueue(self, title: str, to: Destination = ALERTS) -> int:
        async with self.app.db.transaction() as session:
            return await self.app.outbox.enqueue(
                session,
                key=f"test:{title}",
                community_id=self.community_id,
                reply=Reply(title=title, body=f"{title}, said the test", tone=Tone.ALERT),
                to=to,
            )

    def titles(self, channel: str) -> list[str]:
        messages = self.discord.channel_messages(channel)
        return [str(m["embeds"][0].get("title")) for m in messages if m.get("embeds")]

    def posts_to(self, channel: str) -> list[RecordedRequest]:
        path = f"/channels/{self.discord.channel(channel).id}/messages"
        return [r for r in self.discord.requests if r.method == "POST" and r.path == path]

    def refuse(self, channel: str, status: int = 403, count: int = 1000) -> None:
        route = f"POST /channels/{self.discord.channel(channel).id}/messages"
        self.discord.fail_next(route, status=status, count=count)

    async def rows(self) -> list[OutboxMessage]:
        async with self.app.db.read() as session:
            query = select(OutboxMessage).order_by(col(OutboxMessage.id))
            return list((await session.exec(query)).all())

    async def about(self) -> dict[str, str]:
        record = await self.discord.invoke("about", {}, user="alice")
        return discord_fields(await record.wait_done(timeout=10))


@asynccontextmanager
async def posting(
    tmp_path: Path,
    db_url: str,
    *,
    clock: Clock | None = None,
    busy_timeout_ms: int = 5000,
    steward_channel: str | None = "#general",
) -> AsyncIterator[Posting]:
    async with HookedDiscord() as fake:
        community = {"slug": "test-dao", "name": "Test DAO", "discord_guild_ids": [fake.guild.id]}
        settings = make_settings(
            tmp_path,
            db_url,
            communities=[community],
            database={"url": db_url, "busy_timeout_ms": busy_timeout_ms},
        )
        async with running_app(settings, clock=clock) as app, discord_frontend(app, fake) as bot:
            found = await app.communities.by_slug("test-dao")
            assert found is not None
            channels = {"alert_channel": "#alerts", "steward_channel": steward_channel}
            for key, name in channels.items():
                if name is not None:
                    channel = f"<#{fake.channel(name).id}>"
                    await app.communities.set(found.id, key, channel, "discord", "test")
            yield Posting(app, fake, bot, found.id)
    assert fake.unhandled == [] and fake.errors == []


async def until(check: Callable[[], bool], what: str, within: float = 5.0) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise AssertionError(f"no {what} after {within} s")
        await asyncio.sleep(0.02)
    return time.monotonic() - started


# Exactly once, when the process or the database fails after posting -------------------------


async def test_a_bot_killed_between_posting_and_recording_replays_its_nonce_on_restart(
    tmp_path: Path,
) -> None:
    """The real `steward run` posts, stalls on a locked SQLite file while it retries the
    "delivered" mark, and is killed; started again, it posts with the same nonce and Discord
    hands back the first message: one message in #alerts."""
    db_path = tmp_path / "steward.db"
    db_url = f"sqlite:///{db_path}"
    async with HookedDiscord() as fake:
        alerts = fake.channel("#alerts")
        community = {"slug": "test-dao", "name": "Test DAO", "discord_guild_ids": [fake.guild.id]}
        # The message waits in the outbox before the bot starts, as a cause stored it.
        prepared = make_settings(
            tmp_path, db_url, communities=[community], discord={"token": "fake-discord-token"}
        )
        async with running_app(prepared) as app:
            found = await app.communities.by_slug("test-dao")
            assert found is not None
            async with app.db.transaction() as session:
                key = "alert_channel@discord"
                session.add(CommunitySetting(community_id=found.id, key=key, value=alerts.id))
            async with app.db.transaction() as session:
                stored = await app.outbox.enqueue(
                    session,
                    key="test:vault-drained",
                    community_id=found.id,
                    reply=Reply(title="Vault drained", tone=Tone.ALERT),
                    to=ALERTS,
                )
            assert stored == 1
        [(row_key, _, _)] = outbox_rows(db_path)

        lock = WriteLock(db_path)

        def stall(channel_id: str) -> None:
            if channel_id == alerts.id and lock.held_at is None:
                lock.hold()  # from the moment the message exists, before Discord answers

        fake.after_post = stall
        config = {
            "data_dir": str(tmp_path / "data"),
            "log": {"format": "json"},
            "database": {"url": db_url, "busy_timeout_ms": 100},
            "discord": {
                "api_base": fake.api_base,
                "gateway_url": fake.gateway_url,
                "guild_ids": [int(fake.guild.id)],
                "ready_timeout": 0.1,
            },
            "console": {"enabled": "off"},
            "http": {"allow_private": ["127.0.0.1"]},
            "communities": [community],
        }
        with Stewards(tmp_path / "run", {"DISCORD_TOKEN": "fake-discord-token"}) as group:
            bot = group.new("steward", config)
            bot.start()
            try:
                await bot.wait_for(lambda: bot.logged(RETRYING_MARK), "retried mark", 30)
                bot.kill()
                assert len(fake.channel_messages(alerts)) == 1
            finally:
                lock.close()
            assert outbox_rows(db_path) == [(row_key, "pending", 0)]

            bot.start()
            await bot.wait_for(
                lambda: outbox_rows(db_path)[0][1] == "delivered", "delivered mark", 30
            )
            assert await bot.stop() == 0

    messages = fake.channel_messages(alerts)
    assert len(messages) == 1, [m["embeds"] for m in messages]
    posts = [r for r in fake.requests if r.path == f"/channels/{alerts.id}/messages"]
    assert [(p.method, p.json["nonce"], p.json["enforce_nonce"]) for p in posts] == [
        ("POST", nonce_for(row_key), True)
    ] * 2
    assert fake.nonce_replays == [messages[0]["id"]]
    assert outbox_rows(db_path) == [(row_key, "delivered", 0)]


async def test_a_write_lock_held_past_the_busy_timeout_delays_the_mark_and_never_the_post(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db_path = tmp_path / "steward.db"
    async with posting(tmp_path, f"sqlite:///{db_path}", busy_timeout_ms=50) as world:
        alerts_id = world.discord.channel("#alerts").id
        lock = WriteLock(db_path)
        loop = asyncio.get_running_loop()

        def stall(channel_id: str) -> None:
            if channel_id == alerts_id and lock.held_at is None:
                lock.hold()
                loop.call_later(1.0, lock.release)  # 20 busy timeouts

        world.discord.after_post = stall
        try:
            await world.enqueue("Vault drained")
            # Rounds started meanwhile (the poll, a command's drain) find it taken.
            for _ in range(6):
                await asyncio.sleep(0.15)
                await world.app.outbox.deliver_due()
            await world.app.outbox.drain()
        finally:
            lock.close()
        assert lock.held_at is not None
        assert world.titles("#alerts") == ["Vault drained"]
        assert len(world.posts_to("#alerts")) == 1 and world.discord.nonce_replays == []
        assert [(r.state, r.attempts) for r in await world.rows()] == [("delivered", 0)]
    retries = [r for r in caplog.records if r.getMessage() == RETRYING_MARK]
    assert len(retries) >= 2


# Failing deliveries --------------------------------------------------------------------------


async def test_a_refused_delivery_is_retried_with_backoff_then_reported_once(
    tmp_path: Path, db_url: str
) -> None:
    clock = ManualClock()
    async with posting(tmp_path, db_url, clock=clock) as world:
        world.refuse("#alerts", status=403)
        await world.enqueue("Vault drained")
        await world.app.outbox.drain()
        for attempt, base_wait in ((1, 30), (2, 60)):
            [row] = await world.rows()
            assert (row.state, row.attempts) == ("pending", attempt)
            due_at = as_utc(row.next_attempt_at)
            assert due_at is not None
            wait = (due_at - clock.now()).total_seconds()
            assert 0.8 * base_wait <= wait <= 1.2 * base_wait  # backoff, with jitter
            await world.app.outbox.drain()  # not due yet: not tried
            assert len(world.posts_to("#alerts")) == attempt
            clock.advance(timedelta(seconds=wait + 1))
            await world.app.outbox.drain()

        failed, report = await world.rows()
        assert (failed.state, failed.attempts) == ("failed", 3)
        assert "403" in failed.last_error
        assert (report.state, report.key.startswith("outbox-failure:")) == ("delivered", True)
        assert len(world.posts_to("#alerts")) == 3
        [posted] = world.discord.channel_messages("#general")
        embed = posted["embeds"][0]
        assert embed["title"] == "A post could not be delivered"
        assert "Vault drained" in embed["description"]
        assert "/config set alert_channel" in embed["description"]

        # Later rounds neither try it again nor report it again.
        for _ in range(3):
            clock.advance(timedelta(hours=2))
            await world.app.outbox.drain()
        assert len(world.posts_to("#alerts")) == 3
        assert len(world.discord.channel_messages("#general")) == 1
        backlog = await world.app.outbox.backlog()
        assert (backlog.waiting, backlog.failed) == (0, 1)


async def test_without_a_steward_channel_an_undeliverable_message_is_logged_and_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = ManualClock()
    sqlite = f"sqlite:///{tmp_path / 'steward.db'}"
    async with posting(tmp_path, sqlite, clock=clock, steward_channel=None) as world:
        world.refuse("#alerts", status=404)
        await world.enqueue("Vault drained")
        for _ in range(4):
            await world.app.outbox.drain()
            clock.advance(timedelta(hours=1))
        assert [(r.state, r.attempts) for r in await world.rows()] == [("failed", 3)]
        assert world.discord.channel_messages("#general") == []
    logged = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "bot.outbox"]
    assert logged.count((logging.ERROR, "outbox: giving up on a message")) == 1
    assert logged.count((logging.ERROR, "outbox: no steward channel to report to")) == 1


async def test_about_shows_the_backlog_and_the_age_of_the_oldest_message(
    tmp_path: Path, db_url: str
) -> None:
    clock = ManualClock()
    async with posting(tmp_path, db_url, clock=clock) as world:
        assert (await world.about())["outbox"] == "ok: nothing waiting"
        world.refuse("#alerts", status=403)
        await world.enqueue("Vault drained")
        await world.app.outbox.drain()
        assert (await world.about())["outbox"] == "ok: 1 waiting, oldest 0 s old"
        clock.advance(timedelta(minutes=15))
        assert (await world.about())["outbox"] == "DOWN: 1 waiting, oldest 15 min old"


# Order and availability ----------------------------------------------------------------------


async def test_messages_to_one_channel_keep_their_order_while_the_first_waits_for_a_retry(
    tmp_path: Path, db_url: str
) -> None:
    clock = ManualClock()
    async with posting(tmp_path, db_url, clock=clock) as world:
        world.refuse("#alerts", status=403, count=1)
        for title in ("first", "second", "third"):
            await world.enqueue(title)
        await world.enqueue("elsewhere", to=STEWARDS)
        await world.app.outbox.drain()
        assert world.titles("#alerts") == []
        assert len(world.posts_to("#alerts")) == 1  # the later ones wait behind the first
        assert world.titles("#general") == ["elsewhere"]  # another channel does not
        clock.advance(timedelta(minutes=1))
        await world.app.outbox.drain()
        assert world.titles("#alerts") == ["first", "second", "third"]


async def test_a_message_for_a_front_end_that_is_down_is_kept_and_sent_when_it_is_back(
    tmp_path: Path,
) -> None:
    async with posting(tmp_path, f"sqlite:///{tmp_path / 'steward.db'}") as world:
        await world.bot.stop()
        await world.enqueue("Vault drained")
        await world.app.outbox.drain()
        assert world.posts_to("#alerts") == []
        assert [(r.state, r.attempts) for r in await world.rows()] == [("pending", 0)]

        back = asyncio.create_task(world.bot.run())
        try:
            await until(lambda: world.bot.health().ok, "reconnection", within=10)
            # No drain here: the deliverer notices by itself that Discord is back.
            waited = await until(lambda: bool(world.titles("#alerts")), "delivery", within=4)
        finally:
            await world.bot.stop()
            await asyncio.wait_for(back, 10)
        assert world.titles("#alerts") == ["Vault drained"]
        assert waited < 2.5
        await world.app.outbox.drain()  # the post is out; let its mark be written
        assert [(r.state, r.attempts) for r in await world.rows()] == [("delivered", 0)]


async def test_a_channel_that_is_slow_to_answer_does_not_hold_up_the_others(
    tmp_path: Path,
) -> None:
    async with posting(tmp_path, f"sqlite:///{tmp_path / 'steward.db'}") as world:
        alerts = world.discord.channel("#alerts").id
        # A real 429: discord.py waits 2 s, then posts again.
        world.discord.fail_next(f"POST /channels/{alerts}/messages", status=429, retry_after=2.0)
        await world.enqueue("Vault drained")
        await until(lambda: bool(world.posts_to("#alerts")), "first try")
        await world.enqueue("Steward note", to=STEWARDS)
        waited = await until(lambda: bool(world.titles("#general")), "other channel", within=5)
        assert world.titles("#alerts") == []  # still waiting out its rate limit
        assert waited < 1.5
        await world.app.outbox.drain()
        assert world.titles("#alerts") == ["Vault drained"]


async def test_many_destinations_at_once_do_not_exhaust_the_connection_pool(
    tmp_path: Path, db_url: str
) -> None:
    """Forty direct messages (say, a welcome to every new member) go out in one round; on
    PostgreSQL each destination's lock holds a connection of its own."""
    async with running_app(make_settings(tmp_path, db_url)) as app:
        out = io.StringIO()
        app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out))
        local = await app.communities.by_slug("local")
        assert local is not None
        async with app.db.transaction() as session:
            for number in range(40):
                await app.outbox.enqueue(
                    session,
                    key=f"welcome:{number}",
                    community_id=local.id,
                    reply=Reply(title=f"Welcome, member {number}"),
                    to=ToMember("console", f"member-{number}"),
                )
        await asyncio.wait_for(app.outbox.drain(), 15)
        for number in range(40):
            assert out.getvalue().count(f"[direct message to member-{number}]") == 1
        backlog = await app.outbox.backlog()
        assert (backlog.waiting, backlog.failed) == (0, 0)


async def test_a_replayed_nonce_of_a_deleted_message_counts_as_delivered(
    tmp_path: Path, db_url: str
) -> None:
    async with posting(tmp_path, db_url) as world:
        await world.enqueue("Moderated")
        await world.app.outbox.drain()
        [posted] = world.discord.channel_messages("#alerts")
        # A moderator deletes the alert; then a crash before the mark makes it pending again.
        await world.discord.delete_user_message(posted["id"])
        async with world.app.db.transaction() as session:
            [row] = (await session.exec(select(OutboxMessage))).all()
            row.state = "pending"
        await world.app.outbox.drain()

        [row] = await world.rows()
        assert (row.state, row.attempts) == ("delivered", 0), "delivered once, not a failure"
        assert world.discord.channel_messages("#alerts") == [], "and not posted again"
        assert world.titles("#general") == [], "no failure report"
