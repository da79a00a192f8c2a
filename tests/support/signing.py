"""Members' wallets for the onboarding tests: personal_sign with eth-account keys, a Safe's
owners signing for it (EIP-1271), the sign-in message read back from a reply, and a headless
Chromium whose injected EIP-1193 wallet signs with a test key."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.messages import defunct_hash_message, encode_defunct, encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from tests.support.safes import SafeDriver

CHROMIUM = Path("/usr/bin/chromium")


def personal_sign(account: LocalAccount, text: str) -> str:
    return account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()


def safe_signature(safe: SafeDriver, text: str, signers: Sequence[LocalAccount]) -> str:
    """The Safe's EIP-1271 signature of a personal_sign message: each owner's signature of the
    Safe's SafeMessage hash of the EIP-191 hash, joined in owner address order."""
    return safe_hash_signature(safe, defunct_hash_message(text=text), signers)


def safe_hash_signature(safe: SafeDriver, digest: bytes, signers: Sequence[LocalAccount]) -> str:
    """The Safe's EIP-1271 signature of a 32-byte digest (an EIP-191 hash, an EIP-712 hash such
    as a Snapshot proposal's): each owner's signature of the Safe's SafeMessage hash of it,
    joined in owner address order, as `isValidSignature(digest, signature)` wants it."""
    safe_hash = safe.safe.get_message_hash(HexBytes(digest))
    ordered = sorted(signers, key=lambda account: int(account.address, 16))
    return "0x" + b"".join(bytes(o.unsafe_sign_hash(safe_hash).signature) for o in ordered).hex()


def typed_data_signature(account: LocalAccount, typed_data: dict[str, Any]) -> str:
    """`eth_signTypedData_v4` as a wallet answers it, with the account's key."""
    return account.sign_message(encode_typed_data(full_message=typed_data)).signature.to_0x_hex()


def typed_data_hash(typed_data: dict[str, Any]) -> bytes:
    """The EIP-712 hash of full typed data (what a contract wallet is asked about)."""
    signable = encode_typed_data(full_message=typed_data)
    return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))


def sign_in_message(reply_text: str) -> str:
    """The message of a /verify wallet reply, as sent: from its first line (the domain) to its
    last field, whether the front end shows it in a code block (Discord, the console) or as
    plain lines (Telegram)."""
    found = re.search(
        r"^(\S+ wants you to sign in with your Ethereum account:\n.*?^Expiration Time: \S+)$",
        reply_text,
        re.S | re.M,
    )
    if found is None:
        raise AssertionError(f"no sign-in message in: {reply_text}")
    return found.group(1)


def signing_url(reply_text: str) -> str:
    found = re.search(r"(https?://\S+/sign/[0-9a-f]+)", reply_text)
    if found is None:
        raise AssertionError(f"no signing page link in: {reply_text}")
    return found.group(1)


# An EIP-1193 provider as a browser wallet injects it: requests go to Python, which signs.
PROVIDER = """
window.ethereum = {
  isSteward: true,
  request: async function (args) {
    const answer = await window.__wallet(JSON.stringify(args));
    const parsed = JSON.parse(answer);
    if (parsed.error) { const e = new Error(parsed.error); e.code = 4001; throw e; }
    return parsed.result;
  },
  on: function () {},
  removeListener: function () {},
};
"""


@dataclass
class BrowserVisit:
    status: str
    verified: bool
    calls: list[str]
    screenshot: bytes


async def sign_in_browser(
    url: str,
    account: LocalAccount,
    chain_id: int,
    screenshot: Path | None = None,
    *,
    connected_as: LocalAccount | None = None,
) -> BrowserVisit:
    """Open the signing page in headless Chromium with a wallet that holds `account`'s key (it
    reports `connected_as` as its account when given), press the button and wait for the page's
    verdict."""
    from playwright.async_api import async_playwright

    calls: list[str] = []
    shown = connected_as or account

    def wallet(raw: str) -> str:
        args = json.loads(raw)
        method = args["method"]
        calls.append(method)
        if method in ("eth_requestAccounts", "eth_accounts"):
            return json.dumps({"result": [shown.address]})
        if method == "eth_chainId":
            return json.dumps({"result": hex(chain_id)})
        if method == "personal_sign":
            data, address = args["params"]
            if address.lower() != account.address.lower():
                return json.dumps({"error": "unknown account"})
            text = bytes.fromhex(data.removeprefix("0x")).decode()
            return json.dumps({"result": personal_sign(account, text)})
        if method == "eth_signTypedData_v4":
            address, typed = args["params"]
            if address.lower() != account.address.lower():
                return json.dumps({"error": "unknown account"})
            return json.dumps({"result": typed_data_signature(account, json.loads(typed))})
        return json.dumps({"error": f"unsupported {method}"})

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox"]
        )
        try:
            page = await browser.new_page(viewport={"width": 760, "height": 720})
            await page.expose_function("__wallet", wallet)
            await page.add_init_script(PROVIDER)
            response = await page.goto(url)
            if response is None or response.status != 200:
                raise AssertionError(f"{url}: {response.status if response else 'no answer'}")
            await page.click("#sign")
            # Selectors, not script: the page's CSP forbids evaluating strings.
            await page.wait_for_selector("#status.ok, #status.error", timeout=15_000)
            status = (await page.text_content("#status")) or ""
            verified = await page.get_attribute("body", "data-verified") == "true"
            image = await page.screenshot(full_page=True)
            if screenshot is not None:
                await asyncio.to_thread(screenshot.write_bytes, image)
            return BrowserVisit(status, bool(verified), calls, image)
        finally:
            await browser.close()
