"""Sign-In with Ethereum (EIP-4361) with the `siwe` package: the message to sign, and whether a
signature proves it.

`siwe` writes the message (`prepare_message`), reads it back (`SiweMessage.from_message`, by
EIP-4361's ABNF) and checks it (domain, nonce, expiry, not-before; the chain id is checked here,
siwe has no check for it). Its own signature check recovers a plain account's EIP-191
(`personal_sign`) signature with no request at all. Anything else costs one JSON-RPC batch of our
own (chain/eip1271.py): siwe's EIP-1271 check asks a synchronous web3 provider and gives up on
a 2-of-3 Safe's signature (two concatenated owner signatures, which no ecrecover can explain).

Each refusal is its own exception, a SignInRefused with a `reason` code and a sentence a member
can act on. Whether the nonce was issued and is still unused is the caller's to know; the caller
may pass the nonce it expects, and siwe checks the message carries it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from abnf import GrammarWarning
from eth_account.messages import defunct_hash_message
from eth_keys.exceptions import BadSignature as KeysBadSignature
from eth_utils.address import to_checksum_address
from pydantic import ValidationError

from chain.eip1271 import contract_accepts, recover
from chain.node import ChainNode

with warnings.catch_warnings():
    # siwe 4.4.0's grammar restates RFC 5234's core rules: abnf 2.8 warns, 2.9 refuses (pinned).
    warnings.simplefilter("ignore", GrammarWarning)
    import siwe
    from siwe.siwe import ISO8601Datetime

WalletKind = Literal["account", "contract"]


class MessageFormatError(ValueError):
    """A field the EIP-4361 message cannot carry, or text that is not such a message."""


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


class WrongNonce(SignInRefused):
    reason = "wrong_nonce"


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
    message: Any  # the siwe.SiweMessage signed
    expires_at: datetime | None


def new_message(
    address: str,
    domain: str,
    uri: str,
    chain_id: int,
    nonce: str,
    issued_at: datetime,
    expires_at: datetime | None,
    statement: str | None = None,
    not_before: datetime | None = None,
) -> str:
    """The EIP-4361 text for `address` to sign. Raises MessageFormatError (a ValueError) for a
    field the format cannot carry: an address that is not one, a statement over one line, a
    nonce shorter than 8 letters or digits, a time without its zone."""
    try:
        checksummed = to_checksum_address(address)
    except ValueError as exc:
        raise MessageFormatError(f"not an address: {address!r}") from exc
    try:
        message = siwe.SiweMessage(
            domain=domain,
            address=checksummed,
            uri=uri,
            version="1",
            chain_id=chain_id,
            nonce=nonce,
            issued_at=_written(issued_at),
            expiration_time=_written(expires_at),
            not_before=_written(not_before),
            statement=statement or None,
        )
    except ValidationError as exc:
        raise MessageFormatError(_first_error(exc)) from exc
    text = str(message.prepare_message())
    parse_message(text)  # the ABNF is stricter than siwe's model (a nonce's letters, say)
    return text


def parse_message(text: str) -> Any:
    """The siwe.SiweMessage in `text`, or MessageFormatError saying what breaks EIP-4361."""
    try:
        return siwe.SiweMessage.from_message(text)
    except ValidationError as exc:
        raise MessageFormatError(_first_error(exc)) from exc
    except ValueError as exc:  # the ABNF parser's, with where it stopped as its cause
        start = getattr(exc.__cause__, "start", None)
        where = f" (line {text[:start].count(chr(10)) + 1})" if isinstance(start, int) else ""
        raise MessageFormatError(f"it does not follow EIP-4361's form{where}") from exc


async def verify_sign_in(
    message_text: str,
    signature: str | bytes,
    *,
    domain: str,
    chain_id: int,
    now: datetime,
    web3: ChainNode | None,
    nonce: str | None = None,
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
    address = str(message.address)
    if message.chain_id != chain_id:
        raise WrongChain(f"The message is for chain {message.chain_id}, not {chain_id}.")
    raw = _signature_bytes(signature)
    if await _siwe_accepts(message, raw, domain=domain, nonce=nonce, now=now):
        return _result(message, "account")
    digest = defunct_hash_message(text=message_text)
    signer = recover(digest, raw)
    accepted = await contract_accepts(web3, address, digest, raw) if web3 is not None else None
    if accepted:
        return _result(message, "contract")
    if signer is not None:
        raise WrongSigner(f"This signature is from {signer}, not {address}.", signer)
    if accepted is None:
        raise BadSignature(f"This is not a signature by {address}'s key.")
    raise WrongSigner(
        f"The contract wallet {address} did not accept this signature: a Safe needs "
        "enough of its owners to sign."
    )


async def _siwe_accepts(
    message: Any, raw: bytes, *, domain: str, nonce: str | None, now: datetime
) -> bool:
    """siwe's checks of the message, then of the signature as the address's own key's: True
    when that key signed, False when someone or something else did; refusals raised."""
    # Host names are case-insensitive (RFC 4343); siwe compares them exactly.
    expected = message.domain if str(message.domain).lower() == domain.lower() else domain
    try:
        message.verify("0x" + raw.hex(), domain=expected, nonce=nonce, timestamp=now)
    except siwe.DomainMismatch as exc:
        raise WrongDomain(f"The message is for {message.domain}, not {domain}.") from exc
    except siwe.NonceMismatch as exc:
        raise WrongNonce("This signature is for another sign-in message.") from exc
    except siwe.ExpiredMessage as exc:
        raise ExpiredMessage("The message expired; ask for a new one.") from exc
    except siwe.NotYetValidMessage as exc:
        raise NotYetValid("The message is not valid yet.") from exc
    except (siwe.InvalidSignature, KeysBadSignature):  # no key, or another key, signed it
        return False
    return True


def _result(message: Any, wallet: WalletKind) -> SignInResult:
    expires = message.expiration_time
    return SignInResult(
        str(message.address),
        str(message.nonce),
        wallet,
        message,
        datetime.fromisoformat(expires) if expires is not None else None,
    )


def _written(moment: datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z, to the second (milliseconds when there are some)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise MessageFormatError("times must carry their time zone")
    spec = "milliseconds" if moment.microsecond else "seconds"
    return str(ISO8601Datetime.from_datetime(moment, timespec=spec))


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {error['msg']}" if where else str(error["msg"])


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
