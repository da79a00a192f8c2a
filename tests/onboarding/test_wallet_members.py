"""Wallet proofs between members, through the real discord.py client against the fake Discord:
an address one member proved cannot be claimed by another until it is unlinked."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from sqlmodel import select

from cogs.onboarding.wallet_models import WalletLink
from tests.onboarding.test_wallet_proofs import onboarding
from tests.support.anvil import Anvil
from tests.support.signing import personal_sign, sign_in_message
from tests.support.world import World, discord_text

WALLET = Account.from_key("0x" + "e5" * 32)


@pytest.fixture
def world_settings(chain: Anvil) -> dict[str, Any]:
    return onboarding(chain.url)


async def issue(world: World, user: str) -> str:
    reply = await world.on_discord("verify wallet", {"address": WALLET.address}, user=user)
    return discord_text(reply)


async def sign(world: World, user: str, issued: str) -> str:
    signature = personal_sign(WALLET, sign_in_message(issued))
    answer = await world.on_discord("verify signature", {"signature": signature}, user=user)
    return discord_text(answer)


async def test_an_address_another_member_linked_must_be_unlinked_first(world: World) -> None:
    # Bob asks for a message first; Alice proves the wallet before Bob signs his.
    bobs = await issue(world, "bob")
    assert "Wallet verified" in await sign(world, "alice", await issue(world, "alice"))

    refused = await sign(world, "bob", bobs)
    assert f"{WALLET.address} is already linked to another member of this community" in refused
    assert f"/verify unlink {WALLET.address}" in refused
    # Asked for again, the message is refused at once, for the same reason.
    assert "already linked to another member" in await issue(world, "bob")
    async with world.app.db.read() as session:
        [link] = (await session.exec(select(WalletLink))).all()
    assert (link.platform, link.user_id) == ("discord", world.discord.user("alice").id)

    unlinked = await world.on_discord("verify unlink", {"address": WALLET.address}, user="alice")
    assert "unlinked" in discord_text(unlinked)
    assert "Wallet verified" in await sign(world, "bob", await issue(world, "bob"))
    async with world.app.db.read() as session:
        [link] = (await session.exec(select(WalletLink))).all()
    assert link.user_id == world.discord.user("bob").id
