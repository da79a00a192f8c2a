"""Commands of the votes part: where announcements go, the followed proposals, reminders."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.options import ChannelRef
from bot.commands.reply import Reply, Tone
from bot.commands.spec import Opt, Role, command
from cogs.proposals.runtime import Proposals
from cogs.proposals.votes_render import span
from cogs.proposals.votes_service import VotesService, parse_events


class Which(StrEnum):
    ACTIVE = "active"
    CLOSED = "closed"


class Switch(StrEnum):
    ON = "on"
    OFF = "off"


def _votes(inv: Invocation[Proposals]) -> VotesService:
    service = inv.feature.votes
    if not isinstance(service, VotesService):
        raise RuntimeError("the votes part of proposals is not started")
    return service


@command(
    "proposals announce",
    help="Choose a channel for vote announcements and which events it gets",
    requires=Role.STEWARD,
    examples=("/proposals announce #governance", "/proposals announce #votes opened,closed"),
)
async def proposals_announce(
    inv: Invocation[Proposals],
    channel: ChannelRef,
    events: Annotated[
        str, Opt("created, opened, ending, closed (default all), or none to stop", max_length=60)
    ] = "all",
) -> Reply:
    chosen = parse_events(events)
    if inv.platform == "console":
        channel = ChannelRef("console", inv.community.slug, "the console")
    else:
        await inv.feature.ctx.communities.check_channel_is_ours(inv.community.id, channel)
    where = channel.display or channel.id
    had = await _votes(inv).subscribe(inv.community.id, channel, chosen, inv.caller.key)
    if not chosen:
        if not had:
            return Reply(body=f"{where} got no vote announcements.", tone=Tone.WARNING)
        return Reply(body=f"{where} no longer gets vote announcements.", tone=Tone.SUCCESS)
    forum = (
        " In a forum channel, each proposal gets a post of its own."
        if channel.platform == "discord"
        else ""
    )
    return Reply(
        body=f"{where} gets vote announcements: {', '.join(chosen)}.{forum}", tone=Tone.SUCCESS
    )


@command(
    "proposals list",
    help="Followed proposals (Snapshot and Governor): open ones, or closed ones",
    examples=("/proposals list", "/proposals list closed"),
)
async def proposals_list(inv: Invocation[Proposals], which: Which = Which.ACTIVE) -> Reply:
    closed = which == Which.CLOSED
    lines = await _votes(inv).followed(inv.community.id, closed=closed)
    if not lines:
        return Reply(body=f"No {which.value} proposal is followed here.")
    now = inv.feature.ctx.clock.now()
    shown = []
    for line in lines[:25]:
        title = f"[{line.title or line.key}]({line.link})" if line.link else line.title or line.key
        if closed:
            when = f"ended {line.ends_at:%Y-%m-%d}" if line.ends_at else "decided"
            outcome = f" · {line.result}" if line.result else ""
            shown.append(f"- {title}: {line.state}, {when}{outcome}")
        elif line.starts_at and line.starts_at > now:
            shown.append(f"- {title}: opens in {span(line.starts_at - now)}")
        elif line.ends_at and line.ends_at > now:
            shown.append(f"- {title}: voting, ends in {span(line.ends_at - now)}")
        else:
            shown.append(f"- {title}: {line.state}")
    more = f"\n…and {len(lines) - 25} more." if len(lines) > 25 else ""
    heading = "Closed proposals" if closed else "Open proposals"
    return Reply(title=heading, body="\n".join(shown) + more)


@command(
    "proposals remind",
    help="A direct message before a vote ends, if your linked wallet has not voted",
    private=True,
    examples=("/proposals remind on",),
)
async def proposals_remind(inv: Invocation[Proposals], switch: Switch) -> Reply:
    on = switch == Switch.ON
    await _votes(inv).set_reminders(inv.community.id, inv.platform, inv.caller.user_id, on)
    if not on:
        return Reply(body="No more vote reminders.", tone=Tone.SUCCESS)
    return Reply(
        body="You will get a direct message before a vote ends while a wallet you linked "
        "(/verify wallet) has not voted.",
        tone=Tone.SUCCESS,
    )


COMMANDS = (proposals_announce, proposals_list, proposals_remind)
