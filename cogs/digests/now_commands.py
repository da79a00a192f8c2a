"""/digest now and /digest preview: the digest since the last one, at once.

`now` counts as delivered (the next scheduled digest starts from now); `preview` shows the same
content privately and counts as nothing, without calling a model. A member without a
subscription gets the last day (or week) on the community's schedule, and nothing is recorded.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.commands.invocation import Invocation
from bot.commands.reply import Reply
from bot.commands.spec import command
from cogs.digests.building import Built, with_footer
from cogs.digests.runtime import Digests, local, my_target
from cogs.digests.schedule import Cadence, Period
from cogs.digests.store import last_end
from cogs.digests.subscriptions import default_schedule, next_due

DAY_HOURS = 24


@command(
    "digest now",
    help="Your digest since the last one, now; the next one starts from here",
    private=True,
    slow=True,
    examples=("/digest now",),
)
async def digest_now(inv: Invocation[Digests]) -> Reply:
    return await _since_last(inv, preview=False)


@command(
    "digest preview",
    help="What your next digest says so far (private; counts as nothing)",
    private=True,
    slow=True,
    examples=("/digest preview",),
)
async def digest_preview(inv: Invocation[Digests]) -> Reply:
    return await _since_last(inv, preview=True)


async def _since_last(inv: Invocation[Digests], *, preview: bool) -> Reply:
    feature = inv.feature
    now = feature.ctx.clock.now()
    subscription = await feature.subscriptions.get(my_target(inv))
    builder = feature.builder
    reader = await builder.reader(inv.community.id, inv.platform, inv.caller.user_id)
    if subscription is None:
        schedule = default_schedule(inv.community)
        length = DAY_HOURS * (7 if schedule.cadence is Cadence.WEEKLY else 1)
        period = Period(now - timedelta(hours=length), now)
        built = await builder.build(
            inv.community.id, reader, schedule.timezone, period, allow_model=not preview
        )
        return with_footer(
            _private(built), "You have no digest subscription: /digest subscribe to get one."
        )
    period = Period(last_end(subscription), now)
    built = await builder.build(
        inv.community.id, reader, subscription.timezone, period, allow_model=not preview
    )
    zone = subscription.timezone
    if preview:
        return with_footer(
            _private(built),
            f"A preview: it counts as nothing. Your next digest is due "
            f"{local(next_due(subscription), zone)}.",
        )
    if not await feature.subscriptions.consume(subscription, now):
        return with_footer(
            _private(built), "The scheduled digest went out meanwhile: this one counts as nothing."
        )
    return with_footer(
        _private(built),
        f"This counts as delivered: your next digest, due {local(next_due(subscription), zone)}, "
        "starts from now.",
    )


def _private(built: Built) -> Reply:
    return replace(built.reply, private=True)
