"""An EVM node through web3.AsyncWeb3, over the injected HTTP transport.

Single calls go through web3 (formatting, checksummed results); calls that belong together go as
one JSON-RPC batch, each answer with its own result or error, so one failing query does not sink
the others. A node that refuses batches is remembered and sent the same calls one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from web3 import AsyncWeb3
from web3.exceptions import Web3Exception
from web3.types import RPCEndpoint

from chain.errors import RpcError
from chain.provider import TransportProvider
from chain.transport import Transport

log = logging.getLogger(__name__)

# JSON-RPC errors that mean "busy or rate limited, try later", not "no".
_BUSY_CODES = {-32005, -32603, -32000, 429}


@dataclass(frozen=True)
class Answer:
    """One call's result in a batch, or its error (code and message as the node gave them)."""

    result: Any = None
    error: RpcError | None = None
    code: int | None = None

    def value(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result


class ChainNode:
    def __init__(self, url: str, transport: Transport) -> None:
        self.url = url
        self.provider = TransportProvider(url, transport)
        self.w3 = AsyncWeb3(self.provider)
        # None until the first batch says; False once the node refused one.
        self.batches: bool | None = None

    @property
    def requests(self) -> int:
        """HTTP requests sent to this node."""
        return self.provider.posts

    async def block_number(self) -> int:
        return int(await self._web3("eth_blockNumber", self.w3.eth.get_block_number()))

    async def chain_id(self) -> int:
        return int(await self._web3("eth_chainId", self.w3.eth.chain_id))

    async def balance(self, address: str) -> int:
        return int(await self._web3("eth_getBalance", self.w3.eth.get_balance(address)))  # type: ignore[arg-type]

    async def batch(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Answer]:
        """Every call's answer, in order, in one HTTP request where the node allows it."""
        if not calls:
            return []
        requests = [(RPCEndpoint(method), params) for method, params in calls]
        if self.batches is not False:
            answers = await self.provider.make_batch_request(requests)
            if isinstance(answers, list) and len(answers) == len(calls):
                self.batches = True
                return [
                    _answer(method, raw) for (method, _), raw in zip(calls, answers, strict=True)
                ]
            log.warning(
                "the node refused a JSON-RPC batch; sending calls one by one",
                extra={"node": _origin(self.url)},
            )
            self.batches = False
        return [
            _answer(method, await self.provider.make_request(endpoint, params))
            for (method, _), (endpoint, params) in zip(calls, requests, strict=True)
        ]

    async def _web3(self, method: str, pending: Any) -> Any:
        try:
            return await pending
        except Web3Exception as exc:
            raise RpcError(
                method, str(exc), retryable=_busy(getattr(exc, "rpc_response", None))
            ) from exc


def _answer(method: str, raw: Any) -> Answer:
    if not isinstance(raw, dict):
        return Answer(error=RpcError(method, "no answer in the batch", retryable=True))
    error = raw.get("error")
    if not error:
        return Answer(result=raw.get("result"))
    code = error.get("code") if isinstance(error, dict) else None
    message = str(error.get("message", error)) if isinstance(error, dict) else str(error)
    retryable = code in _BUSY_CODES and "execution reverted" not in message
    return Answer(error=RpcError(method, message, retryable=retryable), code=code)


def _busy(response: Any) -> bool:
    error = response.get("error") if isinstance(response, dict) else None
    return isinstance(error, dict) and error.get("code") in _BUSY_CODES


def _origin(url: str) -> str:
    """The node's URL without path or query, which often carry a provider key."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0].rsplit('@', 1)[-1]}"
