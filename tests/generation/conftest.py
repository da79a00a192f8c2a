"""The generation tests' fixtures.

The job suite (test_jobs*.py, test_commands*.py) runs once per queue engine in QUEUE_KINDS. The
external engine's part adds its kind here and what its settings are (`queue_settings`), and
starts its workers in `queue_workers`; the tests themselves wait on the database, not on a
queue, so they hold for every engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.app import App
from tests.generation.saq_support import saq_settings, workers_in_test

# Engines the job suite runs on.
QUEUE_KINDS = ["in-process", "saq"]


def queue_settings(kind: str) -> dict[str, Any]:
    """The [generation.jobs] keys that select (and configure) the engine."""
    return saq_settings() if kind == "saq" else {"queue": kind}


@asynccontextmanager
async def queue_workers(kind: str, app: App) -> AsyncIterator[None]:
    """Workers outside the app (an external engine's) for the time of a test; the in-process
    queue's workers run inside the app. saq's run in the test's event loop, through the local
    Redis, on the app's job dependencies (the suite's back end lives in the test)."""
    if kind != "saq":
        yield
        return
    async with workers_in_test(app):
        yield


@pytest.fixture(params=QUEUE_KINDS)
def queue_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)
