"""A Snapshot proposal as the Snapshot sequencer takes it: EIP-712 typed data, signed.

Built exactly as snapshot.js builds it (`src/sign/index.ts`, `src/sign/types.ts`): the domain is
`{name: "snapshot", version: "0.1.4"}` with no chainId; the `Proposal` type lists its fields in
snapshot.js's order, `from` as a string. The sequencer refuses a `types` object whose
`sha256(JSON.stringify(types))` it does not know, so the order and spelling here are the
protocol, not a choice. The EIP-712 hash of the message is the proposal's id on the hub.

`typed_data` is what a wallet's `eth_signTypedData_v4` takes (it carries `EIP712Domain` and
`primaryType`, as wallets want); `envelope` is what is POSTed to the sequencer's root. A
signature is checked as the sequencer checks it (snapshot.js `src/verify/evm.ts`): ecrecover of
the hash first, then EIP-1271 `isValidSignature(hash, signature)` on the author's contract (a
Safe signs with its owners' signatures of its SafeMessage hash of the proposal hash).
EIP-6492 (wallets not deployed yet) is not supported.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from eth_account.messages import encode_typed_data
from eth_utils.address import is_address, to_checksum_address
from eth_utils.crypto import keccak

from chain.eip1271 import contract_accepts, recover
from chain.node import ChainNode

DOMAIN: dict[str, str] = {"name": "snapshot", "version": "0.1.4"}
DOMAIN_TYPE = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}]
PROPOSAL_FIELDS: tuple[tuple[str, str], ...] = (
    ("from", "string"),
    ("space", "string"),
    ("timestamp", "uint64"),
    ("type", "string"),
    ("title", "string"),
    ("body", "string"),
    ("discussion", "string"),
    ("choices", "string[]"),
    ("labels", "string[]"),
    ("start", "uint64"),
    ("end", "uint64"),
    ("snapshot", "uint64"),
    ("plugins", "string"),
    ("privacy", "string"),
    ("app", "string"),
)
VOTING_TYPES = ("single-choice", "approval", "quadratic", "ranked-choice", "weighted", "basic")
# snapshot.js's proposal schema, for spaces without Snapshot Pro.
TITLE_MAX_LENGTH = 256
BODY_MAX_LENGTH = 10_000

WalletKind = Literal["account", "contract"]


def proposal_types() -> dict[str, list[dict[str, str]]]:
    """The `types` of the envelope: only `Proposal`, as snapshot.js sends it."""
    return {"Proposal": [{"name": name, "type": kind} for name, kind in PROPOSAL_FIELDS]}


def types_hash(types: dict[str, Any]) -> str:
    """sha256 of `JSON.stringify(types)` (compact, key order kept, non-ASCII as is), hex: what
    the sequencer looks up in snapshot.js's `hashedTypes.json`."""
    text = json.dumps(types, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class SnapshotProposal:
    """One proposal to sign. Times are Unix seconds; `snapshot` is the block whose balances
    count; `author` signs it (the envelope's `address` and the message's `from`)."""

    space: str
    author: str
    title: str
    body: str
    choices: tuple[str, ...]
    start: int
    end: int
    snapshot: int
    timestamp: int
    type: str = "single-choice"
    discussion: str = ""
    labels: tuple[str, ...] = field(default=())
    plugins: str = "{}"  # a JSON string, as the type says
    privacy: str = ""  # "" or "shutter"
    app: str = ""

    def __post_init__(self) -> None:
        if not is_address(self.author):
            raise ValueError(f"the author is not an address: {self.author!r}")
        object.__setattr__(self, "author", to_checksum_address(self.author))
        object.__setattr__(self, "choices", tuple(self.choices))
        object.__setattr__(self, "labels", tuple(self.labels))
        if self.type not in VOTING_TYPES:
            raise ValueError(f"unknown voting type {self.type!r}; one of {', '.join(VOTING_TYPES)}")

    def message(self) -> dict[str, Any]:
        """The `message` of the typed data, its keys in the type's order."""
        values: dict[str, Any] = {
            "from": self.author,
            "space": self.space,
            "timestamp": self.timestamp,
            "type": self.type,
            "title": self.title,
            "body": self.body,
            "discussion": self.discussion,
            "choices": list(self.choices),
            "labels": list(self.labels),
            "start": self.start,
            "end": self.end,
            "snapshot": self.snapshot,
            "plugins": self.plugins,
            "privacy": self.privacy,
            "app": self.app,
        }
        return {name: values[name] for name, _ in PROPOSAL_FIELDS}


def typed_data(proposal: SnapshotProposal) -> dict[str, Any]:
    """The typed data for a wallet's `eth_signTypedData_v4` (JSON-serialisable)."""
    return {
        "types": {"EIP712Domain": DOMAIN_TYPE, **proposal_types()},
        "primaryType": "Proposal",
        "domain": dict(DOMAIN),
        "message": proposal.message(),
    }


def proposal_hash(proposal: SnapshotProposal) -> bytes:
    """The EIP-712 hash the author signs."""
    signable = encode_typed_data(full_message=typed_data(proposal))
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def proposal_id(proposal: SnapshotProposal) -> str:
    """The id the sequencer answers and the hub lists the proposal under: 0x + the hash."""
    return "0x" + proposal_hash(proposal).hex()


def envelope(proposal: SnapshotProposal, signature: str) -> dict[str, Any]:
    """The body to POST to the sequencer: exactly `address`, `sig` and `data`."""
    return {
        "address": proposal.author,
        "sig": signature,
        "data": {"domain": dict(DOMAIN), "types": proposal_types(), "message": proposal.message()},
    }


class SignatureRefused(Exception):
    """The signature does not sign the proposal; `reason` is a stable code, the message a
    sentence the author can act on."""

    reason = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotASignature(SignatureRefused):
    """Empty, not hexadecimal, or of a length no key makes (and the author is no contract)."""

    reason = "not_a_signature"


class WrongSigner(SignatureRefused):
    """A key signed, but not the author's; `signer` names it."""

    reason = "wrong_signer"

    def __init__(self, message: str, signer: str | None = None) -> None:
        super().__init__(message)
        self.signer = signer


class ContractRefused(SignatureRefused):
    """The author is a contract wallet and `isValidSignature` said no (or reverted)."""

    reason = "contract_refused"


class ContractUnchecked(SignatureRefused):
    """The signature could only be a contract wallet's, and no node was given to ask."""

    reason = "contract_unchecked"


@dataclass(frozen=True)
class VerifiedSignature:
    signature: str  # 0x-prefixed lowercase hex, as it goes into the envelope
    wallet: WalletKind


def parse_signature(signature: str | bytes) -> bytes:
    """The bytes of a signature as a wallet gives it or a member pastes it (quoted, with or
    without 0x). NotASignature when it is empty or not hexadecimal."""
    if isinstance(signature, bytes):
        raw = signature
    else:
        text = signature.strip().strip("\"'`").removeprefix("0x").removeprefix("0X")
        try:
            raw = bytes.fromhex(text)
        except ValueError as exc:
            raise NotASignature("The signature is not hexadecimal.") from exc
    if not raw:
        raise NotASignature("The signature is empty.")
    return raw


async def verify_signature(
    proposal: SnapshotProposal, signature: str | bytes, *, node: ChainNode | None
) -> VerifiedSignature:
    """Whether `signature` is the author's signature of `proposal`, as the sequencer decides:
    a key's, else (one JSON-RPC batch to `node`, the chain of the space) a contract wallet's
    through EIP-1271. Raises the SignatureRefused subclass that says why not; RpcError when
    the node fails."""
    raw = parse_signature(signature)
    digest = proposal_hash(proposal)
    signer = recover(digest, raw)
    shown = "0x" + raw.hex()
    if signer == proposal.author:
        return VerifiedSignature(shown, "account")
    accepted = await contract_accepts(node, proposal.author, digest, raw) if node else None
    if accepted:
        return VerifiedSignature(shown, "contract")
    if accepted is False:
        raise ContractRefused(
            f"The contract wallet {proposal.author} did not accept this signature: a Safe "
            "needs enough of its owners to sign the proposal through the Safe."
        )
    if signer is not None:
        raise WrongSigner(f"This signature is from {signer}, not {proposal.author}.", signer)
    if node is None and len(raw) != 65:
        raise ContractUnchecked(
            f"A {len(raw)}-byte signature can only be a contract wallet's, and no chain node is "
            "configured to ask it."
        )
    raise NotASignature(
        f"This is not a signature by {proposal.author}: a key's signature is 65 bytes, "
        f"this one is {len(raw)}."
    )
