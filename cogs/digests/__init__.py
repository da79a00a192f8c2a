"""Digests: one briefing per steward, on their schedule, that says what needs them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from bot.commands import options as opt
from bot.commands.community import SettingSpec
from bot.context import FeatureContext
from bot.errors import InvalidOption
from bot.features import Feature
from cogs.digests import models as _models  # noqa: F401  (registers the tables)
from cogs.digests import store
from cogs.digests.building import DigestBuilder
from cogs.digests.config import DigestsConfig
from cogs.digests.delivery import DueDigests
from cogs.digests.now_commands import digest_now, digest_preview
from cogs.digests.runtime import Digests
from cogs.digests.schedule import ScheduleError, parse_schedule
from cogs.digests.schedule_commands import COMMANDS
from cogs.digests.subscriptions import SCHEDULE_SETTING, Subscriptions

DUE_JOB = "digests.due"


@asynccontextmanager
async def lifespan(ctx: FeatureContext[DigestsConfig]) -> AsyncIterator[Digests]:
    builder = DigestBuilder(ctx.digest_parts, ctx.directory, ctx.communities)
    due = DueDigests(ctx.db, ctx.outbox, ctx.clock, builder)
    ctx.scheduler.every(DUE_JOB, timedelta(seconds=ctx.config.check_seconds), due.run)
    ctx.directory.forget_with(store.forget_member)
    yield Digests(ctx, Subscriptions(ctx.db, ctx.clock), builder, due)


def _schedule_setting(name: str, raw: str, _platform: str) -> str:
    try:
        return parse_schedule(opt.clean_text(raw)).text()
    except ScheduleError as exc:
        raise InvalidOption(name, f"{exc.option}: {exc.reason}") from exc


feature = Feature(
    name="digests",
    description="Briefings for stewards on their schedule: what needs them, moved and is coming",
    commands=(*COMMANDS, digest_now, digest_preview),
    settings=(
        SettingSpec(
            SCHEDULE_SETTING,
            "Schedule of new digest subscriptions: 'daily 09:00 UTC' or "
            "'weekly monday 09:00 Europe/Berlin' (default: daily 09:00 in the community's zone)",
            _schedule_setting,
        ),
    ),
    config=DigestsConfig,
    lifespan=lifespan,
    migrations=Path(__file__).parent / "migrations",
)
