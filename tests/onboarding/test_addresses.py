"""The directory and wallet links: /whois by address, addresses for stewards only, the address
book the treasury asks, and /forget unlinking."""

from __future__ import annotations

from bot.directory import Listing
from cogs.onboarding.wallet_models import WalletLink
from tests.onboarding.test_chat import ALICE, onboard_on_discord, rows_naming
from tests.support.world import World, discord_fields, discord_text

ADDRESS = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
OTHER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"


async def test_addresses_in_the_directory(world: World) -> None:
    await onboard_on_discord(world, "alice", ALICE)
    alice_id = world.discord.user("alice").id
    community = await world.app.communities.by_slug("test-dao")
    assert community is not None
    async with world.app.db.transaction() as session:
        session.add(
            WalletLink(
                community_id=community.id, platform="discord", user_id=alice_id, address=ADDRESS
            )
        )

    by_address = await world.on_discord("whois", {"who": ADDRESS.lower()}, user="bob")
    assert "Alice" in discord_text(by_address)
    assert "Wallets" not in discord_fields(by_address)
    steward = await world.on_discord("whois", {"who": ADDRESS}, user="carol")
    assert ADDRESS in discord_fields(steward)["Wallets"]
    nobody = await world.on_discord("whois", {"who": OTHER}, user="bob")
    assert "No member linked" in discord_text(nobody)
    bad = await world.on_discord("whois", {"who": "0x1234"}, user="bob")
    assert "address" in discord_text(bad)

    members_view = await world.on_discord("contributors", {}, user="bob")
    assert ADDRESS not in discord_text(members_view) + str(discord_fields(members_view))
    stewards_view = await world.on_discord("contributors", {}, user="carol")
    assert ADDRESS in discord_fields(stewards_view)["Alice"]

    listings = await world.app.directory.listings(community.id, [ADDRESS, OTHER])
    assert listings == {ADDRESS: [Listing("discord", alice_id, "Alice")]}
    assert await world.app.directory.addresses_of(community.id, "discord", alice_id) == [ADDRESS]
    assert await world.app.directory.addresses_of(community.id, "telegram", alice_id) == []

    await world.on_discord("forget", {"confirm": "confirm"}, user="alice")
    assert await rows_naming(world, alice_id, "Alice") == []
    assert await world.app.directory.listings(community.id, [ADDRESS]) == {}
    assert await world.app.directory.addresses_of(community.id, "discord", alice_id) == []
