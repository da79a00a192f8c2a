"""A small async JSON-RPC client for EVM nodes over an injected HTTP transport.

The transport (the framework's HTTP client) owns timeouts, HTTP-level retries and size caps;
this client adds what is JSON-RPC's own: node errors that mean "busy, try again" are retried
with backoff, and requests are counted (the benchmark measures requests per block).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
from collections.abc import Sequence
from typing import Any

import aiohttp

from chain.errors import RpcError
from chain.transport import Transport

log = logging.getLogger(__name__)

# JSON-RPC errors worth retrying: the node is busy or rate limiting, not telling us "no".
_RETRYABLE_CODES = {-32005, -32603, -32000, 429}


class JsonRpc:
    def __init__(
        self,
        url: str,
        transport: Transport,
        *,
        attempts: int = 5,
        backoff: float = 0.5,
    ) -> None:
        self.url = url
        self._transport = transport
        self._attempts = attempts
        self._backoff = backoff
        self._ids = itertools.count(1)
        self.requests = 0

    async def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        problem = "no attempt"
        for attempt in range(self._attempts):
            body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
            before = self._transport.requests
            try:
                response = await self._transport.request("POST", self.url, json=body)
                data = response.json()
            except aiohttp.ClientError as exc:
                retryable = bool(getattr(exc, "retryable", True))
                raise RpcError(method, str(exc) or type(exc).__name__, retryable=retryable) from exc
            finally:
                self.requests += max(1, self._transport.requests - before)
            error = data.get("error") if isinstance(data, dict) else {"message": "bad reply"}
            if not error:
                return data.get("result")
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
            if code not in _RETRYABLE_CODES or "execution reverted" in message:
                raise RpcError(method, message, retryable=False)
            problem = message
            await self._wait(attempt, method, problem)
        raise RpcError(method, f"{problem} after {self._attempts} attempts", retryable=True)

    async def _wait(self, attempt: int, method: str, problem: str) -> None:
        if attempt + 1 >= self._attempts:
            return
        delay = min(30.0, self._backoff * 2.0**attempt) * (0.5 + random.random() / 2)
        log.warning(
            "RPC call failed; retrying",
            extra={"method": method, "problem": problem, "wait": round(delay, 2)},
        )
        await asyncio.sleep(delay)

    async def block_number(self) -> int:
        return int(await self.call("eth_blockNumber"), 16)

    async def chain_id(self) -> int:
        return int(await self.call("eth_chainId"), 16)

    async def block_hash(self, number: int) -> str | None:
        block = await self.call("eth_getBlockByNumber", [hex(number), False])
        return block.get("hash") if isinstance(block, dict) else None

    async def get_logs(self, filter_params: dict[str, Any]) -> list[dict[str, Any]]:
        logs = await self.call("eth_getLogs", [filter_params])
        return list(logs or [])

    async def eth_call(self, to: str, data: str, block: str = "latest") -> str:
        return str(await self.call("eth_call", [{"to": to, "data": data}, block]))

    async def balance(self, address: str, block: str = "latest") -> int:
        return int(await self.call("eth_getBalance", [address, block]), 16)

    async def transaction(self, tx_hash: str) -> dict[str, Any] | None:
        found = await self.call("eth_getTransactionByHash", [tx_hash])
        return found if isinstance(found, dict) else None
