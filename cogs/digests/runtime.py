"""What the digests commands get: the feature's context and its services, built once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands.invocation import Invocation
from bot.commands.options import ChannelRef
from bot.context import FeatureContext
from cogs.digests.building import DigestBuilder
from cogs.digests.config import DigestsConfig
from cogs.digests.delivery import DueDigests
from cogs.digests.models import CHANNEL, MEMBER
from cogs.digests.subscriptions import Subscriptions, Target


@dataclass
class Digests:
    ctx: FeatureContext[DigestsConfig]
    subscriptions: Subscriptions
    builder: DigestBuilder
    due: DueDigests


def my_target(inv: Invocation[Digests]) -> Target:
    """The caller's direct messages on the platform they typed on."""
    return Target(inv.community.id, inv.platform, MEMBER, inv.caller.user_id)


def channel_target(inv: Invocation[Digests], channel: ChannelRef) -> Target:
    return Target(inv.community.id, channel.platform, CHANNEL, channel.id)


def local(moment: datetime, timezone: str) -> str:
    """ "Wed 2 Dec 09:00 (Europe/Berlin)"."""
    shown = moment.astimezone(ZoneInfo(timezone))
    return f"{shown:%a} {shown.day} {shown:%b %H:%M} ({timezone})"
