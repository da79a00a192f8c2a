"""A JSON-RPC proxy in front of the test node that counts traffic and can act like a hosted
provider's limits.

`RpcProxy(anvil.url)` is an aiohttp server on 127.0.0.1 (a free port) that forwards every POST
to the node. It always counts (HTTP requests, request and response bytes, JSON-RPC calls
including those inside batches, methods; `stats`, `reset()`), and optionally:

* refuses `eth_getLogs` over more than `max_log_blocks` blocks with a hosted provider's error
  (`range_error`, one of the `RangeError` presets), alone or inside a batch: the other calls of
  the batch are forwarded and answered normally, in the order they came;
* refuses every batch (`refuse_batches`, one of the `BatchRefusal` presets) with one error object
  whose id is null, as a provider without batch support does.

The block range counts both ends: fromBlock 5, toBlock 14 is 10 blocks. Tags are resolved the
way a node would: "earliest" is 0, "latest" / "pending" / "safe" / "finalized" (and a missing
fromBlock or toBlock) the node's current head; a filter by blockHash has no range.

Error wordings, each from what a provider was seen to answer (the message templates below fill
in the limit and the suggested range):

* `RangeError.ALCHEMY`: -32600 "You can make eth_getLogs requests with up to a 500 block range.
  Based on your parameters, this block range should work: [0x123c9b2, 0x123cba5]" (Alchemy
  free tier, quoted in BobTheBuidler/dank_mids#772 and risc0/risc0-ethereum#656, 2025).
* `RangeError.ALCHEMY_LEGACY`: -32602 "Log response size exceeded. You can make eth_getLogs
  requests with up to a 2K block range and no limit on the response size, or you can request any
  block range with a cap of 10K logs in the response. Based on your parameters and the response
  size limit, this block range should work: [0x0, 0x87fe9]" (Alchemy, ethereum/go-ethereum#25343).
* `RangeError.INFURA`: -32005 "query returned more than 10000 results" (Infura's eth_getLogs
  documentation, "Constraints"; quoted in status-im/nimbus-eth2#1823 and many others).
* `RangeError.INFURA_RANGE`: -32602 "range 1000000 exceeds limit of 10000" (what mainnet.infura.io
  answers for a range over 10,000 blocks, INFURA/infura#237, 2026).
* `RangeError.QUICKNODE`: HTTP 413 with -32614 "eth_getLogs is limited to a 10,000 range"
  (OffchainLabs/arbitrum-sdk#609, 2025).
* `BatchRefusal.JSONRPSEE`: -32005 "Batched requests are not supported by this server", id null
  (paritytech/jsonrpsee `types/src/error.rs`, the server behind several Rust nodes, with batches
  disabled; Amazon Managed Blockchain's docs say only "JSON-RPC batch requests are also not
  supported").
* `BatchRefusal.HTTP_400`: HTTP 400 with -32600 "Batch requests are not supported", id null: the
  generic JSON-RPC "Invalid Request" answer of a server that takes only single objects.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

from aiohttp import ClientSession, ClientTimeout, web

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class ProviderError:
    """How a provider refuses: the JSON-RPC error code, the message (a `str.format` template)
    and the HTTP status of an answer to a single call (a batch's answer is always 200)."""

    code: int
    message: str
    http_status: int = 200

    def error(self, **values: Any) -> JsonObject:
        return {"code": self.code, "message": self.message.format(**values)}


class RangeError:
    """Presets for `RpcProxy(range_error=...)`; see the module docstring for their sources.

    Template fields: limit (500), limit_k (2K when a multiple of 1000), limit_commas (10,000),
    span (blocks asked for), from_hex / suggested_to_hex (the range that would have worked).
    """

    ALCHEMY: ClassVar[ProviderError] = ProviderError(
        -32600,
        "You can make eth_getLogs requests with up to a {limit} block range. Based on your "
        "parameters, this block range should work: [{from_hex}, {suggested_to_hex}]",
    )
    ALCHEMY_LEGACY: ClassVar[ProviderError] = ProviderError(
        -32602,
        "Log response size exceeded. You can make eth_getLogs requests with up to a {limit_k} "
        "block range and no limit on the response size, or you can request any block range with "
        "a cap of 10K logs in the response. Based on your parameters and the response size "
        "limit, this block range should work: [{from_hex}, {suggested_to_hex}]",
    )
    INFURA: ClassVar[ProviderError] = ProviderError(
        -32005, "query returned more than 10000 results"
    )
    INFURA_RANGE: ClassVar[ProviderError] = ProviderError(
        -32602, "range {span} exceeds limit of {limit}"
    )
    QUICKNODE: ClassVar[ProviderError] = ProviderError(
        -32614, "eth_getLogs is limited to a {limit_commas} range", http_status=413
    )


class BatchRefusal:
    """Presets for `RpcProxy(refuse_batches=...)`; see the module docstring for their sources."""

    JSONRPSEE: ClassVar[ProviderError] = ProviderError(
        -32005, "Batched requests are not supported by this server"
    )
    HTTP_400: ClassVar[ProviderError] = ProviderError(
        -32600, "Batch requests are not supported", http_status=400
    )


@dataclass
class ProxyStats:
    """What clients sent through the proxy since it started or was last reset."""

    requests: int = 0  # HTTP requests
    batches: int = 0  # HTTP requests whose body was a JSON array
    calls: int = 0  # JSON-RPC calls, counting each member of a batch
    request_bytes: int = 0  # request bodies
    response_bytes: int = 0  # response bodies
    refused: int = 0  # calls the proxy answered with an injected error instead of forwarding
    methods: Counter[str] = field(default_factory=Counter)
    batch_sizes: list[int] = field(default_factory=list)


class RpcProxy:
    """The proxy; `async with RpcProxy(anvil.url, ...) as proxy:` and point a client at
    `proxy.url`."""

    def __init__(
        self,
        upstream: str,
        *,
        max_log_blocks: int | None = None,
        range_error: ProviderError = RangeError.ALCHEMY,
        refuse_batches: ProviderError | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.upstream = upstream
        self.max_log_blocks = max_log_blocks
        self.range_error = range_error
        self.refuse_batches = refuse_batches
        self.stats = ProxyStats()
        self.upstream_requests = 0  # including the proxy's own eth_blockNumber look-ups
        self.url = ""
        self._timeout = ClientTimeout(total=timeout)
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None

    def reset(self) -> None:
        """Start counting afresh."""
        self.stats = ProxyStats()
        self.upstream_requests = 0

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        # trust_env stays False: HTTP(S)_PROXY must not route the loopback hop anywhere else.
        self._session = ClientSession(timeout=self._timeout)
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> RpcProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- handling --------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        stats = self.stats
        stats.requests += 1
        stats.request_bytes += len(body)
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = None  # not JSON: the node answers its own parse error

        head = _Head(self)
        if isinstance(payload, list):
            stats.batches += 1
            stats.batch_sizes.append(len(payload))
            stats.calls += len(payload)
            stats.methods.update(_method(call) for call in payload)
            if self.refuse_batches is not None:
                stats.refused += len(payload)
                answer: Any = _error_response(None, self.refuse_batches.error())
                return self._reply(answer, self.refuse_batches.http_status)
            return self._reply(await self._batch(payload, head))

        if isinstance(payload, dict):
            stats.calls += 1
            stats.methods[_method(payload)] += 1
            error = await self._range_check(payload, head)
            if error is not None:
                stats.refused += 1
                return self._reply(
                    _error_response(payload.get("id"), error), self.range_error.http_status
                )
        status, raw = await self._forward(body)
        stats.response_bytes += len(raw)
        return web.Response(status=status, body=raw, content_type="application/json")

    async def _batch(self, calls: list[Any], head: _Head) -> list[Any]:
        injected: dict[int, JsonObject] = {}
        for index, call in enumerate(calls):
            error = await self._range_check(call, head) if isinstance(call, dict) else None
            if error is not None:
                injected[index] = _error_response(call.get("id"), error)
        self.stats.refused += len(injected)
        passed = [call for index, call in enumerate(calls) if index not in injected]
        answers: list[Any] = []
        if passed:
            _, raw = await self._forward(json.dumps(passed).encode())
            decoded = json.loads(raw)
            if not isinstance(decoded, list):  # the node refused the batch as a whole
                return [decoded]
            answers = decoded
        by_id = {_key(answer.get("id")): answer for answer in answers if isinstance(answer, dict)}
        merged: list[Any] = []
        for index, call in enumerate(calls):
            if index in injected:
                merged.append(injected[index])
            elif isinstance(call, dict) and "id" in call and _key(call["id"]) in by_id:
                merged.append(by_id.pop(_key(call["id"])))
        # Anything the node answered that was not matched by id (invalid members) goes last.
        merged.extend(by_id.values())
        return merged

    async def _range_check(self, call: JsonObject, head: _Head) -> JsonObject | None:
        """The provider's error if `call` is an eth_getLogs over too many blocks, else None."""
        limit = self.max_log_blocks
        if limit is None or call.get("method") != "eth_getLogs":
            return None
        params = call.get("params")
        criteria = params[0] if isinstance(params, list) and params else {}
        if not isinstance(criteria, dict) or criteria.get("blockHash") is not None:
            return None
        start = await head.resolve(criteria.get("fromBlock"))
        end = await head.resolve(criteria.get("toBlock"))
        if start is None or end is None or end - start + 1 <= limit:
            return None  # in range, or malformed: the node answers for itself
        return self.range_error.error(
            limit=limit,
            limit_k=f"{limit // 1000}K" if limit % 1000 == 0 else str(limit),
            limit_commas=f"{limit:,}",
            span=end - start + 1,
            from_hex=hex(start),
            suggested_to_hex=hex(start + limit - 1),
        )

    async def _forward(self, body: bytes) -> tuple[int, bytes]:
        if self._session is None:
            raise RuntimeError("RpcProxy is not started")
        self.upstream_requests += 1
        async with self._session.post(
            self.upstream, data=body, headers={"Content-Type": "application/json"}
        ) as response:
            return response.status, await response.read()

    def _reply(self, answer: Any, status: int = 200) -> web.Response:
        raw = json.dumps(answer).encode()
        self.stats.response_bytes += len(raw)
        return web.Response(status=status, body=raw, content_type="application/json")


class _Head:
    """Block tags resolved against the node, asking for the head at most once per request."""

    def __init__(self, proxy: RpcProxy) -> None:
        self._proxy = proxy
        self._number: int | None = None

    async def resolve(self, tag: Any) -> int | None:
        if tag is None or tag in ("latest", "pending", "safe", "finalized"):
            return await self._head()
        if tag == "earliest":
            return 0
        if isinstance(tag, int):
            return tag
        if isinstance(tag, str) and tag.startswith("0x"):
            try:
                return int(tag, 16)
            except ValueError:
                return None
        return None

    async def _head(self) -> int:
        if self._number is None:
            query = {"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}
            _, raw = await self._proxy._forward(json.dumps(query).encode())
            self._number = int(json.loads(raw)["result"], 16)
        return self._number


def _method(call: Any) -> str:
    method = call.get("method") if isinstance(call, dict) else None
    return method if isinstance(method, str) else "(invalid)"


def _key(request_id: Any) -> str:
    # 1 and "1" are different ids; json.dumps keeps them apart.
    return json.dumps(request_id)


def _error_response(request_id: Any, error: JsonObject) -> JsonObject:
    return {"jsonrpc": "2.0", "id": request_id, "error": error}


__all__ = ["BatchRefusal", "ProviderError", "ProxyStats", "RangeError", "RpcProxy"]
