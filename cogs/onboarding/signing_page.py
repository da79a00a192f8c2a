"""The wallet signing page: GET /sign/<nonce> shows the sign-in message and asks the browser's
wallet to sign it (`personal_sign`); the page posts the signature back to the same address.

The page itself, its script, CSP and body caps are the framework's (bot/signing_page.py); this
module says what onboarding's page shows and what a signature posted back does.
"""

from __future__ import annotations

from aiohttp import web

from bot.errors import UpstreamError
from bot.signing_page import SigningPage, SigningRefused, State, signing_routes
from bot.storage.models import as_utc
from cogs.onboarding.wallets import (
    SignInRefused,
    UnknownRequest,
    WalletService,
    clean_signature,
)

UNKNOWN = (
    "No such sign-in request: this bot did not issue this link. Ask for one with /verify wallet."
)


class SignInSigner:
    def __init__(self, wallets: WalletService) -> None:
        self.wallets = wallets

    async def page(self, token: str) -> SigningPage | None:
        found = await self.wallets.request(token)
        if found is None:
            return None
        expires_at = as_utc(found.expires_at)
        state: State = "open"
        if found.used_at is not None:
            state = "used"
        elif expires_at is not None and expires_at <= self.wallets.now():
            state = "expired"
        return SigningPage(
            title="Sign in with Ethereum",
            heading="Prove your wallet",
            intro=f"Your wallet will ask you to sign this message for {found.address}. "
            "Signing sends no transaction and costs nothing.",
            shown=found.message,
            address=found.address,
            request={"method": "personal_sign", "message": found.message},
            state=state,
            hint="Sign the message above with any wallet and paste the signature in chat "
            "with /verify signature.",
            used="This message was used already. Ask for a new one with /verify wallet.",
            expired="This message has expired. Ask for a new one with /verify wallet.",
            chain_id=self.wallets.chain_id,
        )

    async def receive(self, token: str, signature: str) -> str:
        try:
            proved = await self.wallets.prove_nonce(token, clean_signature(signature))
        except UnknownRequest as exc:
            raise SigningRefused(404, UNKNOWN) from exc
        except SignInRefused as exc:
            raise SigningRefused(400, str(exc)) from exc
        except UpstreamError as exc:
            message = f"Could not check the signature now ({exc.service}); try again."
            raise SigningRefused(503, message) from exc
        return f"Verified: {proved.address} is linked to you. You can close this page."


def routes(wallets: WalletService) -> list[web.RouteDef]:
    return signing_routes("/sign/{token}", SignInSigner(wallets), UNKNOWN)
