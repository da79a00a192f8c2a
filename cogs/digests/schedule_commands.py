"""/digest schedule, subscribe, channel, unsubscribe and empty: who gets digests, where, when.

`/digest schedule` sets the caller's own schedule (subscribing them by direct message if they
were not); a steward sets a channel's with `channel`, or the community's default for new
subscriptions with `default:yes`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.options import ChannelRef
from bot.commands.reply import Reply, Tone
from bot.commands.spec import Opt, Role, command
from bot.errors import InvalidOption, NotAllowed
from cogs.digests.models import MEMBER, DigestSubscription
from cogs.digests.runtime import Digests, channel_target, local, my_target
from cogs.digests.schedule import Cadence, Schedule, ScheduleError, make_schedule
from cogs.digests.store import schedule_of
from cogs.digests.subscriptions import SCHEDULE_SETTING, Target, default_schedule, next_due


class SendOrSkip(StrEnum):
    SEND = "send"
    SKIP = "skip"


def where(subscription: DigestSubscription) -> str:
    if subscription.kind == MEMBER:
        return "by direct message"
    return f"in {channel_name(subscription.platform, subscription.target_id)}"


def channel_name(platform: str, channel_id: str) -> str:
    """How a reply names a channel: a mention on Discord, the chat id on Telegram."""
    if platform == "console":
        return "the console"
    if platform == "discord":
        return f"<#{channel_id}>"
    return f"chat {channel_id}"


def next_line(subscription: DigestSubscription) -> str:
    return f"Next digest: {local(next_due(subscription), subscription.timezone)}."


async def _our_channel(inv: Invocation[Digests], channel: ChannelRef) -> ChannelRef:
    """A channel of this community (on the console, the console itself)."""
    if inv.role < Role.STEWARD:
        raise NotAllowed("Digests in a channel are for stewards to set up.")
    if inv.platform == "console":
        return ChannelRef("console", inv.community.slug, "the console")
    await inv.feature.ctx.communities.check_channel_is_ours(inv.community.id, channel)
    return channel


@command(
    "digest schedule",
    help="When your digest comes: daily or weekly, at a local time, in your time zone",
    private=True,
    examples=(
        "/digest schedule daily 08:30 timezone=Europe/Berlin",
        "/digest schedule weekly 09:00 monday America/New_York",
        "/digest schedule daily 09:00 default=yes",
    ),
)
async def digest_schedule(
    inv: Invocation[Digests],
    cadence: Annotated[Cadence, Opt("daily or weekly")],
    time: Annotated[str, Opt("local time, 24-hour clock: 09:00", max_length=10)],
    weekday: Annotated[str | None, Opt("weekly only: monday … sunday", max_length=12)] = None,
    timezone: Annotated[str | None, Opt("IANA zone like Europe/Berlin", max_length=64)] = None,
    channel: Annotated[ChannelRef | None, Opt("stewards: a channel's schedule instead")] = None,
    default: Annotated[bool, Opt("stewards: the default for new subscriptions")] = False,
) -> Reply:
    subscriptions = inv.feature.subscriptions
    target = channel_target(inv, await _our_channel(inv, channel)) if channel else my_target(inv)
    if default and channel is not None:
        raise InvalidOption("default", "set a channel's schedule or the default, not both")
    if default and inv.role < Role.STEWARD:
        raise NotAllowed("The community's default schedule is for stewards to set.")
    existing = None if default else await subscriptions.get(target)
    zone = timezone or (existing.timezone if existing else default_schedule(inv.community).timezone)
    try:
        schedule = make_schedule(cadence, time, weekday, zone)
    except ScheduleError as exc:
        raise InvalidOption(exc.option, exc.reason) from exc
    if default:
        await inv.feature.ctx.communities.set(
            inv.community.id, SCHEDULE_SETTING, schedule.text(), inv.platform, inv.caller.key
        )
        return Reply(
            body=f"New subscriptions get digests {schedule.describe()}. Existing ones keep "
            "their own schedule.",
            tone=Tone.SUCCESS,
        )
    subscription, new = await subscriptions.set_schedule(target, schedule, inv.caller.key)
    return _scheduled(subscription, schedule, new)


def _scheduled(subscription: DigestSubscription, schedule: Schedule, new: bool) -> Reply:
    start = " You are subscribed now (/digest unsubscribe to stop)." if new else ""
    return Reply(
        body=f"Digests {where(subscription)} come {schedule.describe()}.{start} "
        f"{next_line(subscription)}",
        tone=Tone.SUCCESS,
    )


@command(
    "digest subscribe",
    help="Get the digest by direct message, on the community's schedule",
    private=True,
    examples=("/digest subscribe",),
)
async def digest_subscribe(inv: Invocation[Digests]) -> Reply:
    schedule = default_schedule(inv.community)
    subscription, new = await inv.feature.subscriptions.subscribe(
        my_target(inv), schedule, inv.caller.key
    )
    said = "You will get" if new else "You already get"
    telegram = (
        " On Telegram, start a private chat with me first so I may write to you."
        if inv.platform == "telegram"
        else ""
    )
    return Reply(
        body=f"{said} digests by direct message, "
        f"{_describe(subscription)}. {next_line(subscription)} Change the time with "
        f"/digest schedule.{telegram}",
        tone=Tone.SUCCESS,
    )


@command(
    "digest channel",
    help="Post the digest in a channel of this community (stewards)",
    requires=Role.STEWARD,
    examples=("/digest channel #stewards",),
)
async def digest_channel(inv: Invocation[Digests], channel: ChannelRef) -> Reply:
    channel = await _our_channel(inv, channel)
    subscription, new = await inv.feature.subscriptions.subscribe(
        channel_target(inv, channel), default_schedule(inv.community), inv.caller.key
    )
    shown = channel_name(channel.platform, channel.id)
    said = "will get" if new else "already gets"
    return Reply(
        body=f"{shown[0].upper()}{shown[1:]} {said} digests {_describe(subscription)}. "
        f"{next_line(subscription)}",
        tone=Tone.SUCCESS,
    )


@command(
    "digest unsubscribe",
    help="Stop your digests (or, for stewards, a channel's)",
    private=True,
    examples=("/digest unsubscribe", "/digest unsubscribe #stewards"),
)
async def digest_unsubscribe(
    inv: Invocation[Digests],
    channel: Annotated[ChannelRef | None, Opt("stewards: stop a channel's digests")] = None,
) -> Reply:
    target = channel_target(inv, await _our_channel(inv, channel)) if channel else my_target(inv)
    named = channel_name(channel.platform, channel.id) if channel else "You"
    whose = named[0].upper() + named[1:]
    if not await inv.feature.subscriptions.unsubscribe(target):
        verb = "gets" if channel else "get"
        return Reply(body=f"{whose} {verb} no digests here.", tone=Tone.WARNING)
    verb = "gets" if channel else "get"
    return Reply(body=f"{whose} {verb} no more digests.", tone=Tone.SUCCESS)


@command(
    "digest empty",
    help="Whether a digest with nothing in it is sent (one line) or skipped",
    private=True,
    examples=("/digest empty skip", "/digest empty send #stewards"),
)
async def digest_empty(
    inv: Invocation[Digests],
    choice: Annotated[SendOrSkip, Opt("send or skip empty digests")],
    channel: Annotated[ChannelRef | None, Opt("stewards: a channel's digests")] = None,
) -> Reply:
    target: Target = (
        channel_target(inv, await _our_channel(inv, channel)) if channel else my_target(inv)
    )
    send = choice is SendOrSkip.SEND
    subscription = await inv.feature.subscriptions.set_send_empty(target, send)
    if subscription is None:
        return Reply(body="No digests go there: /digest subscribe first.", tone=Tone.WARNING)
    said = (
        "Digests with nothing in them are sent, as one line."
        if send
        else "Digests with nothing in them are skipped."
    )
    return Reply(body=f"{said} {next_line(subscription)}", tone=Tone.SUCCESS)


def _describe(subscription: DigestSubscription) -> str:
    return schedule_of(subscription).describe()


COMMANDS = (digest_schedule, digest_subscribe, digest_channel, digest_unsubscribe, digest_empty)
