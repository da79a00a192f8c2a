"""Roles given and taken by the rules, seen on the fake Discord and Telegram through the real
client libraries: a member proves a wallet holding enough tokens and gets the role (a Discord
role; a one-time invite to Telegram's gated group), sends the tokens away on anvil, and the
scheduled re-check takes the role back and tells them why."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from bot.storage.models import OutboxMessage, RoleChangeRecord
from cogs.onboarding.verification import ROLE_CHECK_JOB
from cogs.onboarding.wallet_models import RoleHolding, SignInRequest, WalletLink
from tests.fakes.discord_gateway import FakeRole
from tests.onboarding.test_wallet_proofs import onboarding
from tests.support.anvil import Anvil
from tests.support.holdings import send_tusd
from tests.support.safes import SafeContracts
from tests.support.signing import personal_sign, sign_in_message
from tests.support.world import World, discord_text

HOLDER_ROLE = "700000000000000001"
GATED_GROUP = "-1001000000001"  # the fake Telegram's supergroup


@pytest.fixture
def world_settings(chain: Anvil, safe_contracts: SafeContracts) -> dict[str, Any]:
    holder = {
        "name": "Holder",
        "explanation": "holds at least 100 TUSD",
        "discord_role_id": HOLDER_ROLE,
        "telegram_chat_id": GATED_GROUP,
        "erc20": {"token": safe_contracts.token, "min": "100"},
    }
    return onboarding(chain.url, roles=[holder])


async def records(world: World) -> list[tuple[str, str, str, str]]:
    async with world.app.db.read() as session:
        rows = (await session.exec(select(RoleChangeRecord))).all()
    return [(r.platform, r.user_id, r.action, r.state) for r in rows]


async def test_discord_role_granted_then_removed_after_the_tokens_leave(
    world: World, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    fake = world.discord
    fake.guild.roles.append(FakeRole(HOLDER_ROLE, "Holder", 0, 1))
    alice, wallet = fake.user("alice"), chain.accounts[5]
    send_tusd(chain, safe_contracts, chain.accounts[0], wallet.address, 150)

    issued = discord_text(await world.on_discord("verify wallet", {"address": wallet.address}))
    signature = personal_sign(wallet, sign_in_message(issued))
    verified = discord_text(await world.on_discord("verify signature", {"signature": signature}))
    assert "✅ **Holder**: you hold 150 TUSD at" in verified
    await world.app.outbox.drain()

    member = fake.guild.member(alice.id)
    assert member is not None and HOLDER_ROLE in member.role_ids
    [given] = fake.role_changes
    assert (given.user_id, given.role_id, given.added) == (alice.id, HOLDER_ROLE, True)
    assert given.reason.startswith("Holder: you hold 150 TUSD")
    assert "Role granted: Holder" in str(fake.dm_messages("alice"))
    assert await records(world) == [("discord", alice.id, "grant", "delivered")]

    # A re-check with nothing changed changes nothing.
    await world.app.scheduler.run_now(ROLE_CHECK_JOB)
    await world.app.outbox.drain()
    assert len(fake.role_changes) == 1

    send_tusd(chain, safe_contracts, wallet, chain.accounts[0].address, 100)
    await world.app.scheduler.run_now(ROLE_CHECK_JOB)
    await world.app.outbox.drain()
    assert HOLDER_ROLE not in member.role_ids
    taken = fake.role_changes[-1]
    assert (taken.user_id, taken.added) == (alice.id, False)
    assert "needs 100 TUSD, you hold 50 at" in taken.reason
    removal = str(fake.dm_messages("alice"))
    assert "Role removed: Holder" in removal and "you hold 50 at" in removal
    assert [r[2] for r in await records(world)] == ["grant", "revoke"]
    async with world.app.db.read() as session:
        assert (await session.exec(select(RoleHolding))).all() == []

    # /verify refresh explains why.
    refreshed = discord_text(await world.on_discord("verify refresh"))
    assert "❌ **Holder**: needs 100 TUSD, you hold 50 at" in refreshed


async def test_telegram_gated_group_by_one_time_invite_and_removal(
    world: World, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    telegram, wallet = world.telegram, chain.accounts[6]
    alice = telegram.alice
    telegram.set_member_status(telegram.supergroup, alice, "left")  # not in the gated group yet
    send_tusd(chain, safe_contracts, chain.accounts[0], wallet.address, 120)

    [issued] = await world.on_telegram(f"/verify wallet {wallet.address}", private=True)
    signature = personal_sign(wallet, sign_in_message(issued.plain or ""))
    [verified] = await world.on_telegram(f"/verify signature {signature}", private=True)
    assert "✅ Holder: you hold 120 TUSD" in (verified.plain or "")
    await world.app.outbox.drain()

    [(link, invite)] = telegram.invite_links.items()
    assert (invite.chat_id, invite.member_limit) == (int(GATED_GROUP), 1)
    dms = [m.plain or "" for m in telegram.messages(telegram.private(alice), from_bot=True)]
    assert any("You may join Holder" in m and "you hold 120 TUSD" in m for m in dms)
    telegram.join_by_link(link, alice)
    assert telegram.member_status(int(GATED_GROUP), alice) == "member"

    send_tusd(chain, safe_contracts, wallet, chain.accounts[0].address, 100)
    await world.app.scheduler.run_now(ROLE_CHECK_JOB)
    await world.app.outbox.drain()
    assert telegram.member_status(int(GATED_GROUP), alice) == "left"
    dms = [m.plain or "" for m in telegram.messages(telegram.private(alice), from_bot=True)]
    assert any("Role removed: Holder" in m and "you hold 20 at" in m for m in dms)


async def test_forget_takes_the_roles_back_and_leaves_no_wallet(
    world: World, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    fake = world.discord
    fake.guild.roles.append(FakeRole(HOLDER_ROLE, "Holder", 0, 1))
    alice, wallet = fake.user("alice"), chain.accounts[7]
    send_tusd(chain, safe_contracts, chain.accounts[0], wallet.address, 500)
    issued = discord_text(await world.on_discord("verify wallet", {"address": wallet.address}))
    signature = personal_sign(wallet, sign_in_message(issued))
    await world.on_discord("verify signature", {"signature": signature})
    await world.app.outbox.drain()
    member = fake.guild.member(alice.id)
    assert member is not None and HOLDER_ROLE in member.role_ids

    forgotten = discord_text(await world.on_discord("forget", {"confirm": "confirm"}))
    assert "Forgotten" in forgotten
    await world.app.outbox.drain()
    assert HOLDER_ROLE not in member.role_ids
    assert fake.role_changes[-1].reason == "Holder: the member asked to be forgotten"
    async with world.app.db.read() as session:
        for table in (RoleHolding, WalletLink, SignInRequest):
            assert (await session.exec(select(table))).all() == []
        # The grant and the revoke are still on record, but no longer say for whom.
        changes = (await session.exec(select(RoleChangeRecord))).all()
        assert sorted(c.action for c in changes) == ["grant", "revoke"]
        assert all(c.state == "delivered" and c.user_id == "forgotten" for c in changes)
        outbox = (await session.exec(select(OutboxMessage))).all()
        assert outbox, "what was delivered is still known, so it is never delivered twice"
        naming = [r for r in outbox if alice.id in f"{r.key} {r.destination} {r.reply}"]
        assert naming == []
