"""The anvil node and the Safe helpers do what the treasury tests will rely on."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from eth_utils.abi import event_abi_to_log_topic
from hexbytes import HexBytes
from safe_eth.eth.contracts import (
    get_example_erc20_contract,
    get_proxy_factory_V1_3_0_contract,
    get_proxy_factory_V1_4_1_contract,
    get_proxy_factory_V1_5_0_contract,
    get_safe_V1_3_0_contract,
    get_safe_V1_4_1_contract,
    get_safe_V1_5_0_contract,
)
from safe_eth.safe.safe_signature import SafeSignature
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError, TransactionNotFound
from web3.types import Wei

from tests.support.anvil import Anvil, AnvilError, AnvilNotInstalled
from tests.support.chain_checks import ALICE, BOB, ETHER, logs_in, topic0s, word
from tests.support.safes import (
    CALL,
    DELEGATE_CALL,
    FACTORY_INDEXED,
    NULL_ADDRESS,
    SAFE_INDEXED,
    SAFE_VERSIONS,
    TOKEN_DECIMALS,
    TOKEN_NAME,
    TOKEN_SUPPLY,
    TOKEN_SYMBOL,
    UNLIMITED,
    SafeContracts,
    SafeDriver,
    SafeExecutionError,
    SafeVersion,
    Topic,
    create_safe,
    transact,
)

# Redundant once tests/conftest.py lists the plugin; pytest registers a plugin only once.
pytest_plugins = ["tests.support.anvil"]

ANVIL_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
SAFE_ABIS = {
    "1.3.0": (get_safe_V1_3_0_contract, get_proxy_factory_V1_3_0_contract),
    "1.4.1": (get_safe_V1_4_1_contract, get_proxy_factory_V1_4_1_contract),
    "1.5.0": (get_safe_V1_5_0_contract, get_proxy_factory_V1_5_0_contract),
}


def indexes(version: SafeVersion, event: str) -> bool:
    """Whether `version` puts the single address/hash argument of `event` in topics[1]."""
    return bool(SAFE_INDEXED[version][event])


@pytest.fixture(params=SAFE_VERSIONS)
def version(request: pytest.FixtureRequest) -> SafeVersion:
    value: SafeVersion = request.param
    return value


@pytest.fixture
def owners(chain: Anvil) -> list[LocalAccount]:
    return chain.accounts[1:4]


@pytest.fixture
def safe(
    chain: Anvil, safe_contracts: SafeContracts, owners: list[LocalAccount], version: SafeVersion
) -> SafeDriver:
    """A 2-of-3 Safe of each version."""
    address = create_safe(chain, safe_contracts, owners, 2, version)
    return SafeDriver(chain, safe_contracts, address, owners)


# -- the node --------------------------------------------------------------------------------


def test_node_is_local_with_the_default_accounts(chain: Anvil) -> None:
    assert chain.url.startswith("http://127.0.0.1:")
    assert chain.chain_id == chain.w3.eth.chain_id == 31337
    assert len(chain.accounts) == 10
    assert HexBytes(chain.accounts[0].key).to_0x_hex() == ANVIL_KEY_0
    assert chain.accounts[0].address == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert chain.w3.eth.get_balance(chain.accounts[9].address) == 10_000 * ETHER
    assert chain.automine()


def test_mine_advances_blocks(chain: Anvil) -> None:
    start = chain.block_number()
    chain.mine()
    chain.mine(5)
    assert chain.block_number() == start + 6


def test_manual_mining_holds_transactions_until_mined(
    chain: Anvil, safe_contracts: SafeContracts, owners: list[LocalAccount]
) -> None:
    driver = SafeDriver(
        chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2), owners
    )
    driver.fund_eth(ETHER)
    chain.set_automine(False)
    assert not chain.automine()
    start = chain.block_number()

    safe_tx = driver.build(ALICE, 1000)
    tx_hash = driver.submit(safe_tx)
    with pytest.raises(TransactionNotFound):
        chain.w3.eth.get_transaction_receipt(tx_hash)
    assert chain.block_number() == start

    chain.mine()
    executed = driver.wait(tx_hash, safe_tx.safe_tx_hash.to_0x_hex())
    assert executed.success
    assert executed.block_number == start + 1
    assert chain.w3.eth.get_balance(ALICE) == 1000


def test_snapshot_ids_are_single_use(chain: Anvil) -> None:
    snapshot_id = chain.snapshot()
    transact(chain, chain.accounts[0], {"to": BOB, "value": Wei(5)})
    assert chain.w3.eth.get_balance(BOB) == 5

    chain.revert(snapshot_id)
    assert chain.w3.eth.get_balance(BOB) == 0
    with pytest.raises(AnvilError, match="unknown or already used"):
        chain.revert(snapshot_id)


@pytest.mark.parametrize("turn", ["first", "second"])
def test_each_test_starts_from_the_deployed_state(
    chain: Anvil, safe_contracts: SafeContracts, turn: str
) -> None:
    # Whichever turn runs second sees what the first left behind, unless `chain` reverted it.
    assert chain.block_number() == safe_contracts.block_number
    assert chain.w3.eth.get_balance(BOB) == 0

    transact(chain, chain.accounts[0], {"to": BOB, "value": Wei(ETHER)})
    chain.mine(3)
    assert chain.w3.eth.get_balance(BOB) == ETHER


def test_anvil_starts_on_its_own_port_and_stops_completely(anvil_node: Anvil) -> None:
    with Anvil(automine=False) as node:
        assert node.running
        assert node.url != anvil_node.url
        assert not node.automine()
        pid = node.pid
        assert pid is not None
        url = node.url
        workdir = node.log_path.parent
    assert not node.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # exited and reaped
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.URLError):
        no_proxy.open(url, data=b"{}", timeout=1)
    assert not workdir.exists()
    node.stop()  # idempotent


def test_missing_binary_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(AnvilNotInstalled, match="npm ci"):
        Anvil(binary=tmp_path / "anvil")


# -- the contracts ---------------------------------------------------------------------------


def test_every_contract_is_deployed(chain: Anvil, safe_contracts: SafeContracts) -> None:
    w3 = chain.w3
    for name, address in safe_contracts.addresses().items():
        assert w3.eth.get_code(address), name
    assert get_safe_V1_4_1_contract(w3, safe_contracts.safe_l2_v141).functions.VERSION().call() == (
        "1.4.1"
    )
    assert get_safe_V1_3_0_contract(w3, safe_contracts.safe_l2_v130).functions.VERSION().call() == (
        "1.3.0"
    )
    assert get_safe_V1_5_0_contract(w3, safe_contracts.safe_l2_v150).functions.VERSION().call() == (
        "1.5.0"
    )

    token = get_example_erc20_contract(w3, safe_contracts.token)
    assert token.functions.name().call() == TOKEN_NAME
    assert token.functions.symbol().call() == TOKEN_SYMBOL
    assert token.functions.decimals().call() == TOKEN_DECIMALS
    assert token.functions.totalSupply().call() == TOKEN_SUPPLY
    assert token.functions.balanceOf(safe_contracts.deployer).call() == TOKEN_SUPPLY

    assert w3.eth.call({"to": safe_contracts.permissive, "data": HexBytes("0x01ffc9a7")}) == word(1)
    with pytest.raises(ContractLogicError):
        w3.eth.call({"to": safe_contracts.reverter, "data": b""})


def test_topics_are_the_hashes_of_the_bundled_event_abis(chain: Anvil) -> None:
    w3 = chain.w3
    safe_events = get_safe_V1_4_1_contract(w3).events
    v150_events = get_safe_V1_5_0_contract(w3).events
    token_events = get_example_erc20_contract(w3).events
    expected = {
        Topic.EXECUTION_SUCCESS: safe_events.ExecutionSuccess,
        Topic.EXECUTION_FAILURE: safe_events.ExecutionFailure,
        Topic.SAFE_RECEIVED: safe_events.SafeReceived,
        Topic.ADDED_OWNER: safe_events.AddedOwner,
        Topic.REMOVED_OWNER: safe_events.RemovedOwner,
        Topic.CHANGED_THRESHOLD: safe_events.ChangedThreshold,
        Topic.ENABLED_MODULE: safe_events.EnabledModule,
        Topic.CHANGED_GUARD: safe_events.ChangedGuard,
        Topic.CHANGED_MODULE_GUARD: v150_events.ChangedModuleGuard,
        Topic.CHANGED_FALLBACK_HANDLER: safe_events.ChangedFallbackHandler,
        Topic.SAFE_SETUP: safe_events.SafeSetup,
        Topic.SAFE_MULTISIG_TRANSACTION: safe_events.SafeMultiSigTransaction,
        Topic.PROXY_CREATION: get_proxy_factory_V1_4_1_contract(w3).events.ProxyCreation,
        Topic.ERC20_TRANSFER: token_events.Transfer,
        Topic.ERC20_APPROVAL: token_events.Approval,
    }
    for topic, event in expected.items():
        assert "0x" + event_abi_to_log_topic(event.abi).hex() == topic, event.event_name


def indexed_arguments(contract: Contract) -> dict[str, tuple[str, ...]]:
    return {
        entry["name"]: tuple(arg["name"] for arg in entry["inputs"] if arg["indexed"])
        for entry in contract.abi
        if entry["type"] == "event"
    }


@pytest.mark.parametrize("version", SAFE_VERSIONS)
def test_indexed_arguments_are_those_of_the_bundled_abis(
    chain: Anvil, version: SafeVersion
) -> None:
    """SAFE_INDEXED / FACTORY_INDEXED record what each version puts in topics."""
    safe_abi, factory_abi = SAFE_ABIS[version]
    assert indexed_arguments(safe_abi(chain.w3)) == SAFE_INDEXED[version]
    assert indexed_arguments(factory_abi(chain.w3)) == FACTORY_INDEXED[version]


def test_safe_1_5_0_indexes_as_1_4_1_does_and_adds_events() -> None:
    v130, v141, v150 = (SAFE_INDEXED[v] for v in ("1.3.0", "1.4.1", "1.5.0"))
    # 1.3.0 -> 1.4.1 moved these arguments into topics...
    assert sorted(event for event in v141 if v141[event] != v130[event]) == [
        "AddedOwner",
        "ChangedFallbackHandler",
        "ChangedGuard",
        "DisabledModule",
        "EnabledModule",
        "ExecutionFailure",
        "ExecutionSuccess",
        "RemovedOwner",
    ]
    # ...and 1.5.0 changed none of them; it only adds the module guard event.
    assert {event: v150[event] for event in v141} == v141
    assert set(v150) - set(v141) == {"ChangedModuleGuard"}
    assert v150["ChangedModuleGuard"] == ("moduleGuard",)
    assert FACTORY_INDEXED["1.5.0"] == {
        "ProxyCreation": ("proxy",),
        "ProxyCreationL2": ("proxy",),
        "ChainSpecificProxyCreationL2": ("proxy",),
    }


# -- Safe creation and money in --------------------------------------------------------------


def test_create_safe_2_of_3(
    chain: Anvil,
    safe_contracts: SafeContracts,
    safe: SafeDriver,
    owners: list[LocalAccount],
    version: SafeVersion,
) -> None:
    assert safe.version == version
    assert safe.owners() == [owner.address for owner in owners]
    assert safe.threshold() == 2
    assert safe.nonce() == 0

    info = safe.safe.retrieve_all_info()
    assert info.master_copy == safe_contracts.singleton(version)
    assert info.fallback_handler == safe_contracts.fallback_handler(version)
    assert info.guard == NULL_ADDRESS
    assert info.modules == []
    # The batch behind retrieve_all_info answers None for calls that failed.
    assert (info.nonce, info.threshold, info.version) == (0, 2, version)

    setup = chain.w3.eth.get_logs(
        {"fromBlock": safe_contracts.block_number, "toBlock": "latest", "address": safe.address}
    )
    assert topic0s(setup) == [Topic.SAFE_SETUP]
    (created,) = chain.w3.eth.get_logs(
        {
            "fromBlock": safe_contracts.block_number,
            "toBlock": "latest",
            "address": safe_contracts.proxy_factory(version),
        }
    )
    assert created["topics"][0].to_0x_hex() == Topic.PROXY_CREATION
    if FACTORY_INDEXED[version]["ProxyCreation"]:  # 1.4.1 and 1.5.0
        assert created["topics"][1] == word(safe.address)
    else:
        assert created["data"][:32] == word(safe.address)


def test_fund_eth_emits_safe_received(chain: Anvil, safe: SafeDriver) -> None:
    executed = safe.fund_eth(ETHER)
    assert executed.success
    assert executed.safe_tx_hash is None

    (log,) = logs_in(chain, executed, safe.address)
    assert log["topics"][0].to_0x_hex() == Topic.SAFE_RECEIVED
    assert log["topics"][1] == word(safe.executor.address)
    assert log["data"] == word(ETHER)
    assert safe.eth_balance() == ETHER


def test_fund_token_transfers_into_the_safe(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    executed = safe.fund_token(2500)

    (log,) = logs_in(chain, executed, safe_contracts.token)
    assert log["topics"] == [
        HexBytes(Topic.ERC20_TRANSFER),
        word(safe_contracts.deployer),
        word(safe.address),
    ]
    assert log["data"] == word(2500)
    assert safe.token_balance() == 2500


# -- money out -------------------------------------------------------------------------------


def test_send_eth_emits_execution_success(
    chain: Anvil, safe: SafeDriver, version: SafeVersion
) -> None:
    safe.fund_eth(ETHER)
    executed = safe.send_eth(ALICE, ETHER // 4)

    assert executed.success
    assert executed.safe_tx_hash is not None
    logs = logs_in(chain, executed, safe.address)
    assert topic0s(logs) == [Topic.SAFE_MULTISIG_TRANSACTION, Topic.EXECUTION_SUCCESS]
    success = logs[1]
    # The indexed-argument trap: 1.4.1 and 1.5.0 index txHash, 1.3.0 leaves it in the data.
    if indexes(version, "ExecutionSuccess"):
        assert success["topics"][1] == HexBytes(executed.safe_tx_hash)
    else:
        assert len(success["topics"]) == 1
        assert success["data"][:32] == HexBytes(executed.safe_tx_hash)

    details = safe.safe.contract.events.SafeMultiSigTransaction().process_log(logs[0])["args"]
    assert (details["to"], details["value"], details["operation"]) == (ALICE, ETHER // 4, CALL)
    # SafeL2 appends abi.encode(nonce before the increment, msg.sender, threshold).
    additional = chain.w3.codec.decode(["uint256", "address", "uint256"], details["additionalInfo"])
    assert additional == (0, safe.executor.address.lower(), 2)
    assert chain.w3.eth.get_balance(ALICE) == ETHER // 4
    assert safe.nonce() == 1


def test_send_token_and_approve(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    safe.fund_token(1000)

    sent = safe.send_token(ALICE, 400)
    (transfer,) = logs_in(chain, sent, safe_contracts.token)
    assert transfer["topics"] == [HexBytes(Topic.ERC20_TRANSFER), word(safe.address), word(ALICE)]
    assert transfer["data"] == word(400)
    assert topic0s(logs_in(chain, sent, safe.address))[-1] == Topic.EXECUTION_SUCCESS

    approved = safe.approve(BOB)
    (approval,) = logs_in(chain, approved, safe_contracts.token)
    assert approval["topics"] == [HexBytes(Topic.ERC20_APPROVAL), word(safe.address), word(BOB)]
    assert approval["data"] == word(UNLIMITED)
    assert safe.token.functions.allowance(safe.address, BOB).call() == UNLIMITED

    safe.approve(BOB, 5)
    assert safe.token.functions.allowance(safe.address, BOB).call() == 5
    assert safe.token_balance() == 600


@pytest.mark.parametrize("call_only", [False, True], ids=["multisend", "call-only"])
def test_multisend_batches_calls_by_delegatecall(
    chain: Anvil,
    safe_contracts: SafeContracts,
    safe: SafeDriver,
    version: SafeVersion,
    call_only: bool,
) -> None:
    safe.fund_eth(ETHER)
    safe.fund_token(1000)
    token_transfer = HexBytes(safe.token.encode_abi("transfer", args=[BOB, 300]))
    calls = [(ALICE, 10, b""), (BOB, 20, b""), (safe_contracts.token, 0, bytes(token_transfer))]

    executed = safe.multisend_call_only(calls) if call_only else safe.multisend(calls)

    assert executed.success
    logs = logs_in(chain, executed, safe.address)
    assert topic0s(logs) == [Topic.SAFE_MULTISIG_TRANSACTION, Topic.EXECUTION_SUCCESS]
    details = safe.safe.contract.events.SafeMultiSigTransaction().process_log(logs[0])["args"]
    # Each version's own MultiSend (1.3.0 Safes use 1.4.1's, which safe-eth-py ships).
    library = (
        safe_contracts.multi_send_call_only(version)
        if call_only
        else safe_contracts.multi_send(version)
    )
    if version == "1.5.0":
        assert library in (safe_contracts.multi_send_v150, safe_contracts.multi_send_call_only_v150)
    assert (details["to"], details["operation"]) == (library, DELEGATE_CALL)
    assert topic0s(logs_in(chain, executed, safe_contracts.token)) == [Topic.ERC20_TRANSFER]
    assert chain.w3.eth.get_balance(ALICE) == 10
    assert chain.w3.eth.get_balance(BOB) == 20
    assert safe.token_balance() == 700


def test_delegatecall_to_an_arbitrary_contract(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver
) -> None:
    executed = safe.delegatecall(safe_contracts.permissive, b"\x12\x34")

    assert executed.success
    logs = logs_in(chain, executed, safe.address)
    details = safe.safe.contract.events.SafeMultiSigTransaction().process_log(logs[0])["args"]
    assert (details["to"], details["operation"], details["data"]) == (
        safe_contracts.permissive,
        DELEGATE_CALL,
        b"\x12\x34",
    )
    assert topic0s(logs)[-1] == Topic.EXECUTION_SUCCESS


def test_failing_inner_call_emits_execution_failure(
    chain: Anvil, safe: SafeDriver, version: SafeVersion
) -> None:
    executed = safe.failing()

    assert not executed.success
    assert executed.receipt["status"] == 1  # the outer transaction went through
    logs = logs_in(chain, executed, safe.address)
    assert topic0s(logs) == [Topic.SAFE_MULTISIG_TRANSACTION, Topic.EXECUTION_FAILURE]
    assert executed.safe_tx_hash is not None
    assert HexBytes(executed.safe_tx_hash) in [*logs[1]["topics"][1:], logs[1]["data"][:32]]
    assert safe.nonce() == 1  # a failed execution still uses up its nonce

    # Without safeTxGas (and gasPrice) the same failure reverts the whole transaction instead:
    # before 1.5.0 with the Safe's GS013, from 1.5.0 on with the inner call's own revert data.
    too_much = bytes(HexBytes(safe.token.encode_abi("transfer", args=[ALICE, 1])))
    expected = "ERC20: transfer amount exceeds balance" if version == "1.5.0" else "GS013"
    with pytest.raises(ContractLogicError, match=expected):
        safe.failing(safe.token.address, data=too_much, safe_tx_gas=0)


# -- configuration ---------------------------------------------------------------------------


def test_owner_and_threshold_changes(
    chain: Anvil, safe: SafeDriver, owners: list[LocalAccount], version: SafeVersion
) -> None:
    newcomer, another = chain.accounts[7], chain.accounts[8]

    added = safe.add_owner(newcomer, 2)
    (log,) = logs_in(chain, added, safe.address)[1:-1]  # between SafeMultiSig... and Execution...
    assert log["topics"][0].to_0x_hex() == Topic.ADDED_OWNER
    # 1.4.1 and 1.5.0 index the owner; 1.3.0 leaves it in the data.
    if indexes(version, "AddedOwner"):
        assert log["topics"][1] == word(newcomer.address)
    else:
        assert log["data"] == word(newcomer.address)

    raised = safe.add_owner(another.address, 3)
    assert topic0s(logs_in(chain, raised, safe.address))[1:-1] == [
        Topic.ADDED_OWNER,
        Topic.CHANGED_THRESHOLD,
    ]

    first = owners[0]
    removed = safe.remove_owner(safe.prev_owner(first.address), first, 2)
    assert topic0s(logs_in(chain, removed, safe.address))[1:-1] == [
        Topic.REMOVED_OWNER,
        Topic.CHANGED_THRESHOLD,
    ]

    changed = safe.change_threshold(3)
    (log,) = logs_in(chain, changed, safe.address)[1:-1]
    assert log["topics"][0].to_0x_hex() == Topic.CHANGED_THRESHOLD
    assert log["data"] == word(3)

    assert set(safe.owners()) == {
        owners[1].address,
        owners[2].address,
        newcomer.address,
        another.address,
    }
    assert safe.threshold() == 3
    # The driver signs with keys it knows that still own the Safe: two originals and the newcomer.
    assert [a.address for a in safe.default_signers()] == [
        owners[1].address,
        owners[2].address,
        newcomer.address,
    ]
    safe.fund_eth(100)
    assert safe.send_eth(ALICE, 100).success


def test_module_guard_and_fallback_handler(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver, version: SafeVersion
) -> None:
    module = safe_contracts.permissive
    enabled = safe.enable_module(module)
    (log,) = logs_in(chain, enabled, safe.address)[1:-1]
    assert log["topics"][0].to_0x_hex() == Topic.ENABLED_MODULE
    assert word(module) in [*log["topics"][1:], log["data"]]
    assert safe.safe.retrieve_modules() == [module]

    guarded = safe.set_guard(safe_contracts.permissive)
    assert topic0s(logs_in(chain, guarded, safe.address))[1:-1] == [Topic.CHANGED_GUARD]
    assert safe.safe.retrieve_transaction_guard() == safe_contracts.permissive
    # The permissive guard lets transactions through, so the Safe stays usable.
    assert safe.send_eth(ALICE, 0).success
    unguarded = safe.set_guard(NULL_ADDRESS)
    assert topic0s(logs_in(chain, unguarded, safe.address))[1:-1] == [Topic.CHANGED_GUARD]
    assert safe.safe.retrieve_transaction_guard() == NULL_ADDRESS

    other: SafeVersion = "1.3.0" if version == "1.4.1" else "1.4.1"
    handler = safe_contracts.fallback_handler(other)
    switched = safe.set_fallback_handler(handler)
    (log,) = logs_in(chain, switched, safe.address)[1:-1]
    assert log["topics"][0].to_0x_hex() == Topic.CHANGED_FALLBACK_HANDLER
    if indexes(version, "ChangedFallbackHandler"):
        assert log["topics"][1] == word(handler)
    else:
        assert log["data"] == word(handler)
    assert safe.safe.retrieve_fallback_handler() == handler


def test_module_guard_on_1_5_0(
    chain: Anvil, safe_contracts: SafeContracts, owners: list[LocalAccount]
) -> None:
    safe = SafeDriver(
        chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2, "1.5.0"), owners
    )
    guard = safe_contracts.permissive
    guarded = safe.set_module_guard(guard)
    (log,) = logs_in(chain, guarded, safe.address)[1:-1]
    assert log["topics"] == [HexBytes(Topic.CHANGED_MODULE_GUARD), word(guard)]
    assert safe.safe.retrieve_all_info().module_guard == guard
    # Older Safes have no module guard at all.
    older = SafeDriver(chain, safe_contracts, create_safe(chain, safe_contracts, owners, 2), owners)
    with pytest.raises(SafeExecutionError, match="setModuleGuard"):
        older.set_module_guard(guard)


def test_safe_1_5_0_lives_alongside_the_others(
    chain: Anvil, safe_contracts: SafeContracts, owners: list[LocalAccount]
) -> None:
    """One driver per version on one chain, each through its own singleton and factory."""
    drivers = {
        version: SafeDriver(
            chain,
            safe_contracts,
            create_safe(chain, safe_contracts, owners, 2, version),
            owners,
        )
        for version in SAFE_VERSIONS
    }
    for version, driver in drivers.items():
        assert driver.version == version
        assert driver.safe.retrieve_master_copy_address() == safe_contracts.singleton(version)
    assert len({Web3.to_checksum_address(d.address) for d in drivers.values()}) == 3


# -- proposing without executing -------------------------------------------------------------


def test_build_and_sign_match_the_on_chain_hash(
    chain: Anvil, safe_contracts: SafeContracts, safe: SafeDriver, owners: list[LocalAccount]
) -> None:
    data = HexBytes(safe.token.encode_abi("transfer", args=[ALICE, 7]))
    safe_tx = safe.build(safe_contracts.token, 0, data)

    on_chain = safe.safe.contract.functions.getTransactionHash(
        safe_contracts.token, 0, data, CALL, 0, 0, 0, NULL_ADDRESS, NULL_ADDRESS, safe.nonce()
    ).call()
    assert HexBytes(on_chain) == safe_tx.safe_tx_hash

    signatures = [safe.sign(safe_tx, owner) for owner in (owners[2], owners[0])]
    for owner, signature in zip((owners[2], owners[0]), signatures, strict=True):
        assert len(signature) == 65
        (parsed,) = SafeSignature.parse_signature(signature, safe_tx.safe_tx_hash)
        assert parsed.owner == owner.address
    assert safe.nonce() == 0  # signing executes nothing

    # The confirmations collected so far are enough to execute it.
    safe.fund_token(10)
    executed = safe.execute(safe_tx)
    assert executed.success
    assert executed.safe_tx_hash == safe_tx.safe_tx_hash.to_0x_hex()
    assert safe.token.functions.balanceOf(ALICE).call() == 7


def test_signing_with_a_chosen_subset(safe: SafeDriver, owners: list[LocalAccount]) -> None:
    safe.fund_eth(100)
    assert safe.send_eth(ALICE, 1, signers=[owners[2], owners[1]]).success
    # One signature is below the threshold of two: the Safe refuses (GS020, signatures too short).
    with pytest.raises(ContractLogicError, match="GS020"):
        safe.send_eth(ALICE, 1, signers=[owners[0]])
