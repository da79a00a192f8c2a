"""Signing and checking a text with an Ethereum key, as EIP-191 `personal_sign` does.

The signature is over "\\x19Ethereum Signed Message:\\n<length>" + the text's UTF-8 bytes, the
form wallets and `ethers.verifyMessage` use, so anyone can check it without Steward. The key is
handed in by the caller (from the environment) and never kept or logged here.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct
from eth_utils.address import to_checksum_address

from chain.eip1271 import recover


class BadKey(ValueError):
    """The configured private key is not a 32-byte secp256k1 key (the key itself is not said)."""


@dataclass(frozen=True)
class TextSignature:
    signature: str  # 0x-prefixed r‖s‖v, 65 bytes
    signer: str  # checksummed address of the key


def address_of(private_key: str) -> str:
    try:
        return str(Account.from_key(private_key).address)
    except Exception as exc:  # ValueError, binascii.Error: say nothing about the value
        raise BadKey("the signing key is not a 32-byte hex private key") from exc


def sign_text(private_key: str, text: str) -> TextSignature:
    try:
        signed = Account.sign_message(encode_defunct(text=text), private_key)
    except Exception as exc:
        raise BadKey("the signing key is not a 32-byte hex private key") from exc
    return TextSignature(
        signature=signed.signature.to_0x_hex(),
        signer=str(Account.from_key(private_key).address),
    )


def recover_text_signer(text: str, signature: str) -> str | None:
    """The checksummed address whose key signed `text` (EIP-191), or None when `signature` is
    not one (malformed, wrong length)."""
    try:
        raw = bytes.fromhex(signature.removeprefix("0x"))
    except ValueError:
        return None
    return recover(bytes(defunct_hash_message(text=text)), raw)


def same_address(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    try:
        return to_checksum_address(a) == to_checksum_address(b)
    except ValueError:
        return False
