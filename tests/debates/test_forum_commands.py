"""/forum add checks before it stores, refuses what a member must not make the bot fetch, and
/forum remove undoes it: through the console, the real HTTP client and local servers."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from aiohttp import web

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse
from tests.support.apps import make_settings, running_app


async def run(app: App, line: str, role: Role = Role.STEWARD) -> str:
    out = io.StringIO()
    await ConsoleFrontEnd(app, role=role, stdin=io.StringIO(), stdout=out).handle_line(line)
    return out.getvalue()


@asynccontextmanager
async def website(answer: Callable[[web.Request], web.StreamResponse]) -> AsyncIterator[str]:
    """A web server on 127.0.0.1 that answers every path the same way."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return answer(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def listener() -> AsyncIterator[tuple[int, list[bytes]]]:
    """A plain TCP port, like Redis's, that records whatever connects to it."""
    received: list[bytes] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.read(100))
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], received
    finally:
        server.close()
        await server.wait_closed()


async def nothing_stored(app: App) -> bool:
    return "Nothing is ingested yet" in await run(app, "/sources", Role.MEMBER)


async def test_a_website_that_is_not_discourse_is_refused_and_not_stored(
    tmp_path: Path, db_url: str
) -> None:
    async with (
        running_app(make_settings(tmp_path, db_url)) as app,
        website(lambda _: web.Response(status=404, text="<h1>Not found</h1>")) as not_found,
        website(lambda _: web.Response(text="{not json", content_type="application/json")) as bad,
        website(lambda _: web.json_response({"about": "this is some other API"})) as other,
    ):
        for url, said in (
            (not_found, "answered 404"),
            (bad, "invalid JSON"),
            (other, "not as Discourse does"),
            ("http://127.0.0.1:1", "could not reach 127.0.0.1"),
        ):
            reply = await run(app, f"/forum add {url}")
            assert "is not a Discourse forum I can read" in reply and said in reply, reply
        assert await nothing_stored(app)


async def test_a_long_host_name_gets_a_short_clear_error(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url)) as app:
        reply = await run(app, f"/forum add https://{'a' * 5000}.example/")
        assert "Option `url`: has an invalid host name" in reply
        assert len(reply) < 400, "the bad value is quoted at most 100 characters"
        assert await nothing_stored(app)


async def test_urls_from_chat_never_reach_this_machine(tmp_path: Path, db_url: str) -> None:
    # No allow list here: the operator allowed nothing private.
    settings = make_settings(tmp_path, db_url, http={"allow_private": []})
    async with running_app(settings) as app, listener() as (port, received):
        for url in (
            f"http://127.0.0.1:{port}/",
            f"http://localhost:{port}/",
            f"http://0x7f000001:{port}/",
            f"http://[::ffff:127.0.0.1]:{port}/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
        ):
            reply = await run(app, f"/forum add {url}")
            assert "points at this machine or a private network" in reply, (url, reply)
        assert received == [], "not one byte was sent"
        assert await nothing_stored(app)


async def test_a_forum_asking_to_wait_a_year_is_not_waited_for(tmp_path: Path, db_url: str) -> None:
    def a_year(_: web.Request) -> web.Response:
        return web.json_response(
            {"errors": ["slow down"], "extras": {"wait_seconds": 31536000}},
            status=429,
            headers={"Retry-After": "31536000"},
        )

    async with running_app(make_settings(tmp_path, db_url)) as app, website(a_year) as url:
        started = time.monotonic()
        reply = await run(app, f"/forum add {url}")
        assert time.monotonic() - started < 5
        assert "asked to wait 31536000 s" in reply
        assert await nothing_stored(app)


async def test_forum_remove_keeps_or_deletes_what_was_stored(tmp_path: Path, db_url: str) -> None:
    forum = FakeDiscourse(generate_forum(seed=1, topics=2, debate_posts=0))
    await forum.start()
    try:
        async with running_app(make_settings(tmp_path, db_url)) as app:
            added = await run(app, f"/forum add {forum.base_url}")
            assert "Forum added" in added and "Test DAO Forum" in added
            member = await run(app, f"/forum remove {forum.base_url}", Role.MEMBER)
            assert "/forum remove is for stewards only." in member

            kept = await run(app, f"/forum remove {forum.base_url}")
            assert "No longer syncing" in kept and "stay searchable" in kept
            sources = await run(app, "/sources", Role.MEMBER)
            assert "removed, posts kept" in sources and " 0 posts" not in sources
            requests = len(forum.requests)
            await run(app, "/sync")
            assert len(forum.requests) == requests, "a removed forum is not synced"

            await run(app, f"/forum add {forum.base_url}")
            deleted = await run(app, f"/forum remove {forum.base_url} keep=no")
            assert "posts and summaries are deleted" in deleted
            assert await nothing_stored(app)
            missing = await run(app, f"/forum remove {forum.base_url}")
            assert "is not a forum of this community" in missing
    finally:
        await forum.stop()


async def test_a_since_beyond_any_calendar_is_a_clear_error(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url)) as app:
        reply = await run(app, "/summarize #general since=999999999999w", Role.MEMBER)
        assert "Option `since`: must be at most 36525d (100 years)" in reply
