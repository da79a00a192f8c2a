"""Queued transactions from the Safe Transaction Service: proposals, confirmations, ready to
execute, replacements and nudges, for a real Safe on anvil, proposed and confirmed over HTTP
with the owners' real keys against the local fake service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from eth_account.signers.local import LocalAccount

from bot.directory import Listing
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


async def test_two_polls_of_one_safe_at_once_store_its_transaction_and_alert_once(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    # The schedule and a command (or two replicas) polling together both see a new
    # transaction: one stores it first, and the other must not fail on the duplicate.
    treasury = await watch(world, safe)
    await propose(service, safe, chain.accounts[6].address, 10**16, chain.accounts[1])
    polls = [treasury.queue_watch.poll("anvil", safe.address) for _ in range(3)]
    assert await asyncio.gather(*polls) == [True, True, True]
    await world.app.outbox.drain()
    [proposal] = alerts(world)
    assert "new transaction proposed (nonce 0)" in proposal


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


# bob's handles as shown: his Discord one tried to ping a role and everyone, and cannot.
BOB = "bob @\u200brole-1 @\u200beveryone / bob"


class AddressBook:
    """Members behind addresses, as onboarding would list them (an AddressBook of the test)."""

    def __init__(self, community_id: int, entries: dict[str, list[Listing]]) -> None:
        self.community_id = community_id
        self.entries = entries
        self.asked: list[list[str]] = []

    async def listings(
        self, community_id: int, addresses: Sequence[str]
    ) -> dict[str, list[Listing]]:
        self.asked.append(list(addresses))
        if community_id != self.community_id:
            return {}
        return {a: self.entries[a] for a in addresses if a in self.entries}

    async def addresses_of(self, community_id: int, platform: str, user_id: str) -> list[str]:
        return [
            address
            for address, listed in self.entries.items()
            if community_id == self.community_id
            and any(x.platform == platform and x.user_id == user_id for x in listed)
        ]


async def named(world: World, owner: str) -> AddressBook:
    """owner2 linked by bob on Discord and on Telegram; owner3 linked by nobody."""
    community = await world.app.communities.by_slug("test-dao")
    assert community is not None and community.id is not None
    bob = world.discord.user("bob")
    book = AddressBook(
        community.id,
        {
            owner: [
                Listing("discord", bob.id, "bob <@&1> @everyone"),
                Listing("telegram", str(world.telegram.bob.id), "bob"),
            ]
        },
    )
    world.app.directory.register(book)
    return book


async def test_a_nudge_names_and_pings_the_linked_signers_and_no_one_else(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    owner1, owner2, owner3 = chain.accounts[1:4]
    book = await named(world, owner2.address)
    treasury = await watch(world, safe)
    world.telegram.send_text(
        world.telegram.group, "carol", f"/config set alert_channel {world.telegram.group.id}"
    )
    await world.telegram.wait_for("sendMessage", timeout=10)
    await propose(service, safe, chain.accounts[6].address, 10**16, owner1)
    clock = ManualClock(datetime.now(UTC))
    treasury.clock = clock
    await poll(world, treasury, safe)
    clock.advance(timedelta(minutes=61))
    await poll(world, treasury, safe)

    bob = world.discord.user("bob")
    short2 = f"{owner2.address[:6]}…{owner2.address[-4:]}"
    proposal, nudge = world.discord.channel_messages(world.discord.channel("#alerts"))
    assert any(owner2.address in a for a in book.asked)
    # The proposal names bob (his handle cannot ping or format anything) and pings nobody.
    text = proposal["embeds"][0]["description"]
    assert f"not yet signed by: {BOB} ({short2}), {owner3.address}" in text
    assert not proposal.get("content")
    assert proposal["allowed_mentions"]["users"] == []
    # The nudge pings bob alone, in its content; owner3, linked by nobody, is named by address.
    nudge_text = nudge["embeds"][0]["description"]
    assert f"Please sign: {BOB} ({short2}), {owner3.address}" in nudge_text
    assert nudge["content"] == f"<@{bob.id}>"
    assert [str(u) for u in nudge["allowed_mentions"]["users"]] == [bob.id]
    assert nudge["allowed_mentions"]["parse"] == []

    # On Telegram the same nudge mentions bob by id, a text mention that notifies him.
    group = world.telegram.messages(world.telegram.group, from_bot=True)
    [sent] = [m for m in group if "still waiting for signatures" in (m.plain or "")]
    assert f'<a href="tg://user?id={world.telegram.bob.id}">bob</a>' in (sent.text or "")
    mentions = [e for e in sent.payload.get("entities", []) if e["type"] == "text_mention"]
    assert [e["user"]["id"] for e in mentions] == [world.telegram.bob.id]


async def test_safe_status_names_linked_owners_by_handle(
    world: World, service: FakeSafeTransactionService, safe: SafeDriver, chain: Anvil
) -> None:
    owner1, owner2, owner3 = chain.accounts[1:4]
    await named(world, owner2.address)
    await watch(world, safe)
    await propose(service, safe, chain.accounts[6].address, 10**16, owner1)

    status = await world.on_discord("safe status", {"address": safe.address, "chain": "anvil"})
    fields = {f["name"]: f["value"] for m in status.messages() for f in m["embeds"][0]["fields"]}
    short2 = f"{owner2.address[:6]}…{owner2.address[-4:]}"
    owners = fields["Owners"].splitlines()
    assert owners[owners.index(owner1.address)] == owner1.address
    assert f"{BOB} ({short2})" in owners
    assert owner3.address in owners
    assert f"missing {BOB} ({short2}), {owner3.address}" in fields["Queue"]
    assert not any(m.get("content") for m in status.messages())
