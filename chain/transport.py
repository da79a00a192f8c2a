"""What chain/ needs from an HTTP client: the framework's (timeouts, retries, size caps) in the
bot, a plain one in tools. Failures are raised as aiohttp.ClientError subclasses."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, Protocol


class Response(Protocol):
    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    def json(self) -> Any: ...


class Transport(Protocol):
    requests: int

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        credentials: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        retry: bool = True,
        accept: Collection[int] = (),
    ) -> Response: ...
