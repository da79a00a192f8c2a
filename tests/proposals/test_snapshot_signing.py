"""chain/snapshot.py: the Proposal typed data as the sequencer knows it, and signatures checked
as the sequencer checks them: eth-account keys, and real Safes on anvil through EIP-1271."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from eth_account import Account

from bot.http import HttpClient
from chain.node import ChainNode
from chain.snapshot import (
    BODY_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ContractRefused,
    ContractUnchecked,
    NotASignature,
    SnapshotProposal,
    WrongSigner,
    envelope,
    proposal_hash,
    proposal_id,
    proposal_types,
    typed_data,
    types_hash,
    verify_signature,
)
from tests.fakes.snapshot_sequencer import KNOWN_TYPES, message_hash
from tests.support.anvil import Anvil
from tests.support.safes import SafeContracts, SafeDriver, create_safe
from tests.support.signing import safe_hash_signature, typed_data_hash, typed_data_signature

NOW = 1_800_000_000
AUTHOR = Account.from_key("0x" + "61" * 32)
STRANGER = Account.from_key("0x" + "62" * 32)


def new_proposal(author: str = AUTHOR.address, **changes: object) -> SnapshotProposal:
    fields: dict[str, object] = {
        "space": "dao.eth",
        "author": author,
        "title": "Fund the docs",
        "body": "Pay 5,000 USDC to the docs team. Ünïcode stays as it is: 🚀",
        "choices": ("For", "Against", "Abstain"),
        "start": NOW + 60,
        "end": NOW + 5 * 86400,
        "snapshot": 19_000_000,
        "timestamp": NOW,
        **changes,
    }
    return SnapshotProposal(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def node(chain: Anvil) -> AsyncIterator[ChainNode]:
    async with HttpClient() as http:
        yield ChainNode(chain.url, http)


def test_the_types_hash_is_one_the_sequencer_knows() -> None:
    assert types_hash(proposal_types()) in KNOWN_TYPES
    assert [f["name"] for f in proposal_types()["Proposal"]][:3] == ["from", "space", "timestamp"]


def test_the_typed_data_is_what_snapshot_js_sends() -> None:
    proposal = new_proposal(author=AUTHOR.address.lower())
    data = typed_data(proposal)
    assert data["domain"] == {"name": "snapshot", "version": "0.1.4"}  # no chainId
    assert data["primaryType"] == "Proposal"
    assert list(data["message"]) == [f["name"] for f in data["types"]["Proposal"]]
    message = data["message"]
    assert message["from"] == AUTHOR.address  # checksummed
    assert (message["labels"], message["plugins"], message["privacy"], message["app"]) == (
        [], "{}", "", ""
    )  # fmt: skip
    assert message["discussion"] == ""
    json.dumps(data)  # what a wallet's eth_signTypedData_v4 takes: plain JSON
    sent = envelope(proposal, "0xabc")
    assert list(sent) == ["address", "sig", "data"]
    assert list(sent["data"]) == ["domain", "types", "message"]
    assert "EIP712Domain" not in sent["data"]["types"]


def test_the_id_is_the_eip712_hash_the_sequencer_computes() -> None:
    proposal = new_proposal()
    expected = message_hash(envelope(proposal, "0x")["data"])
    assert proposal_hash(proposal) == expected == typed_data_hash(typed_data(proposal))
    assert proposal_id(proposal) == "0x" + expected.hex()
    assert proposal_id(new_proposal(title="Other")) != proposal_id(proposal)


def test_what_the_type_cannot_carry_is_refused_when_made() -> None:
    with pytest.raises(ValueError, match="not an address"):
        new_proposal(author="dao.eth")
    with pytest.raises(ValueError, match="unknown voting type"):
        new_proposal(type="yes-no")
    assert (TITLE_MAX_LENGTH, BODY_MAX_LENGTH) == (256, 10_000)


async def test_the_authors_key_signs_without_asking_a_node() -> None:
    proposal = new_proposal()
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    verified = await verify_signature(proposal, f'"{signature[2:]}"\n', node=None)
    assert (verified.signature, verified.wallet) == (signature, "account")


async def test_another_key_is_refused_and_named(node: ChainNode) -> None:
    proposal = new_proposal()
    with pytest.raises(WrongSigner) as refused:
        await verify_signature(
            proposal, typed_data_signature(STRANGER, typed_data(proposal)), node=node
        )
    assert refused.value.signer == STRANGER.address
    assert STRANGER.address in refused.value.message
    other_words = typed_data_signature(AUTHOR, typed_data(new_proposal(title="Other")))
    with pytest.raises(WrongSigner):
        await verify_signature(proposal, other_words, node=node)


@pytest.mark.parametrize(
    ("signature", "words"),
    [("", "empty"), ("0xzz", "not hexadecimal"), ("0x" + "11" * 64, "64")],
)
async def test_what_is_not_a_signature_is_refused(
    node: ChainNode, signature: str, words: str
) -> None:
    with pytest.raises(NotASignature, match=words):
        await verify_signature(new_proposal(), signature, node=node)


async def test_a_long_signature_without_a_node_cannot_be_checked() -> None:
    with pytest.raises(ContractUnchecked, match="130-byte"):
        await verify_signature(new_proposal(), "0x" + "11" * 130, node=None)


async def test_a_safe_signs_with_enough_owners_and_is_refused_without(
    chain: Anvil, safe_contracts: SafeContracts, node: ChainNode
) -> None:
    owners = chain.accounts[1:4]
    address = create_safe(chain, safe_contracts, owners, 2)
    safe = SafeDriver(chain, safe_contracts, address, owners)
    proposal = new_proposal(author=address)
    digest = proposal_hash(proposal)
    verified = await verify_signature(
        proposal, safe_hash_signature(safe, digest, owners[:2]), node=node
    )
    assert verified.wallet == "contract"
    for attempt in (
        safe_hash_signature(safe, digest, owners[:1]),
        safe_hash_signature(safe, digest, chain.accounts[5:7]),
        typed_data_signature(owners[0], typed_data(proposal)),
    ):
        with pytest.raises(ContractRefused) as refused:
            await verify_signature(proposal, attempt, node=node)
        assert refused.value.reason == "contract_refused"
