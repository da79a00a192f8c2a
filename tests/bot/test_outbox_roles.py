"""Role changes through the outbox: given and taken once, in order, recorded with their reason;
a Telegram grant's invite link sent to the member in private; a refusal retried, then reported.
The real discord.py and python-telegram-bot clients against the fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import col, select

from bot.app import App
from bot.outbox import GRANT, REVOKE, RoleChange
from bot.storage.models import OutboxMessage, RoleChangeRecord
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram
from tests.support.clock import ManualClock
from tests.support.frontends import on_both_chats


@dataclass
class Roles:
    app: App
    discord: FakeDiscord
    telegram: FakeTelegram
    clock: ManualClock
    community_id: int

    async def change(self, key: str, change: RoleChange) -> int:
        async with self.app.db.transaction() as session:
            return await self.app.outbox.enqueue_role(
                session, key=key, community_id=self.community_id, change=change
            )

    async def records(self) -> list[RoleChangeRecord]:
        async with self.app.db.read() as session:
            query = select(RoleChangeRecord).order_by(col(RoleChangeRecord.id))
            return list((await session.exec(query)).all())

    async def outbox(self) -> list[OutboxMessage]:
        async with self.app.db.read() as session:
            query = select(OutboxMessage).order_by(col(OutboxMessage.id))
            return list((await session.exec(query)).all())


@asynccontextmanager
async def roles(tmp_path: Path, db_url: str) -> AsyncIterator[Roles]:
    clock = ManualClock()
    async with on_both_chats(tmp_path, db_url, clock) as chats:
        general = f"<#{chats.discord.channel('#general').id}>"
        await chats.app.communities.set(
            chats.community_id, "steward_channel", general, "discord", "t"
        )
        yield Roles(chats.app, chats.discord, chats.telegram, clock, chats.community_id)


async def test_a_discord_role_is_given_then_taken_once_each_and_recorded(
    tmp_path: Path, db_url: str
) -> None:
    async with roles(tmp_path, db_url) as world:
        guild, alice = world.discord.guild, world.discord.user("alice")
        steward = guild.role("Steward")
        assert steward is not None
        give = RoleChange("discord", guild.id, alice.id, steward.id, GRANT, "holds 10 TEST")
        take = RoleChange("discord", guild.id, alice.id, steward.id, REVOKE, "holds 0 TEST")

        assert await world.change("rule:holders:alice:1", give) == 1
        assert await world.change("rule:holders:alice:1", give) == 0  # the same cause, again
        assert await world.change("rule:holders:alice:2", take) == 1
        await world.app.outbox.drain()

        member = guild.member(alice.id)
        assert member is not None and steward.id not in member.role_ids
        changes = [(c.role_id, c.added, c.reason) for c in world.discord.role_changes]
        assert changes == [(steward.id, True, "holds 10 TEST"), (steward.id, False, "holds 0 TEST")]
        records = await world.records()
        assert [(r.user_id, r.action, r.reason, r.state) for r in records] == [
            (alice.id, "grant", "holds 10 TEST", "delivered"),
            (alice.id, "revoke", "holds 0 TEST", "delivered"),
        ]
        assert all(r.delivered_at is not None and not r.invite_sent for r in records)

        # Delivered means done: later rounds change nothing.
        world.clock.advance(timedelta(hours=1))
        await world.app.outbox.drain()
        assert len(world.discord.role_changes) == 2
        assert {r.state for r in await world.outbox()} == {"delivered"}


async def test_a_telegram_grant_sends_the_member_a_one_time_link_with_the_reason(
    tmp_path: Path, db_url: str
) -> None:
    async with roles(tmp_path, db_url) as world:
        telegram = world.telegram
        gated, dave = telegram.supergroup, telegram.add_user("dave", 1004)
        grant = RoleChange(
            "telegram",
            str(telegram.group.id),
            str(dave.id),
            str(gated.id),
            GRANT,
            "You hold a Test DAO badge.",
            role_name="Badge holders",
        )
        await world.change("rule:badge:dave", grant)
        await world.app.outbox.drain()  # the grant, then the message it led to

        [link] = telegram.invite_links.values()
        assert (link.chat_id, link.member_limit) == (gated.id, 1)
        [sent] = telegram.messages(telegram.private(dave), from_bot=True)
        assert "You hold a Test DAO badge." in (sent.plain or "")
        buttons = [b for row in (sent.reply_markup or {})["inline_keyboard"] for b in row]
        assert [b["url"] for b in buttons] == [link.invite_link]
        [record] = await world.records()
        assert (record.state, record.invite_sent) == ("delivered", True)

        telegram.join_by_link(link.invite_link, dave)
        assert telegram.member_status(gated, dave) == "member"
        revoke = RoleChange(
            "telegram", str(telegram.group.id), "1004", str(gated.id), REVOKE, "badge sold"
        )
        await world.change("rule:badge:dave:2", revoke)
        await world.app.outbox.drain()
        assert telegram.member_status(gated, dave) == "left"


async def test_a_role_the_bot_may_not_give_is_retried_then_reported_to_stewards(
    tmp_path: Path, db_url: str
) -> None:
    async with roles(tmp_path, db_url) as world:
        guild, alice = world.discord.guild, world.discord.user("alice")
        admin = guild.role("Admin")
        assert admin is not None
        grant = RoleChange("discord", guild.id, alice.id, admin.id, GRANT, "asked", "Admin")
        await world.change("rule:admin:alice", grant)
        for _ in range(3):
            await world.app.outbox.drain()
            world.clock.advance(timedelta(hours=2))
        await world.app.outbox.drain()

        assert world.discord.role_changes == []
        [record] = await world.records()
        assert record.state == "failed" and record.delivered_at is None
        assert "Steward Bot" in record.last_error and "Admin" in record.last_error
        change_row, report_row = await world.outbox()
        assert (change_row.state, change_row.attempts) == ("failed", 3)
        assert report_row.state == "delivered"
        [posted] = world.discord.channel_messages("#general")
        description = posted["embeds"][0]["description"]
        assert "Give role Admin" in description and "must be above" in description
