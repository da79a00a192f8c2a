"""The signing page: GET /sign/<nonce> shows the sign-in message and asks the browser's wallet
(EIP-1193 `window.ethereum`) to sign it; the page posts the signature back to the same address.

No external scripts, styles or fonts: the page is one HTML document with its script inline,
allowed by a per-response CSP nonce; it may talk to this server only.
"""

from __future__ import annotations

import html
import json
import secrets
from datetime import datetime

from aiohttp import web

from bot.errors import UpstreamError
from bot.storage.models import as_utc
from cogs.onboarding.wallet_models import SignInRequest
from cogs.onboarding.wallets import (
    SignInRefused,
    UnknownRequest,
    WalletService,
    clean_signature,
)

MAX_BODY = 8192
UNKNOWN = (
    "No such sign-in request: this bot did not issue this link. Ask for one with /verify wallet."
)


def routes(wallets: WalletService) -> list[web.RouteDef]:
    async def show(request: web.Request) -> web.Response:
        found = await wallets.request(request.match_info["nonce"])
        if found is None:
            return _text(404, UNKNOWN)
        return _page(found, wallets.chain_id, wallets.now())

    async def receive(request: web.Request) -> web.Response:
        nonce = request.match_info["nonce"]
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _text(413, "Too large: send the signature alone.")
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            return _text(413, "Too large: send the signature alone.")
        try:
            signature = _signature_of(raw, request.content_type)
            proved = await wallets.prove_nonce(nonce, clean_signature(signature))
        except UnknownRequest:
            return _text(404, UNKNOWN)
        except SignInRefused as exc:
            return _text(400, str(exc))
        except UpstreamError as exc:
            return _text(503, f"Could not check the signature now ({exc.service}); try again.")
        return _text(200, f"Verified: {proved.address} is linked to you. You can close this page.")

    return [web.get("/sign/{nonce}", show), web.post("/sign/{nonce}", receive)]


def _signature_of(raw: bytes, content_type: str) -> str:
    text = raw.decode("utf-8", errors="replace")
    if content_type == "application/json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise SignInRefused('The request is not JSON: send {"signature": "0x…"}.') from exc
        signature = data.get("signature") if isinstance(data, dict) else None
        if not isinstance(signature, str):
            raise SignInRefused('The request has no signature: send {"signature": "0x…"}.')
        return signature
    return text


def _text(status: int, text: str) -> web.Response:
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
    # The nonce is in the address: never send it to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"


def _page(found: SignInRequest, chain_id: int, now: datetime) -> web.Response:
    expires_at = as_utc(found.expires_at)
    if found.used_at is not None:
        state = "used"
    elif expires_at is not None and expires_at <= now:
        state = "expired"
    else:
        state = "open"
    data = {
        "message": found.message,
        "address": found.address,
        "chainId": chain_id,
        "state": state,
    }
    # Inside <script type="application/json">: "<" escaped so no text can close the tag.
    data_json = json.dumps(data).replace("<", "\\u003c")
    script_nonce = secrets.token_urlsafe(16)
    page = (
        PAGE.replace("{message}", html.escape(found.message))
        .replace("{address}", html.escape(found.address))
        .replace("{data}", data_json)
        .replace("{script_nonce}", script_nonce)
    )
    response = web.Response(text=page, content_type="text/html")
    _secure(response, script_nonce)
    return response


PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with Ethereum · Steward</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto;
         padding: 0 1rem; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.4rem; }
  pre { white-space: pre-wrap; word-break: break-all; background: #fff; border: 1px solid #ddd;
        border-radius: 8px; padding: 1rem; font-size: 0.85rem; }
  button { font: inherit; padding: 0.6rem 1.2rem; border: 0; border-radius: 8px;
           background: #3a5ccc; color: #fff; cursor: pointer; }
  button:disabled { background: #999; cursor: default; }
  #status { margin-top: 1rem; min-height: 1.5rem; }
  .ok { color: #176b2c; font-weight: 600; }
  .error { color: #a31b1b; }
  .hint { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<h1>Prove your wallet</h1>
<p>Your wallet will ask you to sign this message for <code>{address}</code>.
Signing sends no transaction and costs nothing.</p>
<pre id="message">{message}</pre>
<button id="sign" type="button">Sign with my wallet</button>
<div id="status" role="status" aria-live="polite"></div>
<p class="hint">No wallet in this browser? Sign the message above with any wallet and paste
the signature in chat with <code>/verify signature</code>.</p>
<script type="application/json" id="siwe-data">{data}</script>
<script nonce="{script_nonce}">
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("siwe-data").textContent);
  var button = document.getElementById("sign");
  var status = document.getElementById("status");

  function show(text, kind) {
    status.textContent = text;
    status.className = kind || "";
  }

  function utf8Hex(text) {
    var bytes = new TextEncoder().encode(text);
    var hex = "0x";
    for (var i = 0; i < bytes.length; i++) {
      hex += bytes[i].toString(16).padStart(2, "0");
    }
    return hex;
  }

  if (data.state === "used") {
    button.disabled = true;
    show("This message was used already. Ask for a new one with /verify wallet.", "error");
    return;
  }
  if (data.state === "expired") {
    button.disabled = true;
    show("This message has expired. Ask for a new one with /verify wallet.", "error");
    return;
  }

  async function sign() {
    var ethereum = window.ethereum;
    if (!ethereum) {
      show("No wallet found in this browser: sign the message in your wallet and paste the " +
           "signature with /verify signature.", "error");
      return;
    }
    button.disabled = true;
    try {
      show("Connecting to your wallet…");
      var accounts = await ethereum.request({ method: "eth_requestAccounts" });
      var chainId = parseInt(await ethereum.request({ method: "eth_chainId" }), 16);
      var account = (accounts || []).find(function (a) {
        return a.toLowerCase() === data.address.toLowerCase();
      });
      if (!account) {
        show("Your wallet is connected as " + (accounts[0] || "no account") + ", but this " +
             "message is for " + data.address + ": switch to that account and try again.",
             "error");
        button.disabled = false;
        return;
      }
      if (chainId !== data.chainId) {
        show("Your wallet is on chain " + chainId + "; this message is for chain " +
             data.chainId + ". Signing anyway…");
      } else {
        show("Waiting for your signature…");
      }
      var signature = await ethereum.request({
        method: "personal_sign",
        params: [utf8Hex(data.message), account],
      });
      show("Checking the signature…");
      var response = await fetch(window.location.pathname, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ signature: signature }),
      });
      var text = await response.text();
      if (response.ok) {
        show(text, "ok");
        button.hidden = true;
        document.body.dataset.verified = "true";
      } else {
        show(text, "error");
        button.disabled = false;
      }
    } catch (err) {
      show("The wallet did not sign: " + ((err && err.message) || err), "error");
      button.disabled = false;
    }
  }

  button.addEventListener("click", sign);
})();
</script>
</body>
</html>
"""
