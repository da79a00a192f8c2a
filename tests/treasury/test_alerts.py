"""A real 2-of-3 Safe on anvil: every kind of activity gives exactly one correct alert on the
fake Discord and the fake Telegram, through the real clients."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.anvil import Anvil
from tests.support.safes import SafeContracts, SafeDriver, create_safe
from tests.support.world import World, discord_text

CONFIRMATIONS = 2


def transfer_data(to: str, amount: int) -> bytes:
    return bytes.fromhex("a9059cbb" + to[2:].lower().rjust(64, "0") + f"{amount:064x}")


@pytest.fixture
def safe(chain: Anvil, safe_contracts: SafeContracts) -> SafeDriver:
    owners = chain.accounts[1:4]
    address = create_safe(chain, safe_contracts, owners, 2)
    return SafeDriver(chain, safe_contracts, address, owners)


@pytest.fixture
def world_settings(chain: Anvil, safe_contracts: SafeContracts) -> dict[str, Any]:
    return {
        "treasury": {
            "chains": {
                "anvil": {
                    "chain_id": 31337,
                    "rpc_url": chain.url,
                    "confirmations": CONFIRMATIONS,
                    "poll_seconds": 3600,  # the test drives each round itself
                    "explorer_url": "https://explorer.example",
                    "short_name": "anvil",
                    "tokens": [safe_contracts.token],
                    "multisend": [
                        safe_contracts.multi_send_v141,
                        safe_contracts.multi_send_call_only_v141,
                    ],
                }
            }
        }
    }


async def settle(world: World, chain: Anvil) -> int:
    """Bury the latest blocks under the confirmation depth, then run one watcher round."""
    chain.mine(CONFIRMATIONS)
    service = world.app.runtimes["treasury"]
    before = await service.cursor("anvil")
    await service.run_chain("anvil")
    await world.app.outbox.drain()
    return (await service.cursor("anvil") or 0) - (before or 0)


def alert_texts(world: World) -> list[str]:
    posted = world.discord.channel_messages(world.discord.channel("#alerts"))
    return [
        " ".join([m["embeds"][0].get("title", ""), m["embeds"][0].get("description", "")])
        for m in posted
    ]


def telegram_alerts(world: World) -> list[str]:
    return [
        m.plain or ""
        for m in world.telegram.messages(world.telegram.group, from_bot=True)
        if "on anvil:" in (m.plain or "")
    ]


async def watch(world: World, safe: SafeDriver) -> None:
    alerts = world.discord.channel("#alerts")
    await world.on_discord(
        "config set", {"key": "alert_channel", "value": f"<#{alerts.id}>"}, user="carol"
    )
    world.telegram.send_text(
        world.telegram.group, "carol", f"/config set alert_channel {world.telegram.group.id}"
    )
    await world.telegram.wait_for("sendMessage", timeout=10)
    record = await world.on_discord(
        "safe watch", {"address": safe.address, "chain": "anvil", "name": "Treasury"}, user="carol"
    )
    assert "Watching Treasury (Safe 1.4.1) on anvil." in discord_text(record)
    await world.app.runtimes["treasury"].run_chain("anvil")  # starts the cursor at the head


async def test_every_kind_of_activity_gives_exactly_one_correct_alert(
    world: World, chain: Anvil, safe: SafeDriver, safe_contracts: SafeContracts
) -> None:
    await watch(world, safe)
    newcomer = chain.accounts[5].address
    payee = chain.accounts[6].address

    safe.fund_eth(10**18)
    safe.fund_token(5_000 * 10**6)
    safe.send_eth(payee, 25 * 10**16)
    safe.send_token(payee, 1_500 * 10**6)
    safe.multisend(
        [
            (payee, 10**16, b""),
            (safe_contracts.token, 0, transfer_data(payee, 7 * 10**6)),
        ]
    )
    safe.add_owner(newcomer, 2)
    safe.change_threshold(3)
    failed = safe.failing()
    assert not failed.success
    await settle(world, chain)

    texts = alert_texts(world)
    expected = [
        ("funds received", "Received 1 ETH (1000000000000000000 wei)"),
        ("funds received", "Received 5,000 TUSD (5000000000 raw)"),
        ("transaction executed", f"Send 0.25 ETH (250000000000000000 wei) to {payee}"),
        ("transaction executed", f"Transfer 1,500 TUSD (1500000000 raw) to {payee}"),
        ("transaction executed", "Batch of 2 actions (MultiSend)"),
        ("security settings changed", f"Add owner {newcomer} and set the threshold to 2"),
        ("security settings changed", "Change the threshold to 3"),
        ("transaction FAILED", ""),
    ]
    assert len(texts) == len(expected), texts
    for text, (title, detail) in zip(texts, expected, strict=True):
        assert f"Treasury on anvil: {title}" in text
        assert detail in text
    assert "Transfer 7 TUSD (7000000 raw)" in texts[4] and "Send 0.01 ETH" in texts[4]
    telegram = telegram_alerts(world)
    assert len(telegram) == len(expected)
    for text, (title, _) in zip(telegram, expected, strict=True):
        assert f"Treasury on anvil: {title}" in text

    posted = world.discord.channel_messages(world.discord.channel("#alerts"))
    footer = posted[5]["embeds"][0]["footer"]["text"]
    assert footer.startswith("Severity HIGH · anvil · block ")
    buttons = [c["url"] for row in posted[5]["components"] for c in row["components"]]
    assert any(url.startswith("https://explorer.example/tx/0x") for url in buttons)
    assert any("safe=anvil:" + safe.address in url for url in buttons)

    # A second round finds nothing new: nothing is alerted twice.
    await settle(world, chain)
    assert len(alert_texts(world)) == len(expected)


async def test_a_delegatecall_to_an_unknown_contract_is_a_high_severity_alert(
    world: World, chain: Anvil, safe: SafeDriver, safe_contracts: SafeContracts
) -> None:
    await watch(world, safe)
    safe.delegatecall(safe_contracts.permissive, b"")
    safe.approve(chain.accounts[7].address, 2**256 - 1)
    await settle(world, chain)

    texts = alert_texts(world)
    assert len(texts) == 2
    assert "Treasury on anvil: HIGH-RISK transaction executed" in texts[0]
    assert "DELEGATECALL to" in texts[0] and "not a known MultiSend" in texts[0]
    assert "UNLIMITED" in texts[1]


async def test_safe_status_lists_owners_threshold_balances(
    world: World, chain: Anvil, safe: SafeDriver
) -> None:
    safe.fund_eth(2 * 10**18)
    record = await world.on_discord("safe status", {"address": safe.address, "chain": "anvil"})
    text = str(record.messages())
    for owner in safe.owners():
        assert owner in text
    assert "2 of 3" in text and "2 ETH" in text and "1.4.1" in text


async def test_watching_something_that_is_not_a_safe_is_refused(world: World, chain: Anvil) -> None:
    record = await world.on_discord(
        "safe watch", {"address": chain.accounts[9].address, "chain": "anvil"}, user="carol"
    )
    assert "is not a Safe on anvil" in discord_text(record)
    member = await world.on_discord(
        "safe watch", {"address": chain.accounts[9].address, "chain": "anvil"}, user="alice"
    )
    assert "/safe watch is for stewards only." in discord_text(member)


async def test_an_address_that_is_not_a_safe_is_refused_in_words(
    world: World, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    # An account with no code, and a contract that is not a Safe (the test token).
    for address in (chain.accounts[8].address, safe_contracts.token):
        for command in ("safe status", "safe watch"):
            record = await world.on_discord(
                command, {"address": address, "chain": "anvil"}, user="carol"
            )
            text = discord_text(record)
            assert f"{address} is not a Safe on anvil" in text, (command, text)
            assert "bug" not in text and "incident" not in text
