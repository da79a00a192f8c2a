"""Queued transactions from the Safe Transaction Service: proposals, confirmations, ready to
execute, replacements and nudges, for a real Safe on anvil, proposed and confirmed over HTTP
with the owners' real keys against the local fake service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from eth_account.signers.local import LocalAccount

from cogs.treasury.service import TreasuryService
from tests.fakes.safe_service import FakeSafeTransactionService
from tests.support.anvil import Anvil
from tests.support.clock import ManualClock
from tests.support.safes import SafeContracts, SafeDriver, create_safe
from tests.support.world import World

API_KEY = "test-jwt"


@pytest.fixture
def safe(chain: Anvil, safe_contracts: SafeContracts) -> SafeDriver:
    owners = chain.accounts[1:4]
    driver = SafeDriver(
        chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2), owners
    )
    driver.fund_eth(10**18)
    return driver


@pytest.fixture
async def service(chain: Anvil) -> AsyncIterator[FakeSafeTransactionService]:
    async with FakeSafeTransactionService(31337, api_key=API_KEY, rpc_url=chain.url) as fake:
        yield fake


@pytest.fixture
def world_settings(chain: Anvil, service: FakeSafeTransactionService) -> dict[str, Any]:
    return {
        "treasury": {
            "chains": {
                "anvil": {
                    "chain_id": 31337,
                    "rpc_url": chain.url,
                    "confirmations": 0,
                    "poll_seconds": 3600,
                    "tx_service_url": service.base_url,
                    "tx_service_api_key_env": "TEST_TX_SERVICE_KEY",
                    "nudge_after_minutes": 60,
                }
            }
        },
        "environ": {"TEST_TX_SERVICE_KEY": API_KEY},
    }


async def propose(
    service: FakeSafeTransactionService,
    safe: SafeDriver,
    to: str,
    value: int,
    signer: LocalAccount,
    nonce: int | None = None,
) -> str:
    safe_tx = safe.build(to, value, nonce=nonce)
    body = {
        "to": to,
        "value": str(value),
        "data": None,
        "operation": 0,
        "safeTxGas": "0",
        "baseGas": "0",
        "gasPrice": "0",
        "gasToken": "0x0000000000000000000000000000000000000000",
        "refundReceiver": "0x0000000000000000000000000000000000000000",
        "nonce": safe_tx.safe_nonce,
        "contractTransactionHash": "0x" + safe_tx.safe_tx_hash.hex(),
        "sender": signer.address,
        "signature": "0x" + safe.sign(safe_tx, signer).hex(),
        "origin": "steward-tests",
    }
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with aiohttp.ClientSession() as http:
        url = f"{service.base_url}/api/v1/safes/{safe.address}/multisig-transactions/"
        async with http.post(url, json=body, headers=headers) as response:
            assert response.status == 201, await response.text()
    return "0x" + safe_tx.safe_tx_hash.hex()


async def confirm(
    service: FakeSafeTransactionService, safe: SafeDriver, safe_tx_hash: str, owner: LocalAccount
) -> None:
    # An owner confirms by signing the safeTxHash itself, as the Safe web app does.
    signature = owner.unsafe_sign_hash(bytes.fromhex(safe_tx_hash[2:])).signature
    url = f"{service.base_url}/api/v1/multisig-transactions/{safe_tx_hash}/confirmations/"
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            url,
            json={"signature": "0x" + bytes(signature).hex()},
            headers={"Authorization": f"Bearer {API_KEY}"},
        ) as response,
    ):
        assert response.status == 201, await response.text()


def alerts(world: World) -> list[str]:
    return [
        " ".join([m["embeds"][0].get("title", ""), m["embeds"][0].get("description", "")])
        for m in world.discord.channel_messages(world.discord.channel("#alerts"))
    ]


async def watch(world: World, safe: SafeDriver) -> TreasuryService:
    alerts_channel = world.discord.channel("#alerts")
    await world.on_discord(
        "config set", {"key": "alert_channel", "value": f"<#{alerts_channel.id}>"}, user="carol"
    )
    await world.on_discord(
        "safe watch", {"address": safe.address, "chain": "anvil", "name": "Treasury"}, user="carol"
    )
    return world.app.runtimes["treasury"]


async def poll(world: World, service: TreasuryService, safe: SafeDriver) -> None:
    await service.queue_watch.poll("anvil", safe.address)
    await world.app.outbox.drain()


async def test_proposal_confirmation_and_ready_to_execute(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    owner1, owner2, owner3 = chain.accounts[1:4]
    payee = chain.accounts[6].address
    safe_tx_hash = await propose(service, safe, payee, 10**16, owner1)

    await poll(world, treasury, safe)
    [proposal] = alerts(world)
    assert "Treasury on anvil: new transaction proposed (nonce 0)" in proposal
    assert f"Send 0.01 ETH (10000000000000000 wei) to {payee}" in proposal
    assert "1 of 2 confirmations; not yet signed by:" in proposal
    assert owner2.address in proposal and owner3.address in proposal

    await poll(world, treasury, safe)
    assert len(alerts(world)) == 1, "nothing new, nothing said"

    await confirm(service, safe, safe_tx_hash, owner2)
    await poll(world, treasury, safe)
    texts = alerts(world)
    assert len(texts) == 3
    assert f"{owner2.address} confirmed the transaction at nonce 0" in texts[1]
    assert "ready to execute (nonce 0)" in texts[2]
    assert all(r.had_valid_key for r in service.requests if r.path.startswith("/api/v2/safes"))

    status = await world.on_discord("safe status", {"address": safe.address, "chain": "anvil"})
    queue = str(status.messages())
    assert "nonce 0: Send 0.01 ETH" in queue and "2 of 2, missing " in queue


async def test_a_replaced_transaction_is_reported(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    owner1 = chain.accounts[1]
    payee = chain.accounts[6].address
    await propose(service, safe, payee, 10**16, owner1, nonce=0)
    await poll(world, treasury, safe)

    safe.send_eth(chain.accounts[7].address, 10**15)  # another transaction takes nonce 0
    await service.sync(safe.address)
    await poll(world, treasury, safe)

    texts = alerts(world)
    assert "transaction at nonce 0 was replaced" in texts[-1]


async def test_signers_are_nudged_once_per_interval(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    treasury = await watch(world, safe)
    owner1, owner2, owner3 = chain.accounts[1:4]
    await propose(service, safe, chain.accounts[6].address, 10**16, owner1)
    clock = ManualClock(datetime.now(UTC))
    treasury.clock = clock
    await poll(world, treasury, safe)

    clock.advance(timedelta(minutes=61))
    await poll(world, treasury, safe)
    await poll(world, treasury, safe)
    nudges = [t for t in alerts(world) if "still waiting for signatures" in t]
    assert len(nudges) == 1
    assert f"Please sign: {owner2.address}, {owner3.address}" in nudges[0]

    clock.advance(timedelta(minutes=64))
    await poll(world, treasury, safe)
    assert len([t for t in alerts(world) if "still waiting for signatures" in t]) == 2
