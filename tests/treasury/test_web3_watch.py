"""The watcher on web3 and safe-eth-py, on anvil with real contracts: every Safe version, every
MultiSend deployment the library knows, batches through unknown contracts shown, NFTs, and one
HTTP request per poll through a counting proxy, with providers that refuse long ranges or
batches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_account import Account

from tests.support.anvil import Anvil
from tests.support.multisend import deploy_multisend, known_multisends, place_multisend
from tests.support.rpc_proxy import BatchRefusal, ProviderError, RangeError, RpcProxy
from tests.support.safes import SafeContracts, deploy_safe_contracts
from tests.support.treasury import new_safe, watching


def sqlite(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'steward.db'}"


@pytest.mark.parametrize("chain_id", [1, 324])
async def test_a_batch_through_every_multisend_the_library_knows_is_a_normal_batch(
    tmp_path: Path, chain_id: int
) -> None:
    # A chain configured with chain id 324 knows zkSync Era's deployments; 1 knows mainnet's.
    with Anvil(chain_id=chain_id) as node:
        contracts = deploy_safe_contracts(node)
        safe = new_safe(node, contracts)
        safe.fund_eth(10**18)
        deployments = known_multisends(chain_id)
        for version, name, address in deployments:
            place_multisend(
                node, address, call_only=name == "MultiSendCallOnly", version=version_of(version)
            )
        payee = node.accounts[6].address
        async with watching(tmp_path, sqlite(tmp_path), node.url, safe, chain_id=chain_id) as w:
            sent = [
                safe.multisend(
                    [(payee, 10**15, b""), (node.accounts[7].address, 2 * 10**15, b"")],
                    multisend_address=address,
                )
                for _, _, address in deployments
            ]
            await w.service.run_chain("anvil")
            posted = await w.posted()
    assert len(posted) == len(deployments) >= 5
    for alert, executed in zip(posted, sent, strict=True):
        assert executed.tx_hash in alert
        assert "Batch of 2 actions (MultiSend)" in alert and "DELEGATECALL" not in alert
        assert "Severity MEDIUM" in alert


def version_of(safe_version: str) -> str:
    return "1.5.0" if safe_version == "1.5.0" else "1.4.1"


async def test_a_multisend_at_an_unknown_address_is_high_risk_and_still_listed(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    safe.fund_eth(10**18)
    elsewhere = deploy_multisend(chain, call_only=False, version="1.4.1")
    payee = chain.accounts[6].address
    async with watching(tmp_path, db_url, chain.url, safe) as world:
        executed = safe.multisend([(payee, 5 * 10**17, b"")], multisend_address=elsewhere)
        await world.service.run_chain("anvil")
        [alert] = await world.posted()
    assert executed.tx_hash in alert
    assert "HIGH-RISK" in alert and "Severity HIGH" in alert
    assert f"DELEGATECALL to {elsewhere}" in alert and "claims to batch" in alert
    assert f"1. Send 0.5 ETH (500000000000000000 wei) to {payee}" in alert


async def test_safe_150_events_and_its_module_guard(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts, "1.5.0")
    safe.fund_eth(10**18)
    payee = chain.accounts[6].address
    # A local chain's MultiSend is the operator's to name (the library knows public chains').
    local = [safe_contracts.multi_send_v150]
    async with watching(tmp_path, db_url, chain.url, safe, multisend=local) as world:
        assert "(v1.5.0)" in await world.run("/safe list")
        safe.send_eth(payee, 10**16)
        safe.multisend([(payee, 10**15, b""), (payee, 10**15, b"")])
        safe.add_owner(chain.accounts[5].address, 2)
        safe.set_module_guard(safe_contracts.permissive)
        await world.service.run_chain("anvil")
        posted = await world.posted()
    sent, batch, owner, guard = posted
    assert f"Send 0.01 ETH (10000000000000000 wei) to {payee}" in sent
    assert "Batch of 2 actions (MultiSend)" in batch and "DELEGATECALL" not in batch
    assert "security settings changed" in owner and chain.accounts[5].address in owner
    assert f"Set the module guard to {safe_contracts.permissive}" in guard
    assert f"Security change: ChangedModuleGuard {safe_contracts.permissive}" in guard


async def test_nfts_into_and_out_of_the_safe(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    friend = chain.accounts[6].address
    async with watching(tmp_path, db_url, chain.url, safe) as world:
        safe.fund_erc721(7)
        safe.mint_erc1155(3, 40)
        safe.fund_erc1155_batch([4, 5], [2, 9])
        safe.send_erc721(friend, 7)
        safe.send_erc1155(friend, 3, 15)
        await world.service.run_chain("anvil")
        received_721, received_1155, received_batch, sent_721, sent_1155 = await world.posted()
    collection = "Steward Test Critters"
    assert "funds received" in received_721 and f"Received {collection} #7 from" in received_721
    assert re.search(r"Received \S.* #3 ×40 from 0x0{40}", received_1155)
    assert "#4 ×2, #5 ×9" in received_batch
    assert f"Transfer {collection} #7 from {safe.address} to {friend}" in sent_721
    assert f"#3 ×15 from {safe.address} to {friend}" in sent_1155


@pytest.mark.parametrize("watched", [1, 100, 1000])
async def test_one_http_request_per_poll_however_many_safes(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts, watched: int
) -> None:
    safe = new_safe(chain, safe_contracts)
    async with RpcProxy(chain.url) as proxy, watching(tmp_path, db_url, proxy.url, safe) as world:
        others = [Account.create().address for _ in range(watched - 1)]
        await add_watched(world.service, others)
        deposits = [safe.fund_eth(10**15 * (i + 1)) for i in range(3)]
        await world.service.run_chain("anvil")  # learns the head
        proxy.reset()
        for _ in range(4):
            chain.mine(1)
            await world.service.poll("anvil")
        assert proxy.stats.requests == 4, "one HTTP request per poll"
        assert max(proxy.stats.batch_sizes) <= 6
        assert proxy.stats.request_bytes / 4 < 20_000, "request size flat up to 1,000 Safes"
        posted = await world.posted()
    assert all(any(d.tx_hash in alert for alert in posted) for d in deposits)


async def add_watched(service: object, addresses: list[str]) -> None:
    """Watch more addresses without asking the chain about each (the cost measured depends on
    the watch list, not on whether each address holds a Safe)."""
    from cogs.treasury.models import WatchedSafe
    from cogs.treasury.service import TreasuryService

    assert isinstance(service, TreasuryService)
    async with service.db.transaction() as session:
        for address in addresses:
            session.add(
                WatchedSafe(community_id=1, chain="anvil", address=address, version="1.4.1")
            )


@pytest.mark.parametrize(
    "refusal",
    [RangeError.ALCHEMY, RangeError.INFURA, RangeError.INFURA_RANGE, RangeError.QUICKNODE],
)
async def test_a_provider_refusing_long_ranges_gets_them_in_halves(
    tmp_path: Path, chain: Anvil, safe_contracts: SafeContracts, refusal: ProviderError
) -> None:
    safe = new_safe(chain, safe_contracts)
    async with (
        RpcProxy(chain.url, max_log_blocks=3, range_error=refusal) as proxy,
        watching(tmp_path, sqlite(tmp_path), proxy.url, safe) as world,
    ):
        deposits = []
        for i in range(5):
            deposits.append(safe.fund_eth(10**15 * (i + 1)))
            chain.mine(3)
        await world.service.run_chain("anvil")
        posted = await world.posted()
        assert proxy.stats.refused > 0, "the provider did refuse a range"
    assert [sum(d.tx_hash in a for a in posted) for d in deposits] == [1] * 5


@pytest.mark.parametrize("refusal", [BatchRefusal.JSONRPSEE, BatchRefusal.HTTP_400])
async def test_a_provider_without_batches_gets_single_requests_and_about_says_so(
    tmp_path: Path, chain: Anvil, safe_contracts: SafeContracts, refusal: ProviderError
) -> None:
    safe = new_safe(chain, safe_contracts)
    async with (
        RpcProxy(chain.url, refuse_batches=refusal) as proxy,
        watching(tmp_path, sqlite(tmp_path), proxy.url, safe) as world,
    ):
        deposit = safe.fund_eth(10**16)
        await world.service.run_chain("anvil")
        [alert] = await world.posted()
        about = await world.run("/about")
    assert deposit.tx_hash in alert
    assert "the RPC refuses batches" in about


async def test_about_shows_each_chains_head_lag_and_last_error(
    tmp_path: Path, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    async with (
        RpcProxy(chain.url) as proxy,
        watching(tmp_path, sqlite(tmp_path), proxy.url, safe) as world,
    ):
        about = await world.run("/about")
        assert re.search(r"chain anvil: ok: head \d+, 0 blocks behind the head", about), about
        await proxy.stop()  # the node goes away
        await world.service.run_chain("anvil")
        about = await world.run("/about")
    assert "chain anvil: DOWN" in about and "last error: RPC:" in about
