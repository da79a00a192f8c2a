"""The signing page in real headless Chromium (Debian's package, driven by Playwright): an
injected EIP-1193 wallet signs with a test key, the page posts the signature back, the member
is verified and told in chat. Its screenshot is the README's."""

from __future__ import annotations

import io
import os
import socket
from pathlib import Path

import aiohttp
import pytest
from eth_account import Account
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.storage.models import OutboxMessage
from cogs.onboarding.wallet_models import SignInRequest, WalletLink
from tests.onboarding.test_wallet_proofs import console_app, onboarding, run
from tests.support.anvil import Anvil
from tests.support.signing import (
    CHROMIUM,
    personal_sign,
    sign_in_browser,
    sign_in_message,
    signing_url,
)

MEMBER = Account.from_key("0x" + "c3" * 32)
OTHER = Account.from_key("0x" + "d4" * 32)
DOCS = Path(__file__).resolve().parents[2] / "docs"

# Skipped on a machine without Debian's chromium package, except on CI (.ci/run installs it).
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and os.environ.get("STEWARD_REQUIRE_BROWSER") != "1",
    reason="Debian's chromium package is not installed (apt-get install chromium)",
)


async def test_the_page_signs_posts_back_and_the_member_is_verified(
    tmp_path: Path, db_url: str, chain: Anvil
) -> None:
    async with console_app(tmp_path, db_url, onboarding(chain.url)) as app:
        console_out = io.StringIO()
        app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out))
        url = signing_url(await run(app, f"/verify wallet {MEMBER.address}"))

        visit = await sign_in_browser(url, MEMBER, 31337, screenshot=tmp_path / "page.png")
        assert visit.verified, visit.status
        assert f"Verified: {MEMBER.address}" in visit.status
        assert visit.calls == ["eth_requestAccounts", "eth_chainId", "personal_sign"]
        async with app.db.read() as session:
            [link] = (await session.exec(select(WalletLink))).all()
            request = (await session.exec(select(SignInRequest))).one()
        assert link.address == MEMBER.address and request.used_at is not None

        # Told in chat, by direct message through the outbox.
        await app.outbox.drain()
        assert "Wallet verified" in console_out.getvalue()
        assert f"direct message to {link.user_id}" in console_out.getvalue()

        # Opened again, the page says the message is spent and offers no button to press.
        async with aiohttp.ClientSession() as http, http.get(url) as again:
            assert again.status == 200
            assert '"state": "used"' in await again.text()


async def test_the_page_refuses_the_wrong_account_and_nonces_it_did_not_issue(
    tmp_path: Path, db_url: str, chain: Anvil
) -> None:
    async with console_app(tmp_path, db_url, onboarding(chain.url)) as app:
        issued = await run(app, f"/verify wallet {MEMBER.address}")
        url = signing_url(issued)

        wrong = await sign_in_browser(url, OTHER, 31337, connected_as=OTHER)
        assert not wrong.verified
        assert f"this message is for {MEMBER.address}" in wrong.status
        assert "personal_sign" not in wrong.calls

        unknown = url.rsplit("/", 1)[0] + "/0123456789abcdef01234567"
        signature = personal_sign(MEMBER, sign_in_message(issued))
        async with aiohttp.ClientSession() as http:
            async with http.get(unknown) as page:
                assert page.status == 404
                assert "did not issue" in await page.text()
            async with http.post(unknown, json={"signature": signature}) as posted:
                assert posted.status == 404
                assert "did not issue" in await posted.text()
            # The right message signed by another key, posted by hand: refused with its reason.
            other = personal_sign(OTHER, sign_in_message(issued))
            async with http.post(url, json={"signature": other}) as posted:
                assert posted.status == 400
                assert f"made by {OTHER.address}" in await posted.text()
            async with http.post(url, json={"signature": "nonsense"}) as posted:
                assert posted.status == 400
                assert "not a signature" in await posted.text()
            async with app.db.read() as session:
                assert (await session.exec(select(WalletLink))).all() == []
                assert (await session.exec(select(OutboxMessage))).all() == []


async def test_screenshot_for_the_readme(tmp_path: Path, db_url: str, chain: Anvil) -> None:
    """The README's picture of the page once a member signed. Written to docs/ only when
    STEWARD_WRITE_DOCS=1 (a test run leaves the checkout as it was)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("one screenshot is enough")
    target = DOCS if os.environ.get("STEWARD_WRITE_DOCS") == "1" else tmp_path
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sections = onboarding(chain.url)
    sections["web"] = {"port": port, "public_url": f"http://localhost:{port}"}
    async with console_app(tmp_path, db_url, sections) as app:
        url = signing_url(await run(app, f"/verify wallet {MEMBER.address}"))
        visit = await sign_in_browser(url, MEMBER, 31337, screenshot=target / "signing-page.png")
        assert visit.verified
        assert (target / "signing-page.png").stat().st_size > 10_000
