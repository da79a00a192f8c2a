"""The NFT test contracts: committed artifacts in step with their sources, and NFTs into and out
of Safes of every version."""

from __future__ import annotations

import json

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils.abi import event_abi_to_log_topic, function_signature_to_4byte_selector
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractLogicError

from tests.support.anvil import REPO_ROOT, Anvil
from tests.support.chain_checks import ALICE, BOB, logs_in, topic0s, word
from tests.support.governor import ARTIFACTS as GOVERNOR_ARTIFACTS
from tests.support.nfts import (
    ARTIFACT_NAMES,
    CONTRACTS_DIR,
    MULTI_TOKEN_URI,
    NFT_NAME,
    NFT_SYMBOL,
    artifact,
    erc721_contract,
    erc1155_contract,
)
from tests.support.safes import (
    NULL_ADDRESS,
    SAFE_VERSIONS,
    SafeContracts,
    SafeDriver,
    SafeVersion,
    Topic,
    create_safe,
    deploy_erc721,
)

ERC721_INTERFACE = "0x80ac58cd"
ERC1155_INTERFACE = "0xd9b67a26"


@pytest.fixture(params=SAFE_VERSIONS)
def safe(request: pytest.FixtureRequest, chain: Anvil, safe_contracts: SafeContracts) -> SafeDriver:
    """A 2-of-3 Safe of each version, with that version's fallback handler."""
    version: SafeVersion = request.param
    owners = chain.accounts[1:4]
    return SafeDriver(
        chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2, version), owners
    )


# -- the artifacts -------------------------------------------------------------------------------


ALL_ARTIFACTS = sorted([*ARTIFACT_NAMES.values(), *GOVERNOR_ARTIFACTS])


@pytest.mark.parametrize("name", ALL_ARTIFACTS)
def test_committed_artifact_matches_its_source_and_pins(name: str) -> None:
    """A source edited, or a compiler / OpenZeppelin pin bumped, without rerunning
    `node tests/support/contracts/build.mjs` fails here."""
    built = artifact(name)
    source = CONTRACTS_DIR / built["sourceName"]
    # solc's metadata lists keccak256 of each source exactly as it read it.
    assert built["sources"][built["sourceName"]] == Web3.keccak(source.read_bytes()).to_0x_hex()

    pins = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"]
    assert built["compiler"]["npm"] == f"solc@{pins['solc']}"
    assert built["compiler"]["version"].startswith(pins["solc"] + "+commit.")
    assert built["dependencies"] == {"@openzeppelin/contracts": pins["@openzeppelin/contracts"]}
    assert built["compiler"]["settings"]["optimizer"] == {"enabled": True, "runs": 200}
    # Nothing but our source and OpenZeppelin's went in.
    others = [path for path in built["sources"] if path != built["sourceName"]]
    assert others
    assert all(path.startswith("@openzeppelin/contracts/") for path in others)
    # Both start with a PUSH (PUSH1 0x80, or PUSH2 where immutables move the free memory pointer).
    for code in (built["bytecode"], built["deployedBytecode"]):
        assert 0x60 <= int(code[2:4], 16) <= 0x7F


def test_every_source_has_an_artifact() -> None:
    sources = {path.stem for path in CONTRACTS_DIR.glob("*.sol")}
    assert sources == set(ALL_ARTIFACTS)
    assert {path.stem for path in CONTRACTS_DIR.glob("*.json")} == sources
    assert (CONTRACTS_DIR / "build.mjs").exists()


def test_artifacts_hold_only_what_tests_need() -> None:
    # The ABI names the functions the drivers call.
    functions = {
        name: {entry["name"] for entry in artifact(name)["abi"] if entry["type"] == "function"}
        for name in ARTIFACT_NAMES.values()
    }
    assert {"mint", "safeMint", "safeTransferFrom", "name", "symbol"} <= functions["TestERC721"]
    assert {"mint", "mintBatch", "safeTransferFrom", "safeBatchTransferFrom", "uri"} <= (
        functions["TestERC1155"]
    )


# -- the deployed collections --------------------------------------------------------------------


def test_collections_are_deployed(chain: Anvil, safe_contracts: SafeContracts) -> None:
    nft = erc721_contract(chain.w3, safe_contracts.erc721)
    assert (nft.functions.name().call(), nft.functions.symbol().call()) == (NFT_NAME, NFT_SYMBOL)
    assert nft.functions.supportsInterface(HexBytes(ERC721_INTERFACE)).call()
    multi = erc1155_contract(chain.w3, safe_contracts.erc1155)
    assert multi.functions.uri(7).call() == MULTI_TOKEN_URI
    assert multi.functions.supportsInterface(HexBytes(ERC1155_INTERFACE)).call()

    another = deploy_erc721(chain, "Other", "OTH")
    assert another != safe_contracts.erc721
    assert erc721_contract(chain.w3, another).functions.symbol().call() == "OTH"


def test_nft_topics_are_the_hashes_of_the_abis(chain: Anvil, safe_contracts: SafeContracts) -> None:
    nft = erc721_contract(chain.w3, safe_contracts.erc721).events
    multi = erc1155_contract(chain.w3, safe_contracts.erc1155).events
    for topic, event in {
        Topic.ERC721_TRANSFER: nft.Transfer,
        Topic.ERC1155_TRANSFER_SINGLE: multi.TransferSingle,
        Topic.ERC1155_TRANSFER_BATCH: multi.TransferBatch,
    }.items():
        assert "0x" + event_abi_to_log_topic(event.abi).hex() == topic
    # ERC-721 Transfer indexes the token id too: the same topic0 as ERC-20, one topic more.
    assert [arg["indexed"] for arg in nft.Transfer.abi["inputs"]] == [True, True, True]


# -- NFTs into a Safe ----------------------------------------------------------------------------


def test_erc721_into_the_safe(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    minted = safe.mint_erc721(1)
    (log,) = logs_in(chain, minted, safe_contracts.erc721)
    assert log["topics"] == [
        HexBytes(Topic.ERC721_TRANSFER),
        word(NULL_ADDRESS),
        word(safe.address),
        word(1),
    ]
    assert log["data"] == b""

    unchecked = safe.mint_erc721(2, checked=False)
    assert topic0s(logs_in(chain, unchecked, safe_contracts.erc721)) == [Topic.ERC721_TRANSFER]

    sender = chain.accounts[5]
    moved = safe.fund_erc721(3, sender=sender)
    (log,) = logs_in(chain, moved, safe_contracts.erc721)
    assert log["topics"][1:] == [word(sender.address), word(safe.address), word(3)]
    assert [safe.erc721_owner(i) for i in (1, 2, 3)] == [safe.address] * 3
    # Nothing moved through the Safe itself: no Safe events.
    assert logs_in(chain, moved, safe.address) == []


def test_erc1155_into_the_safe(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    minted = safe.mint_erc1155(10, 5)
    (log,) = logs_in(chain, minted, safe_contracts.erc1155)
    # TransferSingle(operator, from, to, id, value): the first three indexed.
    assert log["topics"] == [
        HexBytes(Topic.ERC1155_TRANSFER_SINGLE),
        word(safe.executor.address),
        word(NULL_ADDRESS),
        word(safe.address),
    ]
    assert log["data"] == word(10) + word(5)

    batch = safe.mint_erc1155_batch([11, 12], [1, 2])
    assert topic0s(logs_in(chain, batch, safe_contracts.erc1155)) == [Topic.ERC1155_TRANSFER_BATCH]

    sender = chain.accounts[5]
    moved = safe.fund_erc1155(10, 3, sender=sender)
    (log,) = logs_in(chain, moved, safe_contracts.erc1155)
    assert log["topics"][2:] == [word(sender.address), word(safe.address)]
    moved_batch = safe.fund_erc1155_batch([12, 13], [4, 6], sender=sender)
    (log,) = logs_in(chain, moved_batch, safe_contracts.erc1155)
    assert log["topics"][0].to_0x_hex() == Topic.ERC1155_TRANSFER_BATCH
    args = (
        erc1155_contract(chain.w3, safe_contracts.erc1155)
        .events.TransferBatch()
        .process_log(log)["args"]
    )
    assert (args["ids"], args["values"]) == ([12, 13], [4, 6])

    balances = {i: safe.erc1155_balance(i) for i in (10, 11, 12, 13)}
    assert balances == {10: 8, 11: 1, 12: 6, 13: 6}


def test_a_safe_without_fallback_handler_refuses_safe_transfers(
    chain: Anvil, safe_contracts: SafeContracts
) -> None:
    owners: list[LocalAccount] = chain.accounts[1:4]
    bare = SafeDriver(
        chain,
        safe_contracts,
        create_safe(chain, safe_contracts, owners, 2, fallback_handler=NULL_ADDRESS),
        owners,
    )
    assert bare.safe.retrieve_fallback_handler() == NULL_ADDRESS

    # The token contract calls onERC721Received / onERC1155Received on the Safe; with no
    # handler the Safe's fallback returns nothing, which OpenZeppelin's check cannot decode, so
    # the whole transaction reverts (without a reason string).
    with pytest.raises(ContractLogicError):
        bare.mint_erc721(1)
    with pytest.raises(ContractLogicError):
        bare.fund_erc721(2)
    with pytest.raises(ContractLogicError):
        bare.mint_erc1155(1, 1)
    with pytest.raises(ContractLogicError):
        bare.mint_erc1155_batch([1, 2], [1, 1])
    assert bare.erc1155_balance(1) == 0
    with pytest.raises(ContractLogicError):
        bare.erc721_owner(1)  # never minted
    # The plain mint asks nobody, so even this Safe ends up holding the token.
    bare.mint_erc721(3, checked=False)
    assert bare.erc721_owner(3) == bare.address


# -- NFTs out of a Safe --------------------------------------------------------------------------


def test_nfts_out_one_safe_transaction_each(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    safe.mint_erc721(1)
    safe.mint_erc1155_batch([7, 8, 9], [10, 10, 10])

    sent = safe.send_erc721(ALICE, 1)
    assert sent.success and sent.safe_tx_hash is not None
    (log,) = logs_in(chain, sent, safe_contracts.erc721)
    assert log["topics"][1:] == [word(safe.address), word(ALICE), word(1)]
    assert topic0s(logs_in(chain, sent, safe.address))[-1] == Topic.EXECUTION_SUCCESS
    details = safe.safe.contract.events.SafeMultiSigTransaction().process_log(
        logs_in(chain, sent, safe.address)[0]
    )["args"]
    assert details["to"] == safe_contracts.erc721
    assert details["data"][:4] == function_signature_to_4byte_selector(
        "safeTransferFrom(address,address,uint256,bytes)"
    )

    single = safe.send_erc1155(ALICE, 7, 4)
    (log,) = logs_in(chain, single, safe_contracts.erc1155)
    # The Safe is both operator and sender.
    assert log["topics"][1:] == [word(safe.address), word(safe.address), word(ALICE)]
    batch = safe.send_erc1155_batch(BOB, [8, 9], [3, 10])
    assert topic0s(logs_in(chain, batch, safe_contracts.erc1155)) == [Topic.ERC1155_TRANSFER_BATCH]

    assert safe.erc721_owner(1) == ALICE
    assert [safe.erc1155_balance(i) for i in (7, 8, 9)] == [6, 7, 0]
    assert safe.erc1155_balance(7, ALICE) == 4
    assert [safe.erc1155_balance(i, BOB) for i in (8, 9)] == [3, 10]
    assert safe.nonce() == 3


def test_nfts_out_in_one_multisend_batch(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    safe.mint_erc721(1)
    safe.mint_erc721(2)
    safe.mint_erc1155_batch([7, 8, 9], [5, 5, 5])

    executed = safe.multisend(
        [
            safe.erc721_transfer_call(ALICE, 1),
            safe.erc721_transfer_call(BOB, 2),
            safe.erc1155_transfer_call(ALICE, 7, 5),
            safe.erc1155_batch_transfer_call(BOB, [8, 9], [2, 1]),
        ]
    )

    assert executed.success
    assert topic0s(logs_in(chain, executed, safe_contracts.erc721)) == [Topic.ERC721_TRANSFER] * 2
    assert topic0s(logs_in(chain, executed, safe_contracts.erc1155)) == [
        Topic.ERC1155_TRANSFER_SINGLE,
        Topic.ERC1155_TRANSFER_BATCH,
    ]
    assert (safe.erc721_owner(1), safe.erc721_owner(2)) == (ALICE, BOB)
    assert (safe.erc1155_balance(7, ALICE), safe.erc1155_balance(8, BOB)) == (5, 2)
    assert (safe.erc1155_balance(8), safe.erc1155_balance(9)) == (3, 4)
    assert safe.nonce() == 1


def test_a_one_id_batch_emits_transfer_single(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    """OpenZeppelin 5 logs a batch of one id as TransferSingle, minting and transferring alike:
    a watcher must not expect TransferBatch just because safeBatchTransferFrom was called."""
    minted = safe.mint_erc1155_batch([4], [2])
    sent = safe.send_erc1155_batch(ALICE, [4], [1])
    for executed in (minted, sent):
        logs = logs_in(chain, executed, safe_contracts.erc1155)
        assert topic0s(logs) == [Topic.ERC1155_TRANSFER_SINGLE]
    assert safe.erc1155_balance(4, ALICE) == 1


def test_another_collection(chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver) -> None:
    other = deploy_erc721(chain, "Other", "OTH")
    safe.mint_erc721(1, collection=other)
    assert safe.erc721_owner(1, collection=other) == safe.address
    assert safe.send_erc721(ALICE, 1, collection=other).success
    assert safe.erc721_owner(1, collection=other) == ALICE
    # Token 1 of the default collection was never minted.
    with pytest.raises(ContractLogicError):
        safe.erc721_owner(1)
