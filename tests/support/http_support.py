"""Test doubles for `bot.http`: a stand-in for DNS, a clock that never waits, recording servers.

Real sockets throughout: `LocalServer` is an aiohttp.web server on a loopback address, and the
client under test reaches it through its real connector. Only DNS and time are replaced, by
`FakeDns` and `FakeTime`, because the real ones would reach the internet or make tests slow.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeDns(AbstractResolver):
    """A stand-in for DNS: answers names from a dict, so a test can point any name anywhere.

    `later` answers a name from its second lookup on, as a DNS-rebinding attacker's server does
    (a harmless address when the name is checked, a private one when it is used).
    """

    def __init__(
        self,
        answers: Mapping[str, Sequence[str]],
        *,
        later: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.answers = dict(answers)
        self.later = dict(later or {})
        self.queries: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        asked_before = host in self.queries
        self.queries.append(host)
        addresses = self.later.get(host) if asked_before else None
        if addresses is None:
            addresses = self.answers.get(host)
        if addresses is None:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: Name or service not known")
        results: list[ResolveResult] = []
        for address in addresses:
            address_family = (
                socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
            )
            if family in (socket.AF_UNSPEC, address_family):
                results.append(
                    {
                        "hostname": host,
                        "host": address,
                        "port": port,
                        "family": address_family,
                        "proto": 0,
                        "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                    }
                )
        return results

    async def close(self) -> None:
        pass


class FakeTime:
    """A clock that moves only when the client sleeps, and remembers every sleep it was asked."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes


@dataclass
class LocalServer:
    """An aiohttp.web server on a loopback address that records every request it is sent."""

    routes: Mapping[str, Handler]
    host: str = "127.0.0.1"
    port: int = 0  # 0: the OS picks a free port
    seen: list[SeenRequest] = field(default_factory=list)
    _runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(middlewares=[self._record])
        for path, handler in self.routes.items():
            app.router.add_route("*", path, handler)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def count(self, path: str) -> int:
        return sum(1 for request in self.seen if request.path == path)

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        self.seen.append(
            SeenRequest(request.method, request.path, dict(request.query), request.headers, body)
        )
        return await handler(request)


@asynccontextmanager
async def serve(
    routes: Mapping[str, Handler], *, host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[LocalServer]:
    server = LocalServer(routes, host, port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def respond(
    status: int = 200, body: bytes | str = b"{}", headers: Mapping[str, str] | None = None
) -> Handler:
    """A handler that always gives the same answer."""
    data = body.encode() if isinstance(body, str) else body

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=data, headers=dict(headers or {}))

    return handler


def in_turn(*handlers: Handler) -> Handler:
    """A handler that answers with each handler in turn, then keeps using the last."""
    order = itertools.chain(handlers, itertools.repeat(handlers[-1]))

    async def handler(request: web.Request) -> web.StreamResponse:
        return await next(order)(request)

    return handler


def redirect(location: str, status: int = 302) -> Handler:
    return respond(status, b"", {"Location": location})
