"""The bot's web server: served with the app when a feature adds pages, and only then."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.context import FeatureContext
from bot.features import Feature
from tests.support.apps import make_settings, running_app


async def _hello(request: web.Request) -> web.Response:
    return web.Response(text=f"hello {request.match_info['name']}")


@asynccontextmanager
async def _pages(context: FeatureContext) -> AsyncIterator[None]:
    context.web.add_routes([web.get("/hello/{name}", _hello)])
    yield None


pages = Feature(name="pages", description="A page for tests", lifespan=_pages)


async def test_a_feature_page_is_served_while_the_app_runs(tmp_path: Path, db_url: str) -> None:
    settings = make_settings(tmp_path, db_url, web={"port": 0})
    async with running_app(settings, extra=(pages,)) as app:
        assert app.web.port != 0
        url = app.web.url("/hello/alice")
        assert url == f"http://127.0.0.1:{app.web.port}/hello/alice"
        async with aiohttp.ClientSession() as client, client.get(url) as response:
            assert response.status == 200
            assert await response.text() == "hello alice"
        health = {h.name: h for h in await app.health.collect()}
        assert health["web"].ok and str(app.web.port) in health["web"].detail
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as client, client.get(url):
            pass


async def test_links_use_the_public_url_and_nothing_listens_without_pages(
    tmp_path: Path, db_url: str
) -> None:
    # Onboarding serves the signing page: without it (core alone), no feature adds a page.
    settings = make_settings(
        tmp_path,
        db_url,
        web={"port": 0, "public_url": "https://steward.example.org/"},
        features=["core"],
    )
    async with running_app(settings) as app:
        assert not app.web.running
        assert app.web.url("verify/abc") == "https://steward.example.org/verify/abc"
        assert "web" not in {h.name for h in await app.health.collect()}


async def test_a_port_in_use_is_reported_and_the_bot_runs(tmp_path: Path, db_url: str) -> None:
    first = make_settings(tmp_path, db_url, web={"port": 0})
    async with running_app(first, extra=(pages,)) as app:
        port = app.web.port
        taken = make_settings(tmp_path, db_url, web={"port": port})
        async with running_app(taken, extra=(pages,)) as second:
            (web_health,) = [h for h in await second.health.collect() if h.name == "web"]
            assert not web_health.ok
            assert web_health.detail.startswith(f"cannot listen on 127.0.0.1:{port} (")
            assert web_health.detail.endswith("set [web] port to a free one")
