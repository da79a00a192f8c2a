"""Sign-In with Ethereum: messages signed with eth-account keys, and Safes on anvil that sign
through EIP-1271; every refusal has its own exception."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import defunct_hash_message, encode_defunct
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes

from bot.http import HttpClient
from chain.errors import RpcError
from chain.node import ChainNode
from chain.siwe import (
    BadSignature,
    ExpiredMessage,
    MalformedMessage,
    MessageFormatError,
    NotYetValid,
    SignInRefused,
    SignInResult,
    WrongChain,
    WrongDomain,
    WrongNonce,
    WrongSigner,
    new_message,
    parse_message,
    verify_sign_in,
)
from tests.support.anvil import Anvil
from tests.support.safes import SafeContracts, SafeDriver, SafeVersion, create_safe

DOMAIN = "steward.example.org"
URI = "https://steward.example.org/sign"
CHAIN_ID = 31337
ISSUED = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
EXPIRES = ISSUED + timedelta(minutes=10)
MEMBER = Account.from_key("0x" + "11" * 32)
STRANGER = Account.from_key("0x" + "22" * 32)

# EIP-4361's own example message, byte for byte.
EIP_EXAMPLE = """example.com wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ExampleOrg Terms of Service: https://example.com/tos

URI: https://example.com/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json"""


@pytest.fixture
async def node(chain: Anvil) -> AsyncIterator[ChainNode]:
    async with HttpClient() as http:
        yield ChainNode(chain.url, http)


def message_for(address: str, *, nonce: str = "n0nce4steward", **changes: Any) -> str:
    fields: dict[str, Any] = {
        "address": address,
        "domain": DOMAIN,
        "uri": URI,
        "chain_id": CHAIN_ID,
        "nonce": nonce,
        "issued_at": ISSUED,
        "expires_at": EXPIRES,
        "statement": "Link this wallet to your Steward profile.",
        **changes,
    }
    return new_message(**fields)


def personal_sign(account: LocalAccount, text: str) -> str:
    return account.sign_message(encode_defunct(text=text)).signature.to_0x_hex()


async def verify(
    node: ChainNode,
    text: str,
    signature: str | bytes,
    *,
    now: datetime = ISSUED,
    **expected: object,
) -> SignInResult:
    return await verify_sign_in(
        text,
        signature,
        domain=str(expected.get("domain", DOMAIN)),
        chain_id=int(str(expected.get("chain_id", CHAIN_ID))),
        now=now,
        web3=node,
    )


# -- the message ---------------------------------------------------------------------------------


def test_the_eip_example_parses_and_is_written_back_byte_for_byte() -> None:
    message = parse_message(EIP_EXAMPLE)
    assert message.domain == "example.com"
    assert message.address == "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
    assert message.statement == "I accept the ExampleOrg Terms of Service: https://example.com/tos"
    assert (message.chain_id, message.nonce) == (1, "32891756")
    assert datetime.fromisoformat(message.issued_at) == datetime(
        2021, 9, 30, 16, 25, 24, tzinfo=UTC
    )
    assert message.expiration_time is None and len(message.resources) == 2
    assert message.prepare_message() == EIP_EXAMPLE


def test_a_new_message_carries_every_field_and_a_checksummed_address() -> None:
    text = message_for(MEMBER.address.lower(), nonce="abcDEF123456")
    lines = text.split("\n")
    assert lines[0] == f"{DOMAIN} wants you to sign in with your Ethereum account:"
    assert lines[1] == MEMBER.address  # checksummed although given in lower case
    assert "Expiration Time: 2026-12-01T12:10:00Z" in lines
    message = parse_message(text)
    assert (message.domain, message.uri, message.chain_id) == (DOMAIN, URI, CHAIN_ID)
    assert message.nonce == "abcDEF123456"
    assert datetime.fromisoformat(message.issued_at) == ISSUED
    assert datetime.fromisoformat(message.expiration_time) == EXPIRES


def test_without_a_statement_the_blank_lines_stay_as_the_eip_writes_them() -> None:
    text = message_for(MEMBER.address, statement=None, expires_at=None)
    assert f"{MEMBER.address}\n\n\nURI: {URI}" in text
    assert parse_message(text).statement is None


@pytest.mark.parametrize(
    "changes",
    [
        {"address": "0x1234"},
        {"nonce": "short"},
        {"nonce": "has spaces in it"},
        {"statement": "two\nlines"},
        {"domain": "steward.example.org/path"},
        {"issued_at": datetime(2026, 12, 1, 12, 0)},  # no time zone
    ],
)
def test_a_message_the_format_cannot_carry_is_refused_when_made(changes: dict[str, Any]) -> None:
    fields = {"address": MEMBER.address, **changes}
    with pytest.raises(MessageFormatError):
        message_for(**fields)


# -- plain accounts --------------------------------------------------------------------------------


async def test_a_members_own_signature_signs_them_in_without_asking_the_node(
    node: ChainNode,
) -> None:
    text = message_for(MEMBER.address)
    result = await verify_sign_in(
        text, personal_sign(MEMBER, text), domain=DOMAIN, chain_id=CHAIN_ID, now=ISSUED, web3=node
    )
    assert result.address == MEMBER.address
    assert result.nonce == "n0nce4steward"
    assert result.wallet == "account"
    assert result.expires_at == EXPIRES
    assert node.requests == 0


async def test_a_signature_in_any_form_a_wallet_gives_is_the_same_signature(
    node: ChainNode,
) -> None:
    text = message_for(MEMBER.address)
    signature = personal_sign(MEMBER, text)
    raw = bytes.fromhex(signature[2:])
    hardware = raw[:64] + bytes([raw[64] - 27])  # v as 0/1, as Ledger and Trezor give it
    forms = (raw, signature[2:], f'  "{signature}"\n', signature.upper().replace("0X", "0x"))
    for form in (*forms, hardware):
        result = await verify_sign_in(
            text, form, domain=DOMAIN, chain_id=CHAIN_ID, now=ISSUED, web3=node
        )
        assert result.address == MEMBER.address


async def test_the_last_second_before_expiry_is_accepted_and_expiry_itself_refused(
    node: ChainNode,
) -> None:
    text = message_for(MEMBER.address)
    signature = personal_sign(MEMBER, text)
    last = EXPIRES - timedelta(seconds=1)
    assert (await verify(node, text, signature, now=last)).address == MEMBER.address
    for now in (EXPIRES, EXPIRES + timedelta(days=1)):
        with pytest.raises(ExpiredMessage) as refused:
            await verify(node, text, signature, now=now)
        assert refused.value.reason == "expired"


async def test_a_message_not_valid_yet_is_refused(node: ChainNode) -> None:
    valid_from = ISSUED + timedelta(minutes=5)
    text = message_for(MEMBER.address, not_before=valid_from)
    assert "Not Before: 2026-12-01T12:05:00Z" in text.split("\n")
    # siwe refuses up to and including the not-before second itself.
    for now in (ISSUED, valid_from):
        with pytest.raises(NotYetValid) as refused:
            await verify(node, text, personal_sign(MEMBER, text), now=now)
        assert refused.value.reason == "not_yet_valid"
    later = valid_from + timedelta(seconds=1)
    assert (
        await verify(node, text, personal_sign(MEMBER, text), now=later)
    ).address == MEMBER.address


async def test_a_message_with_another_nonce_than_the_one_expected_is_refused(
    node: ChainNode,
) -> None:
    text = message_for(MEMBER.address)
    signature = personal_sign(MEMBER, text)
    with pytest.raises(WrongNonce) as refused:
        await verify_sign_in(
            text,
            signature,
            domain=DOMAIN,
            chain_id=CHAIN_ID,
            now=ISSUED,
            web3=node,
            nonce="0ther1234",
        )
    assert refused.value.reason == "wrong_nonce"
    result = await verify_sign_in(
        text,
        signature,
        domain=DOMAIN,
        chain_id=CHAIN_ID,
        now=ISSUED,
        web3=node,
        nonce="n0nce4steward",
    )
    assert result.nonce == "n0nce4steward" and node.requests == 0


async def test_a_message_for_another_site_is_refused(node: ChainNode) -> None:
    text = message_for(MEMBER.address, domain="evil.example.net")
    with pytest.raises(WrongDomain) as refused:
        await verify(node, text, personal_sign(MEMBER, text))
    assert "evil.example.net" in refused.value.message and refused.value.reason == "wrong_domain"
    # The domain's case does not matter, a port does.
    upper = message_for(MEMBER.address, domain=DOMAIN.upper())
    assert (await verify(node, upper, personal_sign(MEMBER, upper))).address == MEMBER.address
    ported = message_for(MEMBER.address, domain=f"{DOMAIN}:8443")
    with pytest.raises(WrongDomain):
        await verify(node, ported, personal_sign(MEMBER, ported))


async def test_a_message_for_another_chain_is_refused(node: ChainNode) -> None:
    text = message_for(MEMBER.address, chain_id=1)
    with pytest.raises(WrongChain) as refused:
        await verify(node, text, personal_sign(MEMBER, text))
    assert refused.value.reason == "wrong_chain"
    assert "chain 1, not 31337" in refused.value.message


async def test_another_addresss_signature_is_refused_and_names_the_signer(
    node: ChainNode,
) -> None:
    text = message_for(MEMBER.address)
    with pytest.raises(WrongSigner) as refused:
        await verify(node, text, personal_sign(STRANGER, text))
    assert refused.value.signer == STRANGER.address
    assert refused.value.reason == "wrong_signer"
    assert node.requests == 1, "the address's code and EIP-1271 asked in one batch"


async def test_a_signature_of_other_words_is_refused(node: ChainNode) -> None:
    text = message_for(MEMBER.address)
    signature = personal_sign(MEMBER, message_for(MEMBER.address, nonce="0therNonce99"))
    with pytest.raises(WrongSigner) as refused:
        await verify(node, text, signature)
    assert refused.value.signer != MEMBER.address


@pytest.mark.parametrize(
    ("signature", "expected"),
    [
        ("0xnothex", BadSignature),
        ("", BadSignature),
        ("0x" + "00" * 65, BadSignature),  # not a point on the curve: no key made it
        ("0x" + "ab" * 130, BadSignature),  # two owners' worth, but the member has no contract
    ],
)
async def test_what_is_not_a_signature_is_refused(
    node: ChainNode, signature: str, expected: type[SignInRefused]
) -> None:
    text = message_for(MEMBER.address)
    with pytest.raises(expected) as refused:
        await verify(node, text, signature)
    assert refused.value.reason == "bad_signature"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: "hello",
        lambda t: t.replace("Nonce: n0nce4steward\n", ""),
        lambda t: t.replace("Version: 1", "Version: 2"),
        lambda t: t.replace(MEMBER.address, MEMBER.address.lower()),
        lambda t: t.replace("Chain ID: 31337", "Chain ID: 0x7a69"),
        lambda t: t.replace("Issued At: 2026-12-01T12:00:00Z", "Issued At: yesterday"),
        lambda t: t.replace("\n\nURI", "\nURI"),
        lambda t: t + "\nTrailing: words",
        lambda t: t.replace(" wants you to sign in", " would like you to sign in"),
    ],
)
async def test_a_malformed_message_is_refused_before_its_signature_is_looked_at(
    node: ChainNode, mangle: Callable[[str], str]
) -> None:
    text = mangle(message_for(MEMBER.address))
    with pytest.raises(MalformedMessage) as refused:
        await verify(node, text, personal_sign(MEMBER, text))
    assert refused.value.reason == "malformed"
    assert node.requests == 0


# -- contract wallets: Safes on anvil --------------------------------------------------------------


def safe_signature(safe: SafeDriver, text: str, signers: Sequence[LocalAccount]) -> str:
    """What a Safe's owners send as the Safe's EIP-1271 signature of a personal_sign message:
    each one's signature of the Safe's SafeMessage hash of the EIP-191 hash, sorted by owner."""
    safe_hash = safe.safe.get_message_hash(HexBytes(defunct_hash_message(text=text)))
    ordered = sorted(signers, key=lambda account: int(account.address, 16))
    return "0x" + b"".join(bytes(o.unsafe_sign_hash(safe_hash).signature) for o in ordered).hex()


def new_safe(
    chain: Anvil, contracts: SafeContracts, threshold: int, version: SafeVersion = "1.4.1"
) -> SafeDriver:
    owners = chain.accounts[1:4]
    address = create_safe(chain, contracts, owners, threshold, version=version)
    return SafeDriver(chain, contracts, address, owners)


@pytest.mark.parametrize("version", ["1.3.0", "1.4.1", "1.5.0"])
async def test_a_2_of_3_safe_signs_in_with_two_owners_signatures(
    chain: Anvil, safe_contracts: SafeContracts, node: ChainNode, version: SafeVersion
) -> None:
    safe = new_safe(chain, safe_contracts, 2, version)
    text = message_for(safe.address)
    signature = safe_signature(safe, text, chain.accounts[2:4])
    assert len(bytes.fromhex(signature[2:])) == 130
    result = await verify(node, text, signature)
    assert result.address == safe.address
    assert result.wallet == "contract"
    assert node.requests == 1


async def test_a_2_of_3_safe_refuses_one_owner_strangers_and_the_unwrapped_hash(
    chain: Anvil, safe_contracts: SafeContracts, node: ChainNode
) -> None:
    safe = new_safe(chain, safe_contracts, 2)
    text = message_for(safe.address)
    owners = chain.accounts[1:4]
    unwrapped = (
        "0x"
        + b"".join(
            bytes(o.unsafe_sign_hash(defunct_hash_message(text=text)).signature)
            for o in sorted(owners[:2], key=lambda account: int(account.address, 16))
        ).hex()
    )
    attempts = {
        "one owner of two": safe_signature(safe, text, owners[:1]),
        "two strangers": safe_signature(safe, text, chain.accounts[5:7]),
        "an owner and a stranger": safe_signature(safe, text, [owners[0], chain.accounts[5]]),
        "the message hash itself (GS026)": unwrapped,
        "one owner's personal_sign": personal_sign(owners[0], text),
    }
    for attempt, signature in attempts.items():
        with pytest.raises(WrongSigner) as refused:
            await verify(node, text, signature)
        assert refused.value.reason == "wrong_signer", attempt
    # The right two still sign in: nothing above was accepted by accident of the Safe's state.
    assert (await verify(node, text, safe_signature(safe, text, owners[1:3]))).wallet == "contract"


async def test_a_1_of_3_safe_signs_in_with_any_one_owner(
    chain: Anvil, safe_contracts: SafeContracts, node: ChainNode
) -> None:
    safe = new_safe(chain, safe_contracts, 1)
    text = message_for(safe.address)
    for owner in chain.accounts[1:4]:
        result = await verify(node, text, safe_signature(safe, text, [owner]))
        assert (result.address, result.wallet) == (safe.address, "contract")
    with pytest.raises(WrongSigner):
        await verify(node, text, safe_signature(safe, text, [chain.accounts[7]]))


async def test_a_safe_message_still_meets_every_other_check_first(
    chain: Anvil, safe_contracts: SafeContracts, node: ChainNode
) -> None:
    safe = new_safe(chain, safe_contracts, 2)
    text = message_for(safe.address)
    signature = safe_signature(safe, text, chain.accounts[1:3])
    with pytest.raises(ExpiredMessage):
        await verify(node, text, signature, now=EXPIRES)
    with pytest.raises(WrongChain):
        await verify(node, text, signature, chain_id=1)
    with pytest.raises(WrongDomain):
        await verify(node, text, signature, domain="other.example.org")
    assert node.requests == 0


async def test_a_node_that_fails_is_an_error_to_retry_not_a_refusal() -> None:
    text = message_for(MEMBER.address)
    async with HttpClient() as http:
        dead = ChainNode("http://127.0.0.1:9/", http)  # nothing listens on the discard port
        with pytest.raises(RpcError) as failed:
            await verify(dead, text, personal_sign(STRANGER, text))
        assert failed.value.retryable
        # The member's own key needs no node at all.
        assert (await verify(dead, text, personal_sign(MEMBER, text))).wallet == "account"


async def test_now_must_carry_its_time_zone(node: ChainNode) -> None:
    text = message_for(MEMBER.address)
    with pytest.raises(ValueError, match="time zone"):
        await verify(node, text, personal_sign(MEMBER, text), now=datetime(2026, 12, 1, 12, 1))
