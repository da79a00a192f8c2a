"""The bot's own small web server, for pages a member opens from chat (the wallet signing page).

Features add routes from their lifespan (`context.web.add_routes`); the server listens on
`[web] host:port` and links are built from `[web] public_url`, the address members reach it at
(behind the operator's reverse proxy). With no routes added, nothing listens.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiohttp import web

from bot.frontend import Health

log = logging.getLogger(__name__)


class WebServer:
    def __init__(
        self,
        public_url: str | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
    ) -> None:
        self.host = host
        self.port = port
        # None: links point at host:port as bound (port 0 picks a free one, for tests).
        self._public_url = public_url.rstrip("/") if public_url else None
        self._routes: list[web.AbstractRouteDef] = []
        self._runner: web.AppRunner | None = None
        self._problem: str | None = None

    def add_routes(self, routes: Iterable[web.AbstractRouteDef]) -> None:
        if self._runner is not None:
            raise RuntimeError("routes must be added before the web server starts")
        self._routes.extend(routes)

    @property
    def routes(self) -> list[web.AbstractRouteDef]:
        return list(self._routes)

    @property
    def public_url(self) -> str:
        if self._public_url is not None:
            return self._public_url
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    def url(self, path: str) -> str:
        """The public link to a path of this server, for a member to open."""
        return f"{self.public_url}/{path.lstrip('/')}"

    async def start(self) -> None:
        """Listen when some feature added routes; nothing otherwise. A port that cannot be
        bound does not stop the bot (its pages are a convenience: what they do can be done in
        chat): it is logged and reported by /about's health, with what to change."""
        if not self._routes or self._runner is not None:
            return
        app = web.Application(client_max_size=64 * 1024)
        app.add_routes(self._routes)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            self._problem = (
                f"cannot listen on {self.host}:{self.port} ({exc.strerror or exc}); "
                "set [web] port to a free one"
            )
            log.warning("web server not started", extra={"reason": self._problem})
            return
        self._problem = None
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        log.info("web server listening", extra={"host": self.host, "port": self.port})

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def health(self) -> list[Health]:
        if not self._routes:
            return []
        if self._runner is None:
            return [Health("web", False, self._problem or "not listening")]
        return [Health("web", True, f"{self.host}:{self.port}, links {self.public_url}")]
