"""Wallet proofs end to end: /verify wallet issues a real Sign-In with Ethereum message, an
eth-account key (or a Safe's owners) signs it, /verify signature links the wallet; every refusal
has its own reason. The app runs with the console front end and anvil as the chain."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from eth_account import Account
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from cogs.onboarding.wallet_models import SignInRequest, WalletLink
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock
from tests.support.safes import SafeContracts
from tests.support.signing import personal_sign, safe_signature, sign_in_message
from tests.support.treasury import new_safe

MEMBER = Account.from_key("0x" + "a1" * 32)
STRANGER = Account.from_key("0x" + "b2" * 32)


def onboarding(rpc_url: str, chain_id: int = 31337, **more: Any) -> dict[str, Any]:
    return {
        "onboarding": {"chain": {"chain_id": chain_id, "rpc_url": rpc_url}, **more},
        "web": {"port": 0},
    }


@asynccontextmanager
async def console_app(
    tmp_path: Path,
    db_url: str,
    sections: dict[str, Any],
    clock: ManualClock | None = None,
) -> AsyncIterator[App]:
    async with running_app(make_settings(tmp_path, db_url, **sections), clock=clock) as app:
        app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=io.StringIO()))
        yield app


async def run(app: App, line: str) -> str:
    out = io.StringIO()
    await ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out).handle_line(line)
    return out.getvalue()


async def links(app: App) -> list[WalletLink]:
    async with app.db.read() as session:
        return list((await session.exec(select(WalletLink))).all())


async def test_a_member_proves_a_wallet_by_pasting_the_signature(
    tmp_path: Path, db_url: str, chain: Anvil
) -> None:
    async with console_app(tmp_path, db_url, onboarding(chain.url)) as app:
        issued = await run(app, f"/verify wallet {MEMBER.address.lower()}")
        message = sign_in_message(issued)
        # The bot's own domain (the web server's address), the chain, a 10-minute expiry.
        host = app.web.public_url.split("://", 1)[1]
        assert message.startswith(f"{host} wants you to sign in with your Ethereum account:")
        assert f"\n{MEMBER.address}\n" in message  # checksummed
        assert "Chain ID: 31337" in message
        assert f"{app.web.public_url}/sign/" in issued
        async with app.db.read() as session:
            request = (await session.exec(select(SignInRequest))).one()
        assert f"Nonce: {request.nonce}" in message
        assert request.expires_at - request.issued_at == timedelta(minutes=10)

        verified = await run(app, f"/verify signature {personal_sign(MEMBER, message)}")
        assert "Wallet verified" in verified and MEMBER.address in verified
        [link] = await links(app)
        assert (link.address, link.kind, link.platform) == (MEMBER.address, "account", "console")

        # The same signature again: its nonce was used.
        replayed = await run(app, f"/verify signature {personal_sign(MEMBER, message)}")
        assert "used already" in replayed
        assert len(await links(app)) == 1


async def test_a_signature_from_another_address_is_refused(
    tmp_path: Path, db_url: str, chain: Anvil
) -> None:
    async with console_app(tmp_path, db_url, onboarding(chain.url)) as app:
        message = sign_in_message(await run(app, f"/verify wallet {MEMBER.address}"))
        refused = await run(app, f"/verify signature {personal_sign(STRANGER, message)}")
        assert f"made by {STRANGER.address}, not by {MEMBER.address}" in refused
        assert await links(app) == []
        # The refused attempt does not use the nonce up: the right key still can.
        assert "Wallet verified" in await run(
            app, f"/verify signature {personal_sign(MEMBER, message)}"
        )


async def test_an_expired_message_is_refused(tmp_path: Path, db_url: str, chain: Anvil) -> None:
    clock = ManualClock()
    async with console_app(tmp_path, db_url, onboarding(chain.url), clock) as app:
        message = sign_in_message(await run(app, f"/verify wallet {MEMBER.address}"))
        clock.advance(timedelta(minutes=10, seconds=1))
        refused = await run(app, f"/verify signature {personal_sign(MEMBER, message)}")
        assert "expired at 12:10 UTC" in refused
        assert await links(app) == []


async def test_without_a_message_and_with_garbage_the_member_is_told_what_to_do(
    tmp_path: Path, db_url: str, chain: Anvil
) -> None:
    async with console_app(tmp_path, db_url, onboarding(chain.url)) as app:
        assert "start with /verify wallet" in await run(app, "/verify signature 0x1234")
        await run(app, f"/verify wallet {MEMBER.address}")
        assert "That is not a signature" in await run(app, "/verify signature hello")
        bad_checksum = MEMBER.address[:-4] + MEMBER.address[-4:].swapcase()
        if bad_checksum != MEMBER.address:
            assert "checksum" in await run(app, f"/verify wallet {bad_checksum}")


async def test_a_message_for_another_domain_or_chain_is_refused(
    tmp_path: Path, db_url: str, chain: Anvil
) -> None:
    """The operator moved the bot (another public address) or the chain between the message
    and its signature: the signature proves nothing here."""
    first = onboarding(chain.url)
    first["web"] = {"port": 0, "public_url": "https://old.steward.example"}
    async with console_app(tmp_path, db_url, first) as app:
        message = sign_in_message(await run(app, f"/verify wallet {MEMBER.address}"))
    moved = onboarding(chain.url)
    moved["web"] = {"port": 0, "public_url": "https://steward.example"}
    async with console_app(tmp_path, db_url, moved) as app:
        refused = await run(app, f"/verify signature {personal_sign(MEMBER, message)}")
        assert "Wrong domain" in refused and "old.steward.example" in refused

        message = sign_in_message(await run(app, f"/verify wallet {MEMBER.address}"))
    other_chain = onboarding(chain.url, chain_id=10)
    other_chain["web"] = moved["web"]
    async with console_app(tmp_path, db_url, other_chain) as app:
        refused = await run(app, f"/verify signature {personal_sign(MEMBER, message)}")
        assert "Wrong chain" in refused and "31337" in refused
        assert await links(app) == []


async def test_a_2_of_3_safe_proves_itself_with_two_owners_signatures(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    async with console_app(tmp_path, db_url, onboarding(chain.url)) as app:
        message = sign_in_message(await run(app, f"/verify wallet {safe.address}"))
        one_owner = safe_signature(safe, message, chain.accounts[1:2])
        refused = await run(app, f"/verify signature {one_owner}")
        assert f"not by {safe.address}" in refused or "did not accept" in refused
        assert await links(app) == []

        two_owners = safe_signature(safe, message, chain.accounts[1:3])
        verified = await run(app, f"/verify signature {two_owners}")
        assert "Wallet verified" in verified and "contract wallet" in verified
        [link] = await links(app)
        assert (link.address, link.kind) == (safe.address, "contract")


async def test_unlink_removes_the_wallet(tmp_path: Path, db_url: str, chain: Anvil) -> None:
    async with console_app(tmp_path, db_url, onboarding(chain.url)) as app:
        message = sign_in_message(await run(app, f"/verify wallet {MEMBER.address}"))
        await run(app, f"/verify signature {personal_sign(MEMBER, message)}")
        assert "is not linked to you" in await run(app, f"/verify unlink {STRANGER.address}")
        assert "unlinked" in await run(app, f"/verify unlink {MEMBER.address}")
        assert await links(app) == []
