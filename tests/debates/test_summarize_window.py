"""A long channel is summarized over a recent window by default, chosen in SQL, and the reply
says which part it read and how to ask for more."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from cogs.debates.models import Summary
from cogs.debates.service import DEFAULT_WINDOW, WINDOW_STEP
from summarizer.schema import Provenance
from tests.debates.channel_store import store_channel
from tests.support.apps import make_settings, running_app

MESSAGES = 2_600  # the window: the newest 2,100 (its start moves in steps of 500)


def an_hour_ago() -> datetime:
    """When the channel's last message was written: taken when a test starts, not when the
    module is imported (a busy run reaches the last test many minutes later)."""
    return datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)


async def run(app: App, line: str) -> str:
    out = io.StringIO()
    console = ConsoleFrontEnd(app, role=Role.STEWARD, stdin=io.StringIO(), stdout=out)
    await console.handle_line(line)
    return out.getvalue()


@pytest.fixture
def end() -> datetime:
    return an_hour_ago()


@pytest.fixture
async def app(tmp_path: Path, db_url: str, end: datetime) -> AsyncIterator[App]:
    async with running_app(make_settings(tmp_path, db_url)) as running:
        await run(running, "/sources")  # creates the local community
        await store_channel(running, "governance", MESSAGES, end=end)
        yield running


async def latest_provenance(app: App) -> Provenance:
    async with app.db.read() as session:
        row = (await session.exec(select(Summary).order_by(col(Summary.id).desc()))).first()
    assert row is not None
    return Provenance.model_validate(row.content["provenance"])


async def test_a_long_channel_is_summarized_over_a_stated_recent_window(
    app: App, end: datetime
) -> None:
    reply = await run(app, "/summarize #governance")

    window = MESSAGES - (MESSAGES - DEFAULT_WINDOW) // WINDOW_STEP * WINDOW_STEP
    assert window == 2_100
    oldest = end - timedelta(minutes=window - 1)
    day = f"{oldest.day} {oldest:%b %Y}"
    assert f"Last 2,100 messages (since {day}) of 2,600; `/summarize #governance since=7d`" in reply
    assert "Offline extractive summarizer · 2100 messages" in reply
    provenance = await latest_provenance(app)
    assert provenance.posts_covered == 2_100
    assert provenance.window is not None
    assert (provenance.window.posts, provenance.window.total) == (2_100, 2_600)
    assert provenance.window.since == oldest

    # New messages leave the window's start where it was until it has grown by a step.
    await store_channel(app, "governance", 3, first_number=MESSAGES)
    again = await run(app, "/summarize #governance")
    assert "Last 2,103 messages" in again and "of 2,603;" in again


async def test_since_reads_the_period_asked_for(app: App) -> None:
    everything = await run(app, "/summarize #governance since=30d")
    assert "Offline extractive summarizer · 2600 messages" in everything
    assert "Last " not in everything and "Newest " not in everything

    recent = await run(app, "/summarize #governance since=3h")
    match = re.search(r"Offline extractive summarizer · (\d+) messages", recent)
    assert match is not None and 115 <= int(match.group(1)) <= 121, "two hours of messages"
    assert (await latest_provenance(app)).window is None
