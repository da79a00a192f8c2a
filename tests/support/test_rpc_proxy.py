"""The JSON-RPC proxies in front of anvil, driven with plain aiohttp."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aiohttp import ClientSession
from hexbytes import HexBytes

from tests.support.anvil import Anvil
from tests.support.chain_checks import ALICE
from tests.support.rpc_proxy import BatchRefusal, ProviderError, RangeError, RpcProxy
from tests.support.safes import SafeContracts, Topic, transact


def call(method: str, params: list[Any] | None = None, request_id: Any = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or []}


def get_logs(start: int | str, end: int | str, request_id: Any = 1, **extra: Any) -> dict[str, Any]:
    def tag(block: int | str) -> str:
        return hex(block) if isinstance(block, int) else block

    return call(
        "eth_getLogs", [{"fromBlock": tag(start), "toBlock": tag(end), **extra}], request_id
    )


async def post(url: str, payload: Any) -> tuple[int, Any, bytes]:
    """(HTTP status, decoded body, raw body) of one POST, as any JSON-RPC client sends it."""
    raw_request = json.dumps(payload).encode()
    async with (
        ClientSession() as http,
        http.post(url, data=raw_request, headers={"Content-Type": "application/json"}) as reply,
    ):
        raw = await reply.read()
        return reply.status, json.loads(raw), raw


def token_transfers(chain: Anvil, contracts: SafeContracts, count: int) -> list[int]:
    """`count` ERC-20 transfers, one block each; their block numbers."""
    token = chain.w3.eth.contract(address=contracts.token, abi=_erc20_transfer_abi())
    blocks = []
    for amount in range(1, count + 1):
        data = HexBytes(token.encode_abi("transfer", args=[ALICE, amount]))
        receipt = transact(chain, chain.accounts[0], {"to": contracts.token, "data": data})
        blocks.append(int(receipt["blockNumber"]))
    return blocks


def _erc20_transfer_abi() -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "name": "transfer",
            "stateMutability": "nonpayable",
            "inputs": [{"name": "to", "type": "address"}, {"name": "value", "type": "uint256"}],
            "outputs": [{"name": "", "type": "bool"}],
        }
    ]


# -- counting ------------------------------------------------------------------------------------


async def test_counts_requests_bytes_and_calls_inside_batches(chain: Anvil) -> None:
    async with RpcProxy(chain.url) as proxy:
        assert proxy.url.startswith("http://127.0.0.1:")
        single = call("eth_chainId")
        status, answer, raw = await post(proxy.url, single)
        assert (status, answer["result"]) == (200, hex(chain.chain_id))
        assert proxy.stats.requests == proxy.stats.calls == 1
        assert proxy.stats.request_bytes == len(json.dumps(single).encode())
        assert proxy.stats.response_bytes == len(raw)

        batch = [call("eth_blockNumber", request_id=i) for i in (1, 2)] + [
            call("eth_chainId", request_id=3)
        ]
        status, answers, raw_batch = await post(proxy.url, batch)
        assert status == 200
        assert [a["id"] for a in answers] == [1, 2, 3]
        assert answers[0]["result"] == hex(chain.block_number())

        stats = proxy.stats
        assert (stats.requests, stats.batches, stats.calls) == (2, 1, 4)
        assert stats.batch_sizes == [3]
        assert stats.methods == {"eth_chainId": 2, "eth_blockNumber": 2}
        assert stats.request_bytes == len(json.dumps(single)) + len(json.dumps(batch))
        assert stats.response_bytes == len(raw) + len(raw_batch)
        assert stats.refused == 0
        assert proxy.upstream_requests == 2

        proxy.reset()
        assert (proxy.stats.requests, proxy.stats.calls, proxy.stats.request_bytes) == (0, 0, 0)
        assert not proxy.stats.methods and proxy.upstream_requests == 0
        await post(proxy.url, call("eth_chainId"))
        assert proxy.stats.requests == 1


async def test_passes_the_nodes_own_errors_through(chain: Anvil) -> None:
    async with RpcProxy(chain.url) as proxy:
        _, answer, _ = await post(proxy.url, call("no_such_method"))
        assert answer["error"]["code"] == -32601
        assert proxy.stats.methods == {"no_such_method": 1}


# -- eth_getLogs range limits --------------------------------------------------------------------


async def test_logs_within_the_limit_come_from_the_node(
    chain: Anvil, safe_contracts: SafeContracts
) -> None:
    blocks = token_transfers(chain, safe_contracts, 3)
    async with RpcProxy(chain.url, max_log_blocks=3) as proxy:
        status, answer, _ = await post(
            proxy.url, get_logs(blocks[0], blocks[-1], address=safe_contracts.token)
        )
    assert status == 200
    assert [int(log["blockNumber"], 16) for log in answer["result"]] == blocks
    assert {log["topics"][0] for log in answer["result"]} == {Topic.ERC20_TRANSFER}
    assert proxy.stats.refused == 0


@pytest.mark.parametrize(
    ("style", "code", "message", "status"),
    [
        (
            RangeError.ALCHEMY,
            -32600,
            "You can make eth_getLogs requests with up to a 10 block range. Based on your "
            "parameters, this block range should work: [0x5, 0xe]",
            200,
        ),
        (
            RangeError.ALCHEMY_LEGACY,
            -32602,
            "Log response size exceeded. You can make eth_getLogs requests with up to a 10 block "
            "range and no limit on the response size, or you can request any block range with a "
            "cap of 10K logs in the response. Based on your parameters and the response size "
            "limit, this block range should work: [0x5, 0xe]",
            200,
        ),
        (RangeError.INFURA, -32005, "query returned more than 10000 results", 200),
        (RangeError.INFURA_RANGE, -32602, "range 11 exceeds limit of 10", 200),
        (RangeError.QUICKNODE, -32614, "eth_getLogs is limited to a 10 range", 413),
    ],
    ids=["alchemy", "alchemy-legacy", "infura", "infura-range", "quicknode"],
)
async def test_a_range_one_block_too_wide_gets_the_providers_error(
    chain: Anvil, style: ProviderError, code: int, message: str, status: int
) -> None:
    chain.mine(20)
    async with RpcProxy(chain.url, max_log_blocks=10, range_error=style) as proxy:
        assert "result" in (await post(proxy.url, get_logs(5, 14)))[1]  # 10 blocks: fine
        got_status, answer, _ = await post(proxy.url, get_logs(5, 15, request_id="q"))
    assert got_status == status
    assert answer == {"jsonrpc": "2.0", "id": "q", "error": {"code": code, "message": message}}
    assert proxy.stats.refused == 1
    assert proxy.upstream_requests == 1  # only the allowed query; numbers need no look-up


async def test_the_2k_wording(chain: Anvil) -> None:
    async with RpcProxy(
        chain.url, max_log_blocks=2000, range_error=RangeError.ALCHEMY_LEGACY
    ) as proxy:
        # Refused on the numbers alone: the blocks need not exist.
        _, answer, _ = await post(proxy.url, get_logs(0, 2000))
    assert "with up to a 2K block range" in answer["error"]["message"]
    assert answer["error"]["message"].endswith("this block range should work: [0x0, 0x7cf]")
    assert proxy.upstream_requests == 0


async def test_block_tags_are_resolved_like_the_node_does(chain: Anvil) -> None:
    chain.mine(20)
    head = chain.block_number()
    async with RpcProxy(chain.url, max_log_blocks=10) as proxy:
        # No fromBlock/toBlock means latest..latest; earliest is block 0.
        assert "result" in (await post(proxy.url, call("eth_getLogs", [{}])))[1]
        _, answer, _ = await post(proxy.url, get_logs("earliest", "latest"))
        assert answer["error"]["message"].endswith("should work: [0x0, 0x9]")
        assert "result" in (await post(proxy.url, get_logs(head - 9, "latest")))[1]
        _, answer, _ = await post(proxy.url, get_logs(head - 10, "pending"))
        assert answer["error"]["code"] == -32600
        _, answer, _ = await post(proxy.url, get_logs(head - 10, "finalized"))
        assert answer["error"]["code"] == -32600
        # A block hash names one block: never a range error.
        block_hash = chain.w3.eth.get_block(head)["hash"].to_0x_hex()
        _, answer, _ = await post(proxy.url, call("eth_getLogs", [{"blockHash": block_hash}]))
        assert answer["result"] == []
    assert proxy.stats.refused == 3


async def test_range_errors_inside_a_batch_leave_the_other_calls_alone(
    chain: Anvil, safe_contracts: SafeContracts
) -> None:
    blocks = token_transfers(chain, safe_contracts, 2)
    chain.mine(10)
    batch = [
        call("eth_chainId", request_id=1),
        get_logs(0, "latest", request_id=2),
        get_logs(blocks[0], blocks[1], request_id=3, address=safe_contracts.token),
        get_logs("earliest", "latest", request_id=4),
        call("eth_blockNumber", request_id=5),
    ]
    async with RpcProxy(chain.url, max_log_blocks=5, range_error=RangeError.INFURA) as proxy:
        status, answers, _ = await post(proxy.url, batch)
    assert status == 200
    assert [a["id"] for a in answers] == [1, 2, 3, 4, 5]
    assert answers[0]["result"] == hex(chain.chain_id)
    for refused in (answers[1], answers[3]):
        assert refused["error"] == {
            "code": -32005,
            "message": "query returned more than 10000 results",
        }
    assert len(answers[2]["result"]) == 2
    assert int(answers[4]["result"], 16) == chain.block_number()
    assert proxy.stats.refused == 2
    assert (proxy.stats.batches, proxy.stats.calls) == (1, 5)
    assert proxy.stats.methods["eth_getLogs"] == 3


async def test_a_batch_of_only_refused_calls_never_reaches_the_node(chain: Anvil) -> None:
    chain.mine(10)
    async with RpcProxy(chain.url, max_log_blocks=2) as proxy:
        _, answers, _ = await post(proxy.url, [get_logs(0, 9, request_id=i) for i in (7, 8)])
    assert [a["id"] for a in answers] == [7, 8]
    assert all(a["error"]["code"] == -32600 for a in answers)
    assert proxy.upstream_requests == 0


# -- providers without batches -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("refusal", "status", "code", "message"),
    [
        (BatchRefusal.JSONRPSEE, 200, -32005, "Batched requests are not supported by this server"),
        (BatchRefusal.HTTP_400, 400, -32600, "Batch requests are not supported"),
    ],
    ids=["jsonrpsee", "http-400"],
)
async def test_batches_refused_as_a_whole(
    chain: Anvil, refusal: ProviderError, status: int, code: int, message: str
) -> None:
    async with RpcProxy(chain.url, refuse_batches=refusal) as proxy:
        got_status, answer, _ = await post(
            proxy.url, [call("eth_chainId", request_id=1), call("eth_blockNumber", request_id=2)]
        )
        assert got_status == status
        # One error object for the whole batch, not an array: the id is unknown, so null.
        assert answer == {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": message}}

        # Single calls still go through.
        single_status, single, _ = await post(proxy.url, call("eth_chainId"))
        assert (single_status, single["result"]) == (200, hex(chain.chain_id))

    assert (proxy.stats.requests, proxy.stats.batches, proxy.stats.calls) == (2, 1, 3)
    assert proxy.stats.refused == 2
    assert proxy.upstream_requests == 1
