"""Holdings for role rules on anvil with real token contracts: one JSON-RPC batch per rule for
every member, counted by the proxy in front of the node."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from safe_eth.eth.contracts import get_example_erc20_contract
from web3.contract import Contract

from bot.http import HttpClient
from chain.errors import NotASafe, RpcError
from chain.holdings import (
    NotAToken,
    erc20_balances,
    erc721_balances,
    erc1155_balances,
    safe_owners,
)
from chain.node import ChainNode
from tests.support.anvil import Anvil
from tests.support.nfts import erc721_contract, erc1155_contract
from tests.support.rpc_proxy import BatchRefusal, RpcProxy
from tests.support.safes import SafeContracts, create_safe, transact


@dataclass
class Counted:
    node: ChainNode
    proxy: RpcProxy


@pytest.fixture
async def counted(chain: Anvil) -> AsyncIterator[Counted]:
    async with RpcProxy(chain.url) as proxy, HttpClient() as http:
        yield Counted(ChainNode(proxy.url, http), proxy)


def call(chain: Anvil, sender: LocalAccount, contract: Contract, fn: str, *args: Any) -> None:
    data = HexBytes(contract.encode_abi(fn, args=list(args)))
    receipt = transact(chain, sender, {"to": contract.address, "data": data})
    assert receipt["status"] == 1


def members(chain: Anvil) -> list[str]:
    return [account.address for account in chain.accounts[1:9]]


async def test_erc20_balances_of_every_member_in_one_request(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    token = get_example_erc20_contract(chain.w3, safe_contracts.token)
    deployer = chain.accounts[0]
    given = {chain.accounts[1].address: 100 * 10**6, chain.accounts[2].address: 40 * 10**6 + 1}
    for holder, amount in given.items():
        call(chain, deployer, token, "transfer", holder, amount)
    addresses = members(chain)

    balances = await erc20_balances(counted.node, safe_contracts.token, addresses)

    assert balances == {a: given.get(a, 0) for a in addresses}
    assert balances == {a: token.functions.balanceOf(a).call() for a in addresses}
    stats = counted.proxy.stats
    assert (stats.requests, stats.batches, stats.calls) == (1, 1, len(addresses))
    assert stats.methods["eth_call"] == len(addresses)


async def test_balances_are_keyed_as_given_and_each_address_is_asked_once(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    deployer = safe_contracts.deployer
    forms = [deployer, deployer.lower(), chain.accounts[1].address]
    balances = await erc20_balances(counted.node, safe_contracts.token, forms)
    assert set(balances) == set(forms)
    assert balances[deployer] == balances[deployer.lower()] > 0
    assert counted.proxy.stats.calls == 2


async def test_a_large_membership_is_split_into_batches_of_max_batch(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    addresses = [f"0x{index:040x}" for index in range(1, 12)]
    balances = await erc20_balances(counted.node, safe_contracts.token, addresses, max_batch=5)
    assert balances == dict.fromkeys(addresses, 0)
    assert counted.proxy.stats.batch_sizes == [5, 5, 1]


async def test_nobody_to_check_costs_no_request(
    safe_contracts: SafeContracts, counted: Counted
) -> None:
    assert await erc20_balances(counted.node, safe_contracts.token, []) == {}
    assert await erc1155_balances(counted.node, safe_contracts.erc1155, 1, []) == {}
    assert counted.proxy.stats.requests == 0


async def test_erc721_balances_count_each_members_tokens_in_one_request(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    nft = erc721_contract(chain.w3, safe_contracts.erc721)
    minter = chain.accounts[0]
    owned = {chain.accounts[1].address: [1, 2, 3], chain.accounts[4].address: [7]}
    for holder, token_ids in owned.items():
        for token_id in token_ids:
            call(chain, minter, nft, "mint", holder, token_id)
    addresses = members(chain)

    balances = await erc721_balances(counted.node, safe_contracts.erc721, addresses)

    assert balances == {a: len(owned.get(a, [])) for a in addresses}
    assert (counted.proxy.stats.requests, counted.proxy.stats.calls) == (1, len(addresses))


async def test_erc1155_balances_of_one_id_are_one_call(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    multi = erc1155_contract(chain.w3, safe_contracts.erc1155)
    minter = chain.accounts[0]
    call(chain, minter, multi, "mint", chain.accounts[2].address, 5, 3, b"")
    call(chain, minter, multi, "mint", chain.accounts[3].address, 5, 1, b"")
    call(chain, minter, multi, "mint", chain.accounts[1].address, 6, 9, b"")  # another id
    addresses = members(chain)

    balances = await erc1155_balances(counted.node, safe_contracts.erc1155, 5, addresses)

    expected = {a: 0 for a in addresses} | {
        chain.accounts[2].address: 3,
        chain.accounts[3].address: 1,
    }
    assert balances == expected
    stats = counted.proxy.stats
    assert (stats.requests, stats.calls) == (1, 1), "balanceOfBatch: every member in one call"
    by_id_6 = await erc1155_balances(counted.node, safe_contracts.erc1155, 6, addresses)
    assert by_id_6[chain.accounts[1].address] == 9 and sum(by_id_6.values()) == 9


async def test_erc1155_over_max_batch_is_several_calls_in_one_request(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    multi = erc1155_contract(chain.w3, safe_contracts.erc1155)
    call(chain, chain.accounts[0], multi, "mint", chain.accounts[8].address, 2, 4, b"")
    addresses = members(chain)
    balances = await erc1155_balances(
        counted.node, safe_contracts.erc1155, 2, addresses, max_batch=3
    )
    assert balances[chain.accounts[8].address] == 4 and sum(balances.values()) == 4
    stats = counted.proxy.stats
    assert (stats.requests, stats.calls) == (1, 3)


async def test_safe_owners_are_read_in_one_call(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    owners = [account.address for account in chain.accounts[1:4]]
    safe = create_safe(chain, safe_contracts, owners, 2)
    found = await safe_owners(counted.node, safe)
    assert sorted(found) == sorted(owners)
    assert counted.proxy.stats.requests == 1


async def test_what_is_not_a_token_or_not_a_safe_says_so(
    chain: Anvil, safe_contracts: SafeContracts, counted: Counted
) -> None:
    account = chain.accounts[9].address  # no code: every call answers "0x"
    with pytest.raises(NotAToken):
        await erc20_balances(counted.node, account, members(chain))
    with pytest.raises(NotAToken):  # reverts: the Safe singleton has no balanceOf
        await erc721_balances(counted.node, safe_contracts.safe_l2_v141, members(chain))
    with pytest.raises(NotAToken):
        await erc1155_balances(counted.node, safe_contracts.token, 1, members(chain))
    with pytest.raises(NotASafe):
        await safe_owners(counted.node, safe_contracts.token)
    with pytest.raises(ValueError, match="not an address"):
        await erc20_balances(counted.node, safe_contracts.token, ["0x1234"])


async def test_a_node_that_fails_is_an_rpc_error(safe_contracts: SafeContracts) -> None:
    async with HttpClient() as http:
        node = ChainNode("http://127.0.0.1:9/", http)  # nothing listens on the discard port
        with pytest.raises(RpcError):
            await erc20_balances(node, safe_contracts.token, [safe_contracts.deployer])


async def test_a_node_without_batches_is_asked_call_by_call_with_the_same_answer(
    chain: Anvil, safe_contracts: SafeContracts
) -> None:
    token = get_example_erc20_contract(chain.w3, safe_contracts.token)
    call(chain, chain.accounts[0], token, "transfer", chain.accounts[3].address, 5)
    addresses = members(chain)
    async with (
        RpcProxy(chain.url, refuse_batches=BatchRefusal.JSONRPSEE) as proxy,
        HttpClient() as http,
    ):
        balances = await erc20_balances(ChainNode(proxy.url, http), token.address, addresses)
    assert balances == {a: 5 if a == chain.accounts[3].address else 0 for a in addresses}
    assert proxy.stats.requests == 1 + len(addresses)  # the refused batch, then one each
