"""The outbox edits what it posted: after the post, the last revision wins, once; a repeated
edit changes nothing; a deleted message fails the revision at once, reported. The real
discord.py and python-telegram-bot clients against the fakes, and the console."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.options import ChannelRef
from bot.commands.reply import Button, Reply, Tone
from bot.outbox import ToChannel, ToChannelSetting, ToMember
from bot.storage.models import OutboxMessage
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock
from tests.support.frontends import on_both_chats


@dataclass
class Edits:
    """Discord's #alerts and Telegram's group "Test DAO" are the alert channel; Discord's
    #general the stewards'."""

    app: App
    discord: FakeDiscord
    telegram: FakeTelegram
    clock: ManualClock
    community_id: int

    async def post(self, key: str, reply: Reply) -> int:
        async with self.app.db.transaction() as session:
            return await self.app.outbox.enqueue(
                session,
                key=key,
                community_id=self.community_id,
                reply=reply,
                to=ToChannelSetting("alert_channel"),
            )

    async def revise(self, key: str, reply: Reply, *, final: bool = False) -> int:
        async with self.app.db.transaction() as session:
            return await self.app.outbox.revise(session, key, reply, final=final)

    async def rows(self) -> list[OutboxMessage]:
        async with self.app.db.read() as session:
            query = select(OutboxMessage).order_by(col(OutboxMessage.id))
            return list((await session.exec(query)).all())

    def discord_titles(self, channel: str = "#alerts") -> list[str]:
        messages = self.discord.channel_messages(channel)
        return [str(m["embeds"][0].get("title")) for m in messages]

    def discord_calls(self, method: str) -> int:
        alerts = self.discord.channel("#alerts").id
        return sum(
            1
            for r in self.discord.requests
            if r.method == method and r.path.startswith(f"/channels/{alerts}/messages")
        )

    def telegram_texts(self) -> list[str]:
        return [m.plain or "" for m in self.telegram.messages(self.telegram.group, from_bot=True)]

    def telegram_calls(self, method: str) -> int:
        return sum(1 for call in self.telegram.sent if call.method == method)


@asynccontextmanager
async def edits(tmp_path: Path, db_url: str) -> AsyncIterator[Edits]:
    clock = ManualClock()
    async with on_both_chats(tmp_path, db_url, clock) as chats:
        app, discord_fake, telegram_fake = chats.app, chats.discord, chats.telegram
        alerts = f"<#{discord_fake.channel('#alerts').id}>"
        general = f"<#{discord_fake.channel('#general').id}>"
        group = str(telegram_fake.group.id)
        community = chats.community_id
        await app.communities.set(community, "alert_channel", alerts, "discord", "t")
        await app.communities.set(community, "steward_channel", general, "discord", "t")
        await app.communities.set(community, "alert_channel", group, "telegram", "t")
        yield Edits(app, discord_fake, telegram_fake, clock, community)


def status(step: str, done: bool = False) -> Reply:
    return Reply(
        title="Generating 2 images",
        body=f"Status: {step}",
        tone=Tone.SUCCESS if done else Tone.INFO,
        buttons=() if done else (Button("Cancel", "/jobs cancel 7"),),
    )


async def test_a_post_revised_twice_shows_the_last_text_in_the_same_message(
    tmp_path: Path, db_url: str
) -> None:
    async with edits(tmp_path, db_url) as world:
        assert await world.post("job:7", status("queued")) == 2
        await world.app.outbox.drain()
        [original] = world.discord.channel_messages("#alerts")
        [sent] = world.telegram.messages(world.telegram.group, from_bot=True)

        assert await world.revise("job:7", status("running, 1 of 2")) == 2
        await world.app.outbox.drain()
        assert await world.revise("job:7", status("done", done=True), final=True) == 2
        await world.app.outbox.drain()

        # Discord: one message, edited twice, now the last text and no Cancel button.
        [shown] = world.discord.channel_messages("#alerts")
        assert shown["id"] == original["id"] and shown["edited_timestamp"]
        assert shown["embeds"][0]["description"] == "Status: done"
        assert shown["components"] == []
        assert (world.discord_calls("POST"), world.discord_calls("PATCH")) == (1, 2)
        # Telegram: the same, through editMessageText, HTML rendered, keyboard removed.
        [edited] = world.telegram.messages(world.telegram.group, from_bot=True)
        assert edited.message_id == sent.message_id and edited.edited
        assert edited.plain is not None and "Status: done" in edited.plain
        assert edited.parse_mode == "HTML" and edited.reply_markup is None
        assert world.telegram_calls("editMessageText") == 2

        rows = await world.rows()
        assert [(r.platform, r.state, r.edit_of is not None) for r in rows] == [
            ("discord", "delivered", False),
            ("telegram", "delivered", False),
            ("discord", "delivered", True),
            ("telegram", "delivered", True),
            ("discord", "delivered", True),
            ("telegram", "delivered", True),
        ]
        assert rows[0].posted == [[world.discord.channel("#alerts").id, original["id"]]]
        assert rows[1].posted == [[str(world.telegram.group.id), str(sent.message_id)]]

        # After the final revision, later ones (a slow worker's progress) are dropped.
        assert await world.revise("job:7", status("running, 2 of 2")) == 0
        # An unknown key revises nothing.
        assert await world.revise("job:8", status("done")) == 0


async def test_revisions_stored_before_the_post_is_delivered_wait_and_only_the_last_is_sent(
    tmp_path: Path, db_url: str
) -> None:
    async with edits(tmp_path, db_url) as world:
        alerts = world.discord.channel("#alerts").id
        world.discord.fail_next(f"POST /channels/{alerts}/messages", status=503)
        world.telegram.fail_next("sendMessage", 502, "Bad Gateway")
        await world.post("job:7", status("queued"))
        await world.app.outbox.drain()  # both posts fail once: they wait for a retry
        assert world.discord_titles() == [] and world.telegram_texts() == []

        for step in ("running, 1 of 2", "running, 2 of 2", "checking"):
            await world.revise("job:7", status(step))
        # Saying the same thing again stores nothing.
        assert await world.revise("job:7", status("checking")) == 0
        await world.app.outbox.drain()
        assert world.discord_calls("PATCH") == 0, "the revisions wait for the post"

        world.clock.advance(timedelta(minutes=5))
        await world.app.outbox.drain()
        [shown] = world.discord.channel_messages("#alerts")
        assert shown["embeds"][0]["description"] == "Status: checking"
        assert world.discord_calls("PATCH") == 1, "only the last revision is sent"
        [edited] = world.telegram.messages(world.telegram.group, from_bot=True)
        assert edited.plain is not None and "Status: checking" in edited.plain
        assert world.telegram_calls("editMessageText") == 1
        states = [(r.state, r.last_error) for r in await world.rows() if r.edit_of]
        skipped = ("skipped", "replaced by a later revision")
        assert states == [skipped, skipped, skipped, skipped, ("delivered", ""), ("delivered", "")]


async def test_an_edit_repeated_after_a_crash_changes_nothing(tmp_path: Path, db_url: str) -> None:
    async with edits(tmp_path, db_url) as world:
        await world.post("job:7", status("queued"))
        await world.app.outbox.drain()
        await world.revise("job:7", status("done", done=True), final=True)
        await world.app.outbox.drain()
        # A crash between editing and recording: the revision is pending again.
        async with world.app.db.transaction() as session:
            for row in (await session.exec(select(OutboxMessage))).all():
                if row.edit_of is not None:
                    row.state = "pending"
        await world.app.outbox.drain()

        [shown] = world.discord.channel_messages("#alerts")
        assert shown["embeds"][0]["description"] == "Status: done"
        assert world.discord_calls("PATCH") == 2 and world.discord_calls("POST") == 1
        # Telegram answers "message is not modified": done, not a failure.
        assert [c.status for c in world.telegram.sent if c.method == "editMessageText"] == [
            200,
            400,
        ]
        assert len(world.telegram.messages(world.telegram.group, from_bot=True)) == 1
        revisions = [r for r in await world.rows() if r.edit_of]
        assert [(r.state, r.attempts) for r in revisions] == [("delivered", 0)] * 2
        assert world.discord_titles("#general") == [], "nothing reported"


async def test_a_deleted_message_fails_its_revision_at_once_and_is_reported(
    tmp_path: Path, db_url: str
) -> None:
    async with edits(tmp_path, db_url) as world:
        await world.post("job:7", status("queued"))
        await world.app.outbox.drain()
        [posted] = world.discord.channel_messages("#alerts")
        [sent] = world.telegram.messages(world.telegram.group, from_bot=True)
        await world.discord.delete_user_message(posted["id"])
        world.telegram.delete(world.telegram.group, sent.message_id)

        await world.revise("job:7", status("running"))
        await world.app.outbox.drain()
        for _ in range(3):
            world.clock.advance(timedelta(hours=2))
            await world.app.outbox.drain()

        assert world.discord_calls("PATCH") == 1, "tried once, not retried"
        assert world.telegram_calls("editMessageText") == 1
        assert world.discord_titles("#alerts") == [] and world.telegram_texts() == []
        revisions = [r for r in await world.rows() if r.edit_of]
        assert [(r.state, r.attempts) for r in revisions] == [("failed", 1)] * 2
        assert "Unknown Message" in revisions[0].last_error
        assert "message to edit not found" in revisions[1].last_error.lower()
        reports = world.discord.channel_messages("#general")
        assert [m["embeds"][0]["title"] for m in reports] == [
            "An edit of a post could not be delivered"
        ] * 2
        assert all("/config set" not in m["embeds"][0]["description"] for m in reports)
        backlog = await world.app.outbox.backlog()
        assert (backlog.waiting, backlog.failed) == (0, 2)

        # The next revision fails the same way: reported, never posted as a new message.
        await world.revise("job:7", status("done", done=True), final=True)
        await world.app.outbox.drain()
        assert world.discord_titles("#alerts") == [] and world.telegram_texts() == []


async def test_a_long_post_is_revised_by_editing_its_first_message(
    tmp_path: Path, db_url: str
) -> None:
    async with edits(tmp_path, db_url) as world:
        paragraphs = "\n\n".join(f"Paragraph {n}: " + "words " * 150 for n in range(12))
        await world.post("digest:1", Reply(title="Weekly digest", body=paragraphs))
        await world.app.outbox.drain()
        before = world.discord.channel_messages("#alerts")
        assert len(before) >= 2
        [row, *_] = await world.rows()
        assert [message_id for _, message_id in row.posted] == [m["id"] for m in before]

        await world.revise("digest:1", Reply(title="Weekly digest (withdrawn)", body="Sorry."))
        await world.app.outbox.drain()
        after = world.discord.channel_messages("#alerts")
        assert [m["id"] for m in after] == [m["id"] for m in before]
        assert after[0]["embeds"][0]["title"] == "Weekly digest (withdrawn)"
        assert after[1]["embeds"] == before[1]["embeds"], "the other parts stay"
        assert "(withdrawn)" in world.telegram_texts()[0]


async def test_the_console_prints_the_revision_as_an_update(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url)) as app:
        out = io.StringIO()
        app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out))
        local = await app.communities.by_slug("local")
        assert local is not None
        async with app.db.transaction() as session:
            await app.outbox.enqueue(
                session,
                key="job:1",
                community_id=local.id,
                reply=status("queued"),
                to=ToChannel(ChannelRef("console", "local")),
            )
            await app.outbox.enqueue(
                session,
                key="hello",
                community_id=local.id,
                reply=Reply(title="Hello"),
                to=ToMember("console", "ada"),
            )
        await app.outbox.drain()
        async with app.db.transaction() as session:
            assert await app.outbox.revise(session, "job:1", status("done", done=True)) == 1
            assert await app.outbox.revise(session, "hello", Reply(title="Hello again")) == 1
        await app.outbox.drain()

        # Destinations are delivered side by side: in order per destination only.
        blocks = {b.splitlines()[0]: n for n, b in enumerate(out.getvalue().strip().split("\n\n"))}
        texts = out.getvalue().strip().split("\n\n")
        assert blocks["[posted to #local]"] < blocks["[update of an earlier post to #local]"]
        dm, dm_update = "[direct message to ada]", "[update of an earlier direct message to ada]"
        assert blocks[dm] < blocks[dm_update] and len(blocks) == len(texts) == 4
        assert "Status: done" in texts[blocks["[update of an earlier post to #local]"]]
        assert "Hello again" in texts[blocks[dm_update]]
