"""The README's digest: the benchmark's community (bench/digest_world.py) built into one
steward's 7-day digest by the real app, offline (no model call), rendered as Discord shows it
(one embed), with digest.md and its chart.

    PYTHONPATH=. .venv/bin/python docs/digests/readme_example.py

Prints the digest's fields as the Discord embed holds them; writes docs/digests/readme-digest.png
and readme-digest.md.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import digest_world as world
from bench.digest import SEED, SLUG, BenchClock, build, settings_for
from cogs.digests.render import digest_reply
from tests.fakes.openai_server import FakeOpenAI
from tests.support.apps import running_app

HERE = Path(__file__).parent


async def main() -> None:
    now = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        async with FakeOpenAI(api_key="bench") as fake:
            reader_id = world.steward(SEED).discord_id
            settings = settings_for(
                tmp, f"sqlite:///{tmp / 'steward.db'}", fake.base_url, reader_id
            )
            async with running_app(settings, extra=(), clock=BenchClock(now)) as app:
                community = await app.communities.by_slug(SLUG)
                assert community is not None
                ingest = app.runtimes["debates"].ingest
                bench = await world.populate(app.db, ingest, community, now, SEED)
                digest = await build(app, bench, timedelta(days=7), False)
    # What the steward sees in Discord: one embed, a field per section, cut to fit.
    shown = digest_reply(digest, "discord")
    print(shown.title)
    for field in shown.fields:
        print(f"\n{field.name}\n{field.value}")
    if shown.footer:
        print(f"\n{shown.footer}")
    reply = digest_reply(digest, "console")
    for attachment in reply.files:
        name = {"digest.md": "readme-digest.md", "activity.png": "readme-digest.png"}.get(
            attachment.filename
        )
        if name:
            (HERE / name).write_bytes(attachment.data)
            print(f"(attached {attachment.filename}, {len(attachment.data):,} bytes)")


if __name__ == "__main__":
    asyncio.run(main())
