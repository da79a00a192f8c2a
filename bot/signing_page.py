"""Pages where a member signs with their browser's wallet, and the signature comes back to us.

A feature that needs a signature (onboarding's Sign-In with Ethereum, a Snapshot proposal) gives
a `Signer`: what a token's page shows and asks the wallet for (`SigningPage`), and what to do
with the signature posted back. This module owns the rest, the same for every feature: the one
HTML page with its inline script allowed by a per-response CSP nonce (no external scripts,
styles or fonts; it may talk to this server only), the cap on what may be posted, reading the
signature from JSON or plain text, and the headers that keep the token in the address private.

The page asks EIP-1193 `window.ethereum` for the accounts, checks the connected one is the
expected signer, signs with `personal_sign` (a text message) or `eth_signTypedData_v4` (EIP-712
typed data) and posts `{"signature": "0x…"}` to its own address.
"""

from __future__ import annotations

import html
import json
import secrets
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from aiohttp import web

from bot.signing_html import PAGE

MAX_BODY = 8192
TOO_LARGE = "Too large: send the signature alone."
State = Literal["open", "used", "expired"]


@dataclass(frozen=True)
class SigningPage:
    """One page: `shown` is what is signed, as the member reads it (the message, or a summary
    of the typed data); `request` is what the wallet gets: `{"method": "personal_sign",
    "message": text}` or `{"method": "eth_signTypedData_v4", "typedData": {...}}`."""

    title: str
    heading: str
    intro: str
    shown: str
    address: str
    request: dict[str, Any]
    state: State
    # Also what a member without a browser wallet can do (paste the signature in chat).
    hint: str
    used: str  # why the button is gone once the request was used
    expired: str
    chain_id: int | None = None  # None: any chain (EIP-712 domains without a chainId)


class SigningRefused(Exception):
    """What the page tells the member, with the HTTP status (400 refused, 404 unknown token,
    503 could not check now)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class Signer(Protocol):
    async def page(self, token: str) -> SigningPage | None:
        """The page of a token, None when this bot never issued it."""
        ...

    async def receive(self, token: str, signature: str) -> str:
        """Take the signature; the sentence to show on success. Raises SigningRefused."""
        ...


def signing_routes(path: str, signer: Signer, unknown: str) -> list[web.RouteDef]:
    """GET and POST `path` (which holds `{token}`), for `signer`; `unknown` is the text of a
    token this bot did not issue."""
    if "{token}" not in path:
        raise ValueError("the signing page's path needs a {token} part")

    async def show(request: web.Request) -> web.Response:
        page = await signer.page(request.match_info["token"])
        if page is None:
            return text_response(404, unknown)
        return _page(page)

    async def receive(request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return text_response(413, TOO_LARGE)
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return text_response(413, TOO_LARGE)
        try:
            signature = _signature_of(raw, request.content_type)
            done = await signer.receive(request.match_info["token"], signature)
        except SigningRefused as exc:
            return text_response(exc.status, exc.message)
        return text_response(200, done)

    return [web.get(path, show), web.post(path, receive)]


def _signature_of(raw: bytes, content_type: str) -> str:
    text = raw.decode("utf-8", errors="replace")
    if content_type == "application/json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            message = 'The request is not JSON: send {"signature": "0x…"}.'
            raise SigningRefused(400, message) from exc
        signature = data.get("signature") if isinstance(data, dict) else None
        if not isinstance(signature, str):
            message = 'The request has no signature: send {"signature": "0x…"}.'
            raise SigningRefused(400, message)
        return signature
    return text


def text_response(status: int, text: str) -> web.Response:
    response = web.Response(status=status, text=text, content_type="text/plain")
    _secure(response, script_nonce=None)
    return response


def _secure(response: web.Response, script_nonce: str | None) -> None:
    script = f"'nonce-{script_nonce}'" if script_nonce else "'none'"
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src {script}; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # The token is in the address: never send it to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"


def _page(page: SigningPage) -> web.Response:
    data = {
        "address": page.address,
        "chainId": page.chain_id,
        "state": page.state,
        "request": page.request,
        "used": page.used,
        "expired": page.expired,
        "noWallet": f"No wallet found in this browser. {page.hint}",
    }
    # Inside <script type="application/json">: "<" escaped so no text can close the tag.
    data_json = json.dumps(data).replace("<", "\\u003c")
    script_nonce = secrets.token_urlsafe(16)
    text = (
        PAGE.replace("{title}", html.escape(page.title))
        .replace("{heading}", html.escape(page.heading))
        .replace("{intro}", html.escape(page.intro))
        .replace("{hint}", html.escape(page.hint))
        .replace("{shown}", html.escape(page.shown))
        .replace("{data}", data_json)
        .replace("{script_nonce}", script_nonce)
    )
    response = web.Response(text=text, content_type="text/html")
    _secure(response, script_nonce)
    return response
