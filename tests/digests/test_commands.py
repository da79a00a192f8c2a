"""The /digest commands on the console and Discord: what each says, what it stores, and one-line
errors for each wrong option."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.commands.spec import Role
from bot.storage.models import as_utc
from tests.digests.support import DigestWorld, texts


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/digest schedule daily 25:00", "Option `time`: '25:00' is not a time of day"),
        (
            "/digest schedule daily 09:00 timezone=Mars/Base",
            "Option `timezone`: 'Mars/Base' is not an IANA time zone",
        ),
        ("/digest schedule daily 09:00 monday", "Option `weekday`: a daily digest comes every"),
        ("/digest schedule weekly 09:00 someday", "Option `weekday`: must be a day of the week"),
        ("/digest schedule hourly 09:00", "Option `cadence`: must be one of daily, weekly"),
        ("/digest empty maybe", "Option `choice`: must be one of send, skip"),
    ],
)
async def test_a_wrong_option_is_named_in_one_line(
    dworld: DigestWorld, line: str, said: str
) -> None:
    answer = await dworld.on_console(line)
    [error] = [shown for shown in answer.splitlines() if "Option" in shown]
    assert said in error
    assert await dworld.subscriptions() == []


async def test_schedule_subscribes_the_caller_and_says_when_the_next_one_comes(
    dworld: DigestWorld,
) -> None:
    answer = await dworld.on_console("/digest schedule weekly 18:00 friday Europe/Berlin")
    assert "weekly on Friday at 18:00 (Europe/Berlin)" in answer
    assert "You are subscribed now" in answer
    assert "Next digest: Fri 4 Dec 18:00 (Europe/Berlin)." in answer
    [subscription] = await dworld.subscriptions()
    assert (subscription.kind, subscription.platform, subscription.cadence) == (
        "member",
        "console",
        "weekly",
    )
    assert (subscription.at, subscription.weekday, subscription.timezone) == (
        "18:00",
        4,
        "Europe/Berlin",
    )
    # Without a zone, a later change keeps the subscriber's.
    answer = await dworld.on_console("/digest schedule daily 07:30")
    assert "daily at 07:30 (Europe/Berlin)" in answer and "subscribed now" not in answer
    assert "Next digest: Wed 2 Dec 07:30 (Europe/Berlin)." in answer


async def test_stewards_set_channels_and_the_default_members_may_not(
    dworld: DigestWorld,
) -> None:
    refused = await dworld.on_console("/digest channel #console")
    assert "stewards" in refused.lower()
    refused = await dworld.on_console("/digest schedule daily 09:00 default=yes")
    assert "for stewards" in refused
    assert await dworld.subscriptions() == []

    steward = Role.STEWARD
    answer = await dworld.on_console(
        "/digest schedule weekly 08:00 monday America/New_York default=yes", role=steward
    )
    assert "New subscriptions get digests weekly on Monday at 08:00 (America/New_York)" in answer
    answer = await dworld.on_console("/digest subscribe")
    assert "weekly on Monday at 08:00 (America/New_York)" in answer
    assert "Next digest: Mon 7 Dec 08:00 (America/New_York)." in answer
    answer = await dworld.on_console("/digest channel #console", role=steward)
    assert "The console will get digests weekly on Monday" in answer
    answer = await dworld.on_console("/digest schedule daily 17:00 channel=#console", role=steward)
    assert "daily at 17:00 (America/New_York)" in answer
    kinds = sorted((s.kind, s.cadence) for s in await dworld.subscriptions())
    assert kinds == [("channel", "daily"), ("member", "weekly")]

    assert "no more digests" in await dworld.on_console(
        "/digest unsubscribe channel=#console", role=steward
    )
    assert "You get no more digests" in await dworld.on_console("/digest unsubscribe")
    assert "You get no digests here" in await dworld.on_console("/digest unsubscribe")
    assert await dworld.subscriptions() == []


async def test_a_channel_must_be_one_of_this_community(dworld: DigestWorld) -> None:
    telegram = dworld.telegram
    elsewhere = telegram.supergroup.id  # a chat of another community
    [refused] = await dworld.on_telegram(f"/digest channel {elsewhere}", user="carol", private=True)
    assert "is not in this community's chat" in (refused.plain or "")
    general = dworld.discord.channel("#general")
    record = await dworld.on_discord("digest channel", {"channel": general.id}, user="carol")
    assert "will get digests daily at 09:00 (UTC)" in texts(record.messages())
    [subscription] = await dworld.subscriptions()
    assert (subscription.platform, subscription.kind, subscription.target_id) == (
        "discord",
        "channel",
        general.id,
    )


async def test_now_counts_as_delivered_and_preview_counts_as_nothing(
    dworld: DigestWorld,
) -> None:
    await dworld.on_console("/digest subscribe")
    dworld.notes.add(at(1, 12, 30), "Vote on the grants budget opened.")
    dworld.clock.current = at(1, 15)

    preview = await dworld.on_console("/digest preview")
    assert "Vote on the grants budget opened." in preview
    assert "counts as nothing" in preview
    assert dworld.notes.requests[-1].allow_model is False
    assert await dworld.deliveries() == []

    now = await dworld.on_console("/digest now")
    assert "Vote on the grants budget opened." in now
    assert "counts as delivered" in now and "Wed 2 Dec 09:00 (UTC)" in now
    request = dworld.notes.requests[-1]
    assert (request.start, request.end, request.allow_model) == (at(1, 9), at(1, 15), True)
    [delivery] = await dworld.deliveries()
    assert delivery.how == "now"

    # The scheduled digest starts where /digest now ended.
    dworld.clock.current = at(2, 9)
    await dworld.run_due()
    assert dworld.notes.requests[-1].start == at(1, 15)
    [_, scheduled] = await dworld.deliveries()
    assert as_utc(scheduled.period_start) == at(1, 15)
    assert "Vote on the grants budget opened." not in dworld.console_out.getvalue()


async def test_now_without_a_subscription_covers_the_last_day(dworld: DigestWorld) -> None:
    dworld.notes.add(at(1, 2), "Early news.")
    answer = await dworld.on_console("/digest now")
    assert "Early news." in answer
    assert "no digest subscription" in answer
    assert await dworld.deliveries() == []


async def test_forget_removes_the_members_digest_subscription(dworld: DigestWorld) -> None:
    await dworld.on_console("/digest subscribe")
    await dworld.on_console("/digest channel #console", role=Role.STEWARD)
    dworld.clock.current = at(2, 9)
    await dworld.run_due()
    assert len(await dworld.deliveries()) == 2
    answer = await dworld.on_console("/forget confirm")
    assert "Forgotten" in answer
    [left] = await dworld.subscriptions()
    assert left.kind == "channel"
    assert len(await dworld.deliveries()) == 1
