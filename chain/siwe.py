"""Sign-In with Ethereum (EIP-4361): the message to sign, and whether a signature proves it.

A plain account proves it by the EIP-191 (`personal_sign`) signature recovering to the message's
address, checked here with no request at all. Anything else costs one JSON-RPC batch: the
address's code and EIP-1271 `isValidSignature(hash, signature)` asked of it together. A contract
wallet answers the magic value 0x1626ba7e when it accepts; a Safe accepts its owners' signatures
of its own SafeMessage hash of the EIP-191 hash, up to its threshold (a 2-of-3 Safe's signature
is two concatenated owner signatures, which no ecrecover of the message can explain).

Each refusal is its own exception, a SignInRefused with a `reason` code and a sentence a member
can act on. The nonce is only read back: whether it was issued and is still unused is the
caller's to know.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from eth_account.messages import defunct_hash_message
from eth_utils.address import to_checksum_address

from chain.eip1271 import contract_accepts, recover
from chain.node import ChainNode
from chain.siwe_message import MessageFormatError, SignInMessage, new_nonce, parse_message

__all__ = [
    "BadSignature",
    "ExpiredMessage",
    "MalformedMessage",
    "MessageFormatError",
    "NotYetValid",
    "SignInMessage",
    "SignInRefused",
    "SignInResult",
    "WrongChain",
    "WrongDomain",
    "WrongSigner",
    "new_message",
    "new_nonce",
    "parse_message",
    "verify_sign_in",
]

WalletKind = Literal["account", "contract"]


class SignInRefused(Exception):
    """The signature does not sign the member in; `reason` is a stable code for the caller."""

    reason = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedMessage(SignInRefused):
    reason = "malformed"


class WrongDomain(SignInRefused):
    reason = "wrong_domain"


class WrongChain(SignInRefused):
    reason = "wrong_chain"


class ExpiredMessage(SignInRefused):
    reason = "expired"


class NotYetValid(SignInRefused):
    reason = "not_yet_valid"


class BadSignature(SignInRefused):
    """Not a signature at all, or one no key and no contract wallet stands behind."""

    reason = "bad_signature"


class WrongSigner(SignInRefused):
    """A signature, but by someone else: `signer` is who signed when that can be told."""

    reason = "wrong_signer"

    def __init__(self, message: str, signer: str | None = None) -> None:
        super().__init__(message)
        self.signer = signer


@dataclass(frozen=True)
class SignInResult:
    address: str  # checksummed
    nonce: str  # the caller checks it was issued and marks it used
    wallet: WalletKind
    message: SignInMessage


def new_message(
    address: str,
    domain: str,
    uri: str,
    chain_id: int,
    nonce: str,
    issued_at: datetime,
    expires_at: datetime | None,
    statement: str | None = None,
) -> str:
    """The EIP-4361 text for `address` to sign. Raises MessageFormatError (a ValueError) for a
    field the format cannot carry: an address that is not one, a statement over one line, a
    nonce shorter than 8 letters or digits, a time without its zone."""
    try:
        checksummed = to_checksum_address(address)
    except ValueError as exc:
        raise MessageFormatError(f"not an address: {address!r}") from exc
    message = SignInMessage(
        domain=domain,
        address=checksummed,
        uri=uri,
        chain_id=chain_id,
        nonce=nonce,
        issued_at=issued_at,
        statement=statement or None,
        expires_at=expires_at,
    )
    message.check()
    return message.text()


async def verify_sign_in(
    message_text: str,
    signature: str | bytes,
    *,
    domain: str,
    chain_id: int,
    now: datetime,
    web3: ChainNode | None,
) -> SignInResult:
    """The signed-in address, or the SignInRefused subclass that says why not. `web3` is the
    node of chain `chain_id`, asked (one batch) only when the signature is not the address's own
    key's; None when no node is configured, so only plain accounts can sign in. RpcError when
    the node fails; ValueError for a `now` without its time zone."""
    if now.tzinfo is None:
        raise ValueError("now must carry its time zone")
    try:
        message = parse_message(message_text)
    except MessageFormatError as exc:
        raise MalformedMessage(f"This is not a Sign-In with Ethereum message ({exc}).") from exc
    if message.domain.lower() != domain.lower():
        raise WrongDomain(f"The message is for {message.domain}, not {domain}.")
    if message.chain_id != chain_id:
        raise WrongChain(f"The message is for chain {message.chain_id}, not {chain_id}.")
    if message.expires_at is not None and now >= message.expires_at:
        raise ExpiredMessage("The message expired; ask for a new one.")
    if message.not_before is not None and now < message.not_before:
        raise NotYetValid("The message is not valid yet.")
    raw = _signature_bytes(signature)
    digest = defunct_hash_message(text=message_text)
    signer = recover(digest, raw)
    if signer == message.address:
        return SignInResult(message.address, message.nonce, "account", message)
    accepted = (
        await contract_accepts(web3, message.address, digest, raw) if web3 is not None else None
    )
    if accepted:
        return SignInResult(message.address, message.nonce, "contract", message)
    if signer is not None:
        raise WrongSigner(f"This signature is from {signer}, not {message.address}.", signer)
    if accepted is None:
        raise BadSignature(f"This is not a signature by {message.address}'s key.")
    raise WrongSigner(
        f"The contract wallet {message.address} did not accept this signature: a Safe needs "
        "enough of its owners to sign."
    )


def _signature_bytes(signature: str | bytes) -> bytes:
    if isinstance(signature, bytes):
        raw = signature
    else:
        # As pasted from a wallet: maybe quoted, maybe without 0x.
        text = signature.strip().strip("\"'`").removeprefix("0x").removeprefix("0X")
        try:
            raw = bytes.fromhex(text)
        except ValueError as exc:
            raise BadSignature("The signature is not hexadecimal.") from exc
    if not raw:
        raise BadSignature("The signature is empty.")
    return raw
