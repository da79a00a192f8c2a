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


async def prove(world: World, user: str) -> str:
    issued = discord_text(
        await world.on_discord("verify wallet", {"address": WALLET.address}, user=user)
    )
    signature = personal_sign(WALLET, sign_in_message(issued))
    answer = await world.on_discord("verify signature", {"signature": signature}, user=user)
    return discord_text(answer)


async def test_an_address_another_member_linked_must_be_unlinked_first(world: World) -> None:
    assert "Wallet verified" in await prove(world, "alice")

    refused = await prove(world, "bob")
    assert f"{WALLET.address} is already linked to another member of this community" in refused
    assert f"/verify unlink {WALLET.address}" in refused
    async with world.app.db.read() as session:
        [link] = (await session.exec(select(WalletLink))).all()
    assert (link.platform, link.user_id) == ("discord", world.discord.user("alice").id)

    unlinked = await world.on_discord("verify unlink", {"address": WALLET.address}, user="alice")
    assert "unlinked" in discord_text(unlinked)
    assert "Wallet verified" in await prove(world, "bob")
    async with world.app.db.read() as session:
        [link] = (await session.exec(select(WalletLink))).all()
    assert link.user_id == world.discord.user("bob").id
