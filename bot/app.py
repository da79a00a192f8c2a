"""The application: what front ends and features share, and its lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from bot import __version__
from bot.activity import Activity
from bot.chain_logs import ChainLogs
from bot.clock import Clock, SystemClock
from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.commands.dispatch import Dispatcher
from bot.commands.registry import CommandRegistry
from bot.context import FeatureContext
from bot.digest_parts import DigestParts
from bot.directory import Directory
from bot.discussions import Discussions
from bot.errors import ErrorReader, StewardError, UpstreamError, UserError
from bot.events import EventBus
from bot.features import Feature, migration_folders, select_features
from bot.frontend import FrontEnd, FrontEnds, Health
from bot.health import HealthChecks
from bot.http import BlockedAddress, HttpClient, HttpError, HttpPolicy
from bot.leader import Leadership
from bot.outbox import Outbox
from bot.payouts import PayoutReviews
from bot.records import Records
from bot.scheduling import Scheduler
from bot.settings import Settings
from bot.storage.database import Database
from bot.web import WebServer

log = logging.getLogger(__name__)

# A front end that cannot connect is tried again after this, doubling up to the cap.
FRONTEND_RETRY_FIRST = 2.0
FRONTEND_RETRY_CAP = 300.0
# The outbox backlog /about calls unhealthy.
STALE_OUTBOX_SECONDS = 600


class App:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        features: Sequence[Feature],
        *,
        http: HttpClient,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.db = db
        self.features = list(features)
        self.version = __version__
        self.http = http
        self.clock = clock
        self.frontends = FrontEnds()
        self.health = HealthChecks()
        self.health.add(self._framework_health)
        self.leadership = Leadership(db, settings.leader.check_seconds)
        self.scheduler = Scheduler(settings.scheduler.timezone, lambda: self.leadership.is_leader)
        self.registry = CommandRegistry(spec for f in features for spec in f.commands)
        settings_specs = [*CORE_SETTINGS, *(s for f in features for s in f.settings)]
        self.communities = CommunityService(
            db, settings.communities, settings_specs, channels=self.frontends
        )
        self.events = EventBus()
        self.directory = Directory()
        self.activity = Activity()
        self.payouts = PayoutReviews()
        self.discussions = Discussions()
        self.chain_logs = ChainLogs()
        self.digest_parts = DigestParts()
        self.records = Records()
        self.web = WebServer(
            settings.web.public_url, host=settings.web.host, port=settings.web.port
        )
        self.health.add(self.web.health)
        self.outbox = Outbox(
            db,
            self.frontends,
            clock,
            console_community=settings.console.community,
            platforms=configured_platforms(settings),
        )
        # What each feature's lifespan yielded: the `inv.feature` of its commands.
        self.runtimes: dict[str, Any] = {}
        readers: dict[type[Exception], ErrorReader] = {HttpError: read_http_error}
        readers.update({kind: reader for f in features for kind, reader in f.errors})
        owners = {spec.name: f.name for f in features for spec in f.commands}
        self.dispatcher = Dispatcher(self.communities, self.runtimes, owners, readers)
        self.started = time.monotonic()
        # Why a front end is down, while the app keeps retrying it.
        self.frontend_problems: dict[str, str] = {}

    def context(self, feature: Feature) -> FeatureContext[Any]:
        return FeatureContext(
            name=feature.name,
            config=self.settings.feature_config(feature.name, feature.config),
            db=self.db,
            scheduler=self.scheduler,
            outbox=self.outbox,
            http=self.http,
            clock=self.clock,
            events=self.events,
            communities=self.communities,
            frontends=self.frontends,
            health=self.health,
            commands=self.registry,
            llm=self.settings.llm,
            default_community=self.settings.default_community,
            console_community=self.settings.console.community,
            directory=self.directory,
            activity=self.activity,
            payouts=self.payouts,
            discussions=self.discussions,
            chain_logs=self.chain_logs,
            digest_parts=self.digest_parts,
            records=self.records,
            web=self.web,
            features=tuple((f.name, f.description) for f in self.features),
            version=self.version,
        )

    def add_frontend(self, frontend: FrontEnd) -> None:
        self.frontends.add(frontend)
        self.outbox.platforms.add(frontend.platform)

    async def member_spaces(self, platform: str, user_id: str) -> list[str]:
        """The guilds or chats of this platform the bot serves that a member belongs to."""
        frontend = self.frontends.get(platform)
        if frontend is None:
            return []
        return await frontend.member_spaces(user_id, await self.communities.spaces_on(platform))

    async def _framework_health(self) -> list[Health]:
        problem = await self.db.ping()
        checks = [Health("database", problem is None, problem or self.db.dialect)]
        jobs = len(self.scheduler.job_ids())
        checks.append(
            Health("scheduler", self.scheduler.running, f"{jobs} jobs; {self.leadership.mode}")
        )
        checks.append(await self._outbox_health())
        for frontend in self.frontends:
            health = frontend.health()
            problem = self.frontend_problems.get(frontend.platform)
            if problem and not health.ok:
                health = Health(health.name, False, f"{health.detail}; {problem}")
            checks.append(health)
        return checks

    async def _outbox_health(self) -> Health:
        backlog = await self.outbox.backlog()
        if not backlog.waiting and not backlog.failed:
            return Health("outbox", True, "nothing waiting")
        parts = [f"{backlog.waiting} waiting"]
        stale = False
        if backlog.oldest is not None:
            age = int((self.clock.now() - backlog.oldest).total_seconds())
            parts.append(f"oldest {_age(age)} old")
            stale = age > STALE_OUTBOX_SECONDS
        if backlog.failed:
            parts.append(f"{backlog.failed} undeliverable")
        return Health("outbox", not stale and not backlog.failed, ", ".join(parts))


def _age(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


def read_http_error(exc: Exception) -> StewardError:
    if isinstance(exc, BlockedAddress):
        return UserError(str(exc))
    retryable = getattr(exc, "retryable", True)
    return UpstreamError("a web request", str(exc), retryable=bool(retryable))


def configured_platforms(settings: Settings) -> set[str]:
    platforms = set()
    if settings.discord.token is not None:
        platforms.add("discord")
    if settings.telegram.token is not None:
        platforms.add("telegram")
    console = settings.console.enabled
    if console == "on" or (console == "auto" and not platforms):
        platforms.add("console")
    return platforms


def http_policy(settings: Settings) -> HttpPolicy:
    http = settings.http
    return HttpPolicy(
        timeout=http.timeout,
        attempts=http.attempts,
        max_retry_after=http.max_retry_after,
        max_response_bytes=http.max_response_bytes,
        allow_private=tuple(http.allow_private),
        user_agent=f"Steward/{__version__}",
    )


@asynccontextmanager
async def open_app(
    settings: Settings,
    available: Mapping[str, Feature],
    *,
    clock: Clock | None = None,
    extra: Sequence[Feature] = (),
) -> AsyncIterator[App]:
    """Open the database, migrate it, start every enabled feature, the scheduler, the leader
    election and the outbox; close all of it on exit, deliveries in flight first."""
    features = [*select_features(available, settings.features), *extra]
    db = Database(
        database_url(settings),
        echo=settings.database.echo,
        busy_timeout_ms=settings.database.busy_timeout_ms,
    )
    try:
        await db.migrate(migration_folders(available))
        clock = clock or SystemClock()
        http_client = HttpClient(http_policy(settings), clock=clock.monotonic, sleep=clock.sleep)
        async with http_client as http:
            app = App(settings, db, features, http=http, clock=clock)
            await app.communities.sync_configured(settings.console.community)
            async with AsyncExitStack() as stack:
                for feature in features:
                    runtime = None
                    if feature.lifespan is not None:
                        runtime = await stack.enter_async_context(
                            feature.lifespan(app.context(feature))
                        )
                    app.runtimes[feature.name] = runtime
                leader = asyncio.create_task(app.leadership.run(), name="leader")
                stack.push_async_callback(_stop_task, leader, app.leadership.close)
                app.scheduler.start()
                stack.callback(app.scheduler.shutdown)
                # Features added their pages in their lifespans: serve them now.
                await app.web.start()
                stack.push_async_callback(app.web.stop)
                deliverer = asyncio.create_task(app.outbox.run(), name="outbox")
                stack.push_async_callback(_stop_task, deliverer, app.outbox.close)
                yield app
    finally:
        await db.close()


async def _stop_task(task: asyncio.Task[None], close: Any) -> None:
    await close()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def database_url(settings: Settings) -> str:
    if settings.database.url:
        return settings.database.url
    return f"sqlite:///{(settings.data_dir / 'steward.db').resolve()}"


async def serve(app: App, frontends: Sequence[FrontEnd], *, keep_running: bool = False) -> None:
    """Run every front end until the console's input ends (unless `keep_running`) or SIGINT or
    SIGTERM arrives. A front end that fails is reported and retried; the others go on."""
    for frontend in frontends:
        app.add_frontend(frontend)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    tasks = [
        asyncio.create_task(
            _supervise(app, f, stopping, keep_running), name=f"frontend-{f.platform}"
        )
        for f in frontends
    ]
    try:
        await stopping.wait()
        log.info("shutting down")
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await asyncio.gather(*(f.stop() for f in frontends), return_exceptions=True)
        _, running = await asyncio.wait(tasks, timeout=10) if tasks else (set(), set())
        for task in running:
            task.cancel()


async def _supervise(
    app: App, frontend: FrontEnd, stopping: asyncio.Event, keep_running: bool
) -> None:
    """Run one front end; when it fails, say why in /about and the log, and try again."""
    delay = FRONTEND_RETRY_FIRST
    while not stopping.is_set():
        try:
            await frontend.run()
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:200]
            app.frontend_problems[frontend.platform] = f"{problem}; retrying in {delay:.0f} s"
            log.error(
                "front end failed; retrying",
                extra={"platform": frontend.platform, "error": problem, "wait": delay},
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), delay)
            delay = min(delay * 2, FRONTEND_RETRY_CAP)
            continue
        app.frontend_problems.pop(frontend.platform, None)
        if frontend.platform == "console" and not keep_running:
            stopping.set()  # the console's script ended: the run is over
        return
