"""Queued Safe transactions with any call data, proposed to the fake Safe Transaction Service
with an owner's real signature; passed proposals recorded as the vote-following parts do."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiohttp
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from safe_eth.eth.contracts import get_multi_send_V1_4_1_contract
from safe_eth.safe.multi_send import MultiSendOperation, MultiSendTx
from web3 import Web3

from cogs.proposals.payout_asks import asks_from_text
from cogs.proposals.payout_book import PassedProposal, record_passed
from cogs.treasury.service import TreasuryService
from tests.fakes.safe_service import FakeSafeTransactionService
from tests.support.safes import SafeDriver
from tests.support.world import World

API_KEY = "test-jwt"
ZERO = "0x0000000000000000000000000000000000000000"
RED = 0xED4245  # Discord's colour of a high-severity alert


def treasury_chain(
    chain_url: str, service: FakeSafeTransactionService, **more: Any
) -> dict[str, Any]:
    """The treasury's settings for the test chain: its node and the fake Transaction Service,
    polled by the test (an hour between scheduled polls)."""
    anvil = {
        "chain_id": 31337,
        "rpc_url": chain_url,
        "confirmations": 0,
        "poll_seconds": 3600,
        "tx_service_url": service.base_url,
        "tx_service_api_key_env": "TEST_TX_SERVICE_KEY",
        **more,
    }
    return {"chains": {"anvil": anvil}}


def transfer_data(to: str, amount: int) -> bytes:
    """ERC-20 transfer(to, amount), as a wallet encodes it."""
    return bytes.fromhex("a9059cbb" + to[2:].lower().rjust(64, "0") + f"{amount:064x}")


def multisend_data(calls: Sequence[tuple[str, int, bytes]]) -> bytes:
    packed = b"".join(
        MultiSendTx(MultiSendOperation.CALL, Web3.to_checksum_address(to), value, data).encoded_data
        for to, value, data in calls
    )
    library = get_multi_send_V1_4_1_contract(Web3())
    return bytes(HexBytes(library.encode_abi("multiSend", args=[packed])))


async def queue(
    service: FakeSafeTransactionService,
    safe: SafeDriver,
    signer: LocalAccount,
    to: str,
    value: int = 0,
    data: bytes = b"",
    operation: int = 0,
    nonce: int | None = None,
) -> str:
    """Propose a Safe transaction to the queue, signed by `signer`; its safeTxHash."""
    safe_tx = safe.build(to, value, data, operation, nonce=nonce)
    body = {
        "to": Web3.to_checksum_address(to),
        "value": str(value),
        "data": "0x" + data.hex() if data else None,
        "operation": operation,
        "safeTxGas": "0",
        "baseGas": "0",
        "gasPrice": "0",
        "gasToken": ZERO,
        "refundReceiver": ZERO,
        "nonce": safe_tx.safe_nonce,
        "contractTransactionHash": "0x" + safe_tx.safe_tx_hash.hex(),
        "sender": signer.address,
        "signature": "0x" + safe.sign(safe_tx, signer).hex(),
        "origin": "steward-tests",
    }
    async with aiohttp.ClientSession() as http:
        url = f"{service.base_url}/api/v1/safes/{safe.address}/multisig-transactions/"
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with http.post(url, json=body, headers=headers) as response:
            assert response.status == 201, await response.text()
    return "0x" + safe_tx.safe_tx_hash.hex()


async def pass_proposal(
    world: World, key: str, title: str, body: str, for_share: float | None = 0.71
) -> None:
    """Record a passed proposal of the test community, its asks read from its body."""
    community = await world.app.communities.by_slug("test-dao")
    assert community is not None and community.id is not None
    proposal = PassedProposal(
        community_id=community.id,
        key=key,
        title=title,
        link=f"https://snapshot.example/#/proposal/{key}",
        for_share=for_share,
        decided_at=datetime.now(UTC),
        asks=asks_from_text(body),
    )
    async with world.app.db.transaction() as session:
        await record_passed(session, proposal)


async def watch(world: World, safe: SafeDriver) -> TreasuryService:
    alerts_channel = world.discord.channel("#alerts")
    await world.on_discord(
        "config set", {"key": "alert_channel", "value": f"<#{alerts_channel.id}>"}, user="carol"
    )
    await world.on_discord(
        "safe watch", {"address": safe.address, "chain": "anvil", "name": "Treasury"}, user="carol"
    )
    treasury: TreasuryService = world.app.runtimes["treasury"]
    return treasury


async def poll_alert(world: World, treasury: TreasuryService, safe: SafeDriver) -> dict[str, Any]:
    """Poll the queue once; the one new alert posted, as Discord got its embed."""
    before = len(world.discord.channel_messages(world.discord.channel("#alerts")))
    await treasury.queue_watch.poll("anvil", safe.address)
    await world.app.outbox.drain()
    posted = world.discord.channel_messages(world.discord.channel("#alerts"))
    [new] = posted[before:]
    embed: dict[str, Any] = new["embeds"][0]
    return embed


def severity(embed: dict[str, Any]) -> str:
    return str(embed["footer"]["text"]).split(" · ")[0]
