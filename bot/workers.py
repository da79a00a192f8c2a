"""`steward worker <feature>`: a feature's work in a process of its own, beside the bot.

The worker opens the same configuration's database and HTTP client and gives the feature the
same context its lifespan gets in the bot, but starts nothing else: no front ends, no scheduler,
no leader election, no web server, no outbox deliverer. What the worker posts goes into the
outbox table, and the bot's deliverer (which polls it) posts it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from bot.app import App, database_url, http_policy
from bot.clock import Clock, SystemClock
from bot.context import FeatureContext
from bot.errors import ConfigError
from bot.features import Feature, migration_folders, select_features
from bot.http import HttpClient
from bot.settings import Settings
from bot.storage.database import Database

log = logging.getLogger(__name__)


def worker_feature(available: Mapping[str, Feature], settings: Settings, name: str) -> Feature:
    """The enabled feature `name`, which must have a worker."""
    enabled = {f.name: f for f in select_features(available, settings.features)}
    feature = enabled.get(name)
    if feature is None:
        raise ConfigError("features", f"the {name} feature is not enabled")
    if feature.worker is None:
        have = ", ".join(sorted(n for n, f in enabled.items() if f.worker is not None))
        raise ConfigError("features", f"the {name} feature has no worker; have: {have or 'none'}")
    return feature


@asynccontextmanager
async def worker_context(
    settings: Settings,
    available: Mapping[str, Feature],
    name: str,
    *,
    clock: Clock | None = None,
) -> AsyncIterator[FeatureContext[Any]]:
    """The context `name`'s worker runs in: the database (migrated, as `steward db upgrade`
    would), the HTTP client and the clock, and the shared mechanisms, none of them started."""
    feature = worker_feature(available, settings, name)
    features = select_features(available, settings.features)
    db = Database(
        database_url(settings),
        echo=settings.database.echo,
        busy_timeout_ms=settings.database.busy_timeout_ms,
    )
    try:
        await db.migrate(migration_folders(available))
        clock = clock or SystemClock()
        client = HttpClient(http_policy(settings), clock=clock.monotonic, sleep=clock.sleep)
        async with client as http:
            app = App(settings, db, features, http=http, clock=clock)
            yield app.context(feature)
    finally:
        await db.close()


async def run_worker(settings: Settings, available: Mapping[str, Feature], name: str) -> None:
    """Run `name`'s worker until it returns (on SIGTERM or SIGINT)."""
    async with worker_context(settings, available, name) as ctx:
        worker = available[name].worker
        if worker is not None:
            log.info("worker starting", extra={"feature": name})
            await worker(ctx)
            log.info("worker stopped", extra={"feature": name})
