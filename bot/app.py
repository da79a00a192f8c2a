"""The application: what every command and front end shares, and its lifespan."""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeVar

from bot import __version__
from bot.commands.dispatch import Dispatcher
from bot.commands.options import ChannelRef
from bot.commands.registry import CommandRegistry
from bot.commands.reply import Reply
from bot.community import CORE_SETTINGS, CommunityContext, CommunityService
from bot.events import EventBus
from bot.features import Feature
from bot.frontend import FrontEnd, Health
from bot.scheduling import Scheduler
from bot.settings import Settings
from bot.storage.database import Database

log = logging.getLogger(__name__)
T = TypeVar("T")


class App:
    def __init__(self, settings: Settings, db: Database, features: Sequence[Feature]) -> None:
        self.settings = settings
        self.db = db
        self.features = list(features)
        self.version = __version__
        self.registry = CommandRegistry(spec for f in features for spec in f.commands)
        settings_specs = [*CORE_SETTINGS, *(s for f in features for s in f.settings)]
        self.communities = CommunityService(db, settings.communities, settings_specs)
        self.dispatcher = Dispatcher(self)
        self.events = EventBus()
        self.scheduler = Scheduler(settings.scheduler.timezone)
        self.frontends: list[FrontEnd] = []
        self.started = time.monotonic()
        self._services: dict[type[Any], Any] = {}
        # Features add checks of their own connections here (chains, forums, ...).
        self.health_checks: list[Callable[[], Awaitable[list[Health]]]] = []

    def provide(self, service: object) -> None:
        """Make a feature's service reachable by its type (features start in a lifespan)."""
        self._services[type(service)] = service

    def service(self, kind: type[T]) -> T:
        found = self._services.get(kind)
        if not isinstance(found, kind):
            raise RuntimeError(f"{kind.__name__} is not running; is its feature enabled?")
        return found

    async def announce(self, community: CommunityContext, channel_key: str, reply: Reply) -> int:
        """Post to a community's alert or digest channel on every front end that has one.

        Returns how many channels got it; a front end that fails is logged, the others still post.
        """
        results = await self.announce_each(community, channel_key, reply)
        return sum(1 for ok in results.values() if ok)

    async def announce_each(
        self,
        community: CommunityContext,
        channel_key: str,
        reply: Reply,
        skip: frozenset[str] = frozenset(),
    ) -> dict[str, bool]:
        """Like announce, per platform: True posted, False failed; platforms with no channel
        for this community, or in `skip`, are left out."""
        results: dict[str, bool] = {}
        for frontend in self.frontends:
            if frontend.platform in skip:
                continue
            if frontend.platform == "console":
                # The console is the local community's every channel, and no one else's.
                is_local = community.slug == self.settings.console.community
                channel = ChannelRef("console", community.slug) if is_local else None
            else:
                channel = community.channel(channel_key, frontend.platform)
            if channel is None:
                continue
            try:
                await frontend.post(channel, reply)
            except Exception:
                log.exception("announce failed", extra={"platform": frontend.platform})
                results[frontend.platform] = False
                continue
            results[frontend.platform] = True
        return results

    def frontend(self, platform: str) -> FrontEnd | None:
        return next((f for f in self.frontends if f.platform == platform), None)

    async def health(self) -> list[Health]:
        problem = await self.db.ping()
        checks = [Health("database", problem is None, problem or self.db.dialect)]
        checks.append(
            Health("scheduler", self.scheduler.running, f"{len(self.scheduler.job_ids())} jobs")
        )
        checks.extend(frontend.health() for frontend in self.frontends)
        for feature_check in self.health_checks:
            checks.extend(await feature_check())
        return checks


@asynccontextmanager
async def open_app(settings: Settings, features: Sequence[Feature]) -> AsyncIterator[App]:
    """Open the database, migrate it, start the scheduler and every feature; close all on exit."""
    db = Database(database_url(settings), echo=settings.database.echo)
    try:
        await db.migrate()
        app = App(settings, db, features)
        await app.communities.sync_configured(settings.console.community)
        async with AsyncExitStack() as stack:
            for feature in features:
                if feature.lifespan is not None:
                    await stack.enter_async_context(feature.lifespan(app))
            app.scheduler.start()
            stack.callback(app.scheduler.shutdown)
            yield app
    finally:
        await db.close()


def database_url(settings: Settings) -> str:
    if settings.database.url:
        return settings.database.url
    return f"sqlite:///{(settings.data_dir / 'steward.db').resolve()}"


async def serve(app: App, frontends: Sequence[FrontEnd]) -> None:
    """Run every front end until one finishes (console input ended) or SIGINT/SIGTERM arrives."""
    app.frontends = list(frontends)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        tasks = [asyncio.create_task(f.run(), name=f"frontend-{f.platform}") for f in frontends]
        stop_waiter = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait([*tasks, stop_waiter], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stop_waiter and task.exception() is not None:
                log.error("front end stopped with an error", exc_info=task.exception())
        log.info("shutting down")
        await asyncio.gather(*(f.stop() for f in frontends), return_exceptions=True)
        await asyncio.wait(tasks, timeout=10)
        stop_waiter.cancel()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
