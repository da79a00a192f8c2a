"""Scheduled digests delivered through the outbox: on time, by DM and in channels, on Discord,
Telegram and the console; one catch-up after downtime; empty ones skipped when asked; a failed
delivery retried and then reported to the stewards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.commands.spec import Role
from bot.storage.models import as_utc
from cogs.digests.models import DigestSubscription
from tests.digests.support import DigestWorld, texts


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


async def test_a_dm_subscriber_gets_one_digest_per_slot_on_discord(dworld: DigestWorld) -> None:
    record = await dworld.on_discord("digest subscribe", user="alice")
    assert "Next digest: Wed 2 Dec 09:00 (UTC)" in texts(record.messages())
    dworld.notes.add(at(1, 13), "The grants debate grew by 40 posts.")
    dworld.notes.add(at(2, 10), "Said after the slot: belongs to the next digest.")

    dworld.clock.current = at(2, 8, 59)
    await dworld.run_due()
    assert dworld.discord.dm_messages("alice") == []

    dworld.clock.current = at(2, 9, 1)
    await dworld.run_due()
    await dworld.run_due()  # a second check finds nothing due
    [message] = dworld.discord.dm_messages("alice")
    shown = texts([message])
    assert "The grants debate grew by 40 posts." in shown
    assert "after the slot" not in shown
    [row] = await dworld.digest_rows()
    [subscription] = await dworld.subscriptions()
    assert row.key.startswith(f"digest:{subscription.id}:2026-12-02T09:00:00Z|discord:dm:")
    assert row.state == "delivered"
    [delivery] = await dworld.deliveries()
    assert (delivery.how, as_utc(delivery.period_start), as_utc(delivery.period_end)) == (
        "scheduled",
        at(1, 9),
        at(2, 9),
    )
    # The reader was alice, by her platform id, for exactly that period.
    request = dworld.notes.requests[-1]
    assert request.reader.user_id == dworld.discord.user("alice").id
    assert (request.start, request.end, request.allow_model) == (at(1, 9), at(2, 9), True)

    dworld.clock.current = at(3, 9, 1)
    await dworld.run_due()
    second = dworld.discord.dm_messages("alice")[1]
    assert "after the slot" in texts([second])


async def test_a_bot_down_over_several_slots_sends_one_catch_up(dworld: DigestWorld) -> None:
    await dworld.on_discord("digest subscribe", user="alice")
    for day in (1, 2, 3, 4):
        dworld.notes.add(at(day, 15), f"Note of day {day}")
    dworld.clock.current = at(5, 7)  # down from the 1st to the 5th: slots on the 2nd, 3rd, 4th
    await dworld.run_due()
    [message] = dworld.discord.dm_messages("alice")
    shown = texts([message])
    assert all(f"Note of day {day}" in shown for day in (1, 2, 3))
    assert "Note of day 4" not in shown
    [delivery] = await dworld.deliveries()
    assert (delivery.how, as_utc(delivery.period_start), as_utc(delivery.period_end)) == (
        "catch_up",
        at(1, 9),
        at(4, 9),
    )
    assert dworld.notes.requests[-1].end == at(4, 9)
    # The 4th's note after 09:00 comes in the next, regular digest.
    dworld.clock.current = at(5, 9)
    await dworld.run_due()
    assert "Note of day 4" in texts(dworld.discord.dm_messages("alice")[1:])
    assert [d.how for d in await dworld.deliveries()] == ["catch_up", "scheduled"]


async def test_channels_and_dms_on_telegram_and_the_console(dworld: DigestWorld) -> None:
    telegram = dworld.telegram
    await dworld.on_telegram("/digest subscribe", user="alice", private=True)
    group = telegram.group.id
    await dworld.on_telegram(f"/digest channel {group}", user="carol")
    await dworld.on_console("/digest channel #console", role=Role.STEWARD)
    await dworld.on_console("/digest subscribe")
    dworld.notes.add(at(1, 18), "Treasury moved 5 ETH.")
    dworld.clock.current = at(2, 9)
    await dworld.run_due()

    in_dm = telegram.messages(telegram.private("alice").id, from_bot=True)
    assert any("Treasury moved 5 ETH." in m.text for m in in_dm)
    in_group = telegram.messages(group, from_bot=True)
    assert any("Treasury moved 5 ETH." in m.text for m in in_group)
    printed = dworld.console_out.getvalue()
    assert printed.count("Treasury moved 5 ETH.") == 2
    assert "[posted to #test-dao]" in printed or "posted to #" in printed
    assert "direct message to" in printed
    rows = await dworld.digest_rows()
    assert sorted(r.destination.split(":")[0] for r in rows) == ["channel", "channel", "dm", "dm"]
    assert all(r.state == "delivered" for r in rows)


async def test_empty_digests_are_sent_as_one_line_or_skipped(dworld: DigestWorld) -> None:
    await dworld.on_discord("digest subscribe", user="alice")
    await dworld.on_discord("digest subscribe", user="carol")
    await dworld.on_discord("digest empty", {"choice": "skip"}, user="carol")
    dworld.clock.current = at(2, 9)
    await dworld.run_due()
    assert len(dworld.discord.dm_messages("alice")) == 1
    assert dworld.discord.dm_messages("carol") == []
    hows = sorted(d.how for d in await dworld.deliveries())
    assert hows == ["scheduled", "skipped"]
    # The skipped period is over all the same: the next digest starts after it.
    dworld.notes.add(at(2, 12), "Something at last.")
    dworld.clock.current = at(3, 9)
    await dworld.run_due()
    [message] = dworld.discord.dm_messages("carol")
    assert "Something at last." in texts([message])
    assert dworld.notes.requests[-1].start == at(2, 9)


async def test_closed_dms_are_retried_then_reported_to_the_stewards(
    dworld: DigestWorld,
) -> None:
    await dworld.on_discord("digest subscribe", user="alice")
    dm = dworld.discord.dm_channel("alice")
    dworld.discord.fail_next(f"POST /channels/{dm.id}/messages", status=403, count=100)
    dworld.clock.current = at(2, 9)
    await dworld.run_due()
    [row] = await dworld.digest_rows()
    assert (row.state, row.attempts) == ("pending", 1)
    for _ in range(5):
        dworld.clock.advance(timedelta(hours=2))
        await dworld.app.outbox.drain()
    [row] = await dworld.digest_rows()
    assert row.state == "failed" and row.attempts >= 2
    report = texts(dworld.discord.channel_messages("#general"))
    assert "could not be delivered" in report
    assert dworld.discord.dm_messages("alice") == []
    # The period is over: the next check sends nothing again for it.
    await dworld.run_due()
    assert len(await dworld.digest_rows()) == 1


async def test_a_broken_subscription_does_not_stop_the_others(dworld: DigestWorld) -> None:
    await dworld.on_discord("digest subscribe", user="alice")
    await dworld.on_discord("digest subscribe", user="carol")
    [first, _] = await dworld.subscriptions()
    async with dworld.app.db.transaction() as session:
        broken = await session.get(DigestSubscription, first.id)
        assert broken is not None
        broken.timezone = "Mars/Base"  # as a hand-edited row might say
        session.add(broken)
    dworld.clock.current = at(2, 9)
    await dworld.run_due()
    assert dworld.discord.dm_messages("alice") == []
    assert len(dworld.discord.dm_messages("carol")) == 1


@dataclass
class Book:
    """An address book as onboarding keeps one: the wallets members linked."""

    linked: dict[str, list[str]]

    async def listings(self, community_id: int, addresses: Sequence[str]) -> dict[str, list[Any]]:
        return {}

    async def addresses_of(self, community_id: int, platform: str, user_id: str) -> list[str]:
        return self.linked.get(f"{platform}:{user_id}", [])


async def test_a_member_reads_with_the_addresses_they_linked_and_a_channel_without(
    dworld: DigestWorld,
) -> None:
    alice = dworld.discord.user("alice").id
    wallet = "0x00000000000000000000000000000000000A11CE"
    dworld.app.directory.register(Book({f"discord:{alice}": [wallet]}))
    await dworld.on_discord("digest subscribe", user="alice")
    general = dworld.discord.channel("#general")
    await dworld.on_discord("digest channel", {"channel": general.id}, user="carol")
    dworld.notes.add(at(1, 13), "Alice's wallet signed.")
    dworld.clock.current = at(2, 9)
    await dworld.run_due()
    readers = {(r.reader.user_id, r.reader.addresses) for r in dworld.notes.requests}
    assert readers == {(alice, (wallet,)), (None, ())}
    # Both delivered on Discord: one in alice's DMs, one in #general.
    assert len(dworld.discord.dm_messages("alice")) == 1
    posted = dworld.discord.channel_messages("#general")
    assert len([m for m in posted if "Alice's wallet signed." in texts([m])]) == 1


async def test_a_new_york_subscriber_gets_the_spring_forward_digest_after_the_gap(
    dworld: DigestWorld,
) -> None:
    dworld.clock.current = datetime(2026, 3, 6, 12, tzinfo=UTC)
    await dworld.on_console("/digest schedule daily 02:30 timezone=America/New_York")
    due = [
        datetime(2026, 3, 7, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # 02:30 does not exist: 03:00 EDT
        datetime(2026, 3, 9, 6, 30, tzinfo=UTC),  # 02:30 EDT
    ]
    for slot in due:
        dworld.clock.current = slot - timedelta(seconds=1)
        await dworld.run_due()
        dworld.clock.current = slot
        await dworld.run_due()
    ends = [as_utc(d.period_end) for d in await dworld.deliveries()]
    assert ends == due
    assert dworld.console_out.getvalue().count("[direct message to") == 3
