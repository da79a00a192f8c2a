from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.support import network_guard

pytest_plugins = ["tests.support.world", "tests.support.anvil"]

network_guard.install()
# PTB 22 warns on every RetryAfter unless it may use timedelta already; we opt in.
os.environ.setdefault("PTB_TIMEDELTA", "1")


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    from tests.support.databases import database_url

    async with database_url(request.param, tmp_path) as url:
        yield url
