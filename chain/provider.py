"""web3's async provider over the framework's HTTP transport.

web3.AsyncWeb3 does the JSON-RPC (encoding, result formatting, batches); every byte goes through
the transport handed in (in the bot, its one HTTP client: timeouts, retries, size cap), never
through a session of web3's own.
"""

from __future__ import annotations

from typing import Any, cast

import aiohttp
from web3.providers.async_base import AsyncJSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from chain.errors import RpcError
from chain.transport import Transport

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class TransportProvider(AsyncJSONBaseProvider):
    def __init__(self, url: str, transport: Transport) -> None:
        super().__init__()
        self.url = url
        self._transport = transport
        self.posts = 0  # HTTP requests sent, retries included

    async def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        body = await self._post(self.encode_rpc_request(method, params), str(method))
        if not isinstance(body, dict):
            raise RpcError(str(method), "the answer is not JSON-RPC", retryable=True)
        return cast(RPCResponse, body)

    async def make_batch_request(
        self, requests: list[tuple[RPCEndpoint, Any]]
    ) -> list[RPCResponse] | RPCResponse:
        """The batch's answers in request order, or the node's one error object when it refuses
        batches (some providers do)."""
        body = await self._post(self.encode_batch_rpc_request(requests), "batch")
        if not isinstance(body, list):
            refusal = body if isinstance(body, dict) else {"error": {"message": "not JSON-RPC"}}
            return cast(RPCResponse, refusal)
        items = [item for item in body if isinstance(item, dict)]
        if all(isinstance(item.get("id"), int) for item in items):
            items.sort(key=lambda item: int(item["id"]))  # JSON-RPC may answer in any order
        return [cast(RPCResponse, item) for item in items]

    async def _post(self, request: bytes, method: str) -> Any:
        before = self._transport.requests
        try:
            # 400 and 413 carry the node's JSON-RPC error (a refused batch, a range too large).
            response = await self._transport.request(
                "POST", self.url, data=request, headers=_HEADERS, accept=(400, 413)
            )
            return response.json()
        except aiohttp.ClientError as exc:
            retryable = bool(getattr(exc, "retryable", True))
            raise RpcError(method, str(exc) or type(exc).__name__, retryable=retryable) from exc
        finally:
            self.posts += max(1, self._transport.requests - before)

    async def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            response = await self.make_request(RPCEndpoint("web3_clientVersion"), [])
        except RpcError:
            if show_traceback:
                raise
            return False
        return "result" in response
