"""The bot's own small web server, for pages a member opens from chat (the wallet signing page).

Features add routes from their lifespan (`context.web.add_routes`); the server listens on
`[web] host:port` and links are built from `[web] public_url`, the address members reach it at
(behind the operator's reverse proxy). With no routes added, nothing listens.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web


class WebServer:
    def __init__(self, public_url: str = "http://127.0.0.1:8080") -> None:
        self.public_url = public_url.rstrip("/")
        self._routes: list[web.AbstractRouteDef] = []

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        self._routes.extend(routes)

    @property
    def routes(self) -> list[web.AbstractRouteDef]:
        return list(self._routes)

    def url(self, path: str) -> str:
        """The public link to a path of this server, for a member to open."""
        return f"{self.public_url}/{path.lstrip('/')}"
