"""Role rules judged on anvil: each rule's one batched read for every member, and /verify
refresh explaining, for each role, which rule gives or withholds it and why."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from sqlmodel import select

from bot.app import App
from bot.storage.models import Community, CommunitySpace, OutboxMessage
from cogs.onboarding.models import ContributorProfile
from cogs.onboarding.wallet_models import RoleHolding, WalletLink
from tests.onboarding.test_wallet_proofs import console_app, onboarding, run
from tests.support.anvil import Anvil
from tests.support.holdings import mint_badge, mint_critter, send_tusd
from tests.support.rpc_proxy import RpcProxy
from tests.support.safes import SafeContracts
from tests.support.signing import personal_sign, sign_in_message
from tests.support.treasury import new_safe


def rules(contracts: SafeContracts, safe: str) -> list[dict[str, Any]]:
    return [
        {
            "name": "Holder",
            "explanation": "holds at least 100 TUSD",
            "discord_role_id": "501",
            "erc20": {"token": contracts.token, "min": "100"},
        },
        {"name": "Critter", "discord_role_id": "502", "erc721": {"collection": contracts.erc721}},
        {
            "name": "Badge",
            "discord_role_id": "503",
            "erc1155": {"collection": contracts.erc1155, "token_id": 7},
        },
        {"name": "Signer", "discord_role_id": "504", "safe_owner": {"safe": safe}},
        {"name": "Member", "discord_role_id": "505", "onboarded": True},
        {"name": "Builder", "discord_role_id": "506", "skill": "solidity"},
    ]


async def prove(app: App, account: LocalAccount) -> None:
    message = sign_in_message(await run(app, f"/verify wallet {account.address}"))
    assert "Wallet verified" in await run(
        app, f"/verify signature {personal_sign(account, message)}"
    )


def explained(reply: str) -> dict[str, str]:
    """Rule name -> "✅ reason" / "❌ reason", from the refresh reply's lines."""
    found = {}
    for line in reply.splitlines():
        for mark in ("✅", "❌", "⚠️"):
            if line.strip().startswith(mark) and "**" in line:
                name = line.split("**")[1]
                found[name] = f"{mark} {line.split('**: ', 1)[1]}"
    return found


async def test_refresh_explains_each_role_with_the_numbers_behind_it(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)  # owned by accounts 1 to 3
    member = chain.accounts[1]
    send_tusd(chain, safe_contracts, chain.accounts[0], member.address, 40)
    sections = onboarding(chain.url, roles=rules(safe_contracts, safe.address))
    async with console_app(tmp_path, db_url, sections) as app:
        before = explained(await run(app, "/verify refresh"))
        assert before["Holder"].startswith("❌ needs 100 TUSD; link a wallet first")
        assert before["Member"] == "❌ needs /onboard completed"

        await prove(app, member)
        short = f"{member.address[:6]}…{member.address[-4:]}"
        now = explained(await run(app, "/verify refresh"))
        assert now["Holder"] == f"❌ needs 100 TUSD, you hold 40 at {short}"
        assert now["Critter"].startswith("❌ needs an NFT of Steward Test Critters")
        assert now["Badge"].startswith("❌ needs token #7 of")
        assert now["Signer"] == f"✅ {short} is an owner of the Safe"
        assert now["Builder"] == "❌ needs the skill solidity in your /profile"

        send_tusd(chain, safe_contracts, chain.accounts[0], member.address, 60.5)
        mint_critter(chain, safe_contracts, member.address, 31)
        mint_badge(chain, safe_contracts, member.address, 7, 2)
        await add_profile(app, ["solidity"])
        after = explained(await run(app, "/verify refresh"))
        assert after["Holder"] == f"✅ you hold 100.5 TUSD at {short} (needs 100)"
        assert after["Critter"] == f"✅ you hold 1 at {short}"
        assert after["Badge"] == f"✅ you hold 2 at {short}"
        assert after["Member"] == "✅ you completed /onboard"
        assert after["Builder"] == "✅ your profile lists solidity"


async def test_one_batched_read_per_rule_however_many_members(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    async with RpcProxy(chain.url) as proxy:
        sections = onboarding(proxy.url, roles=rules(safe_contracts, safe.address))
        async with console_app(tmp_path, db_url, sections) as app:
            service = app.runtimes["onboarding"].roles
            community = await console_community(app)
            for account in chain.accounts[4:9]:  # five members' wallets, linked as stored
                await link(app, community, account.address)
            await service.judge(community)  # reads each collection's name and decimals once
            proxy.reset()
            review = await service.judge(community)
            assert len(review.verdicts) == 5
            # Four chain rules, one HTTP request each, whatever the number of members.
            assert proxy.stats.requests == 4
            assert proxy.stats.batches == 4


async def console_community(app: App) -> int:
    async with app.db.read() as session:
        query = select(Community).where(Community.slug == app.settings.console.community)
        found = (await session.exec(query)).one()
    assert found.id is not None
    return found.id


async def link(app: App, community_id: int, address: str) -> None:
    async with app.db.transaction() as session:
        session.add(
            WalletLink(
                community_id=community_id, platform="console", user_id=address[-6:], address=address
            )
        )


async def add_profile(app: App, skills: list[str]) -> None:
    """The console member's profile, as a finished /onboard stores it."""
    community = await console_community(app)
    async with app.db.transaction() as session:
        session.add(
            ContributorProfile(
                community_id=community,
                platform="console",
                user_id=os.environ.get("USER", "you"),
                display_name="Member",
                skills=skills,
            )
        )


async def test_a_chain_that_cannot_be_read_leaves_roles_as_they_are(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    """A flaky RPC never strips roles: the rule is reported as not checked, nothing changes."""
    safe = new_safe(chain, safe_contracts)
    async with RpcProxy(chain.url) as proxy:
        sections = onboarding(proxy.url, roles=rules(safe_contracts, safe.address)[:1])
        sections["http"] = {"allow_private": ["127.0.0.1"], "attempts": 1, "timeout": 2}
        async with console_app(tmp_path, db_url, sections) as app:
            roles = app.runtimes["onboarding"].roles
            community = await console_community(app)
            # A Discord member of this community who holds the role, with a wallet of 0 TUSD.
            async with app.db.transaction() as session:
                session.add(
                    CommunitySpace(platform="discord", space_id="999", community_id=community)
                )
                session.add(
                    WalletLink(
                        community_id=community,
                        platform="discord",
                        user_id="42",
                        address=chain.accounts[8].address,
                    )
                )
                session.add(
                    RoleHolding(
                        community_id=community,
                        platform="discord",
                        user_id="42",
                        rule="Holder",
                        role_id="501",
                    )
                )
            [[judged]] = (await roles.judge(community)).verdicts.values()
            assert judged.holds is False  # read: it would be taken back

            await proxy.stop()  # the node is gone
            review = await roles.check(community)
            [[verdict]] = review.verdicts.values()
            assert verdict.holds is None and "could not be checked now" in verdict.reason
            assert review.changes == []
            async with app.db.read() as session:
                assert len((await session.exec(select(RoleHolding))).all()) == 1
                assert (await session.exec(select(OutboxMessage))).all() == []
