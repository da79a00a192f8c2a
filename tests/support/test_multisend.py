"""MultiSend batches through the canonical addresses of safe-eth-py's table, and a fresh one."""

from __future__ import annotations

from typing import cast

import pytest
from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from safe_eth.eth.constants import SAFE_SINGLETON_FACTORY_ADDRESS
from safe_eth.eth.contracts import get_multi_send_V1_4_1_contract
from safe_eth.safe.safe_deployments import safe_deployments
from web3 import Web3
from web3.exceptions import ContractLogicError

from tests.support.anvil import Anvil
from tests.support.chain_checks import ALICE, BOB, logs_in, topic0s
from tests.support.multisend import (
    MultiSendVersion,
    code_version,
    deploy_multisend,
    known_multisends,
    multisend_init_code,
    multisend_runtime,
    place_multisend,
)
from tests.support.safes import (
    DELEGATE_CALL,
    SAFE_VERSIONS,
    SafeContracts,
    SafeDriver,
    SafeVersion,
    Topic,
    create_safe,
    transact,
)

# Anvil ships Arachnid's deterministic-deployment proxy; the Safe singleton factory runs the
# same code (CREATE2 of the calldata after a 32-byte salt) at its own address.
ARACHNID_CREATE2_PROXY = "0x4e59b44847b379578588920ca78fbf26c0b4956c"
MAINNET, ZKSYNC_ERA = 1, 324

# Every MultiSend and MultiSendCallOnly the table lists for mainnet and zkSync Era, for the
# Safe versions the product supports: canonical, EIP-155 and zkSync deployments alike.
ADDRESSES = sorted(
    {
        (version, name, address)
        for chain_id in (MAINNET, ZKSYNC_ERA)
        for version, name, address in known_multisends(chain_id)
        if version in SAFE_VERSIONS
    }
)


def _driver(
    chain: Anvil, contracts: SafeContracts, owners: list[LocalAccount], version: str
) -> SafeDriver:
    address = create_safe(chain, contracts, owners, 2, cast(SafeVersion, version))
    driver = SafeDriver(chain, contracts, address, owners)
    driver.fund_eth(1000)
    return driver


def test_the_table_has_the_addresses_the_product_relies_on() -> None:
    table = {(v, n, a) for v, n, a in ADDRESSES}
    # 1.3.0 canonical and EIP-155, and 1.4.1, on mainnet; zkSync Era has its own deployments.
    for expected in [
        ("1.3.0", "MultiSend", "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761"),
        ("1.3.0", "MultiSend", "0x998739BFdAAdde7C933B942a68053933098f9EDa"),
        ("1.3.0", "MultiSendCallOnly", "0x40A2aCCbd92BCA938b02010E17A5b8929b49130D"),
        ("1.3.0", "MultiSendCallOnly", "0xA1dabEF33b3B82c7814B6D82A79e50F4AC44102B"),
        ("1.3.0", "MultiSend", "0x0dFcccB95225ffB03c6FBB2559B530C2B7C8A912"),
        ("1.3.0", "MultiSendCallOnly", "0xf220D3b4DFb23C4ade8C88E526C1353AbAcbC38F"),
        ("1.4.1", "MultiSend", "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"),
        ("1.4.1", "MultiSendCallOnly", "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"),
        ("1.4.1", "MultiSend", "0x309D0B190FeCCa8e1D5D8309a16F7e3CB133E885"),
        ("1.4.1", "MultiSendCallOnly", "0x0408EF011960d02349d50286D20531229BCef773"),
    ]:
        assert expected in table
    zksync_only = {a for _, _, a in known_multisends(ZKSYNC_ERA)} - {
        a for _, _, a in known_multisends(MAINNET)
    }
    assert "0x0dFcccB95225ffB03c6FBB2559B530C2B7C8A912" in zksync_only


@pytest.mark.parametrize(
    ("version", "name", "address"),
    ADDRESSES,
    ids=[f"{v}-{n}-{a[:8]}" for v, n, a in ADDRESSES],
)
def test_a_batch_through_each_known_address(
    chain: Anvil,
    safe_contracts: SafeContracts,
    version: str,
    name: str,
    address: str,
) -> None:
    safe = _driver(chain, safe_contracts, chain.accounts[1:4], version)
    call_only = name == "MultiSendCallOnly"
    assert chain.w3.eth.get_code(Web3.to_checksum_address(address)) == b""  # nothing there yet
    placed = place_multisend(chain, address, call_only=call_only, version=code_version(version))

    batch = safe.multisend_call_only if call_only else safe.multisend
    executed = batch([(ALICE, 10, b""), (BOB, 20, b"")], multisend_address=placed)

    assert executed.success
    logs = logs_in(chain, executed, safe.address)
    assert topic0s(logs) == [Topic.SAFE_MULTISIG_TRANSACTION, Topic.EXECUTION_SUCCESS]
    details = safe.safe.contract.events.SafeMultiSigTransaction().process_log(logs[0])["args"]
    assert (details["to"], details["operation"]) == (address, DELEGATE_CALL)
    assert chain.w3.eth.get_balance(ALICE) == 10
    assert chain.w3.eth.get_balance(BOB) == 20


@pytest.mark.parametrize("version", ["1.4.1", "1.5.0"])
@pytest.mark.parametrize("call_only", [False, True], ids=["multisend", "call-only"])
def test_placed_code_is_what_the_canonical_deployment_has(
    chain: Anvil, version: MultiSendVersion, call_only: bool
) -> None:
    """Deploy the shipped creation code through the Safe singleton factory (CREATE2, salt 0),
    as Safe deployed it: it lands on the table's mainnet address with the code we place."""
    name = "MultiSendCallOnly" if call_only else "MultiSend"
    (listed,) = safe_deployments[version][name]["1"]
    canonical = Web3.to_checksum_address(listed)
    factory_code = chain.rpc("eth_getCode", [ARACHNID_CREATE2_PROXY, "latest"])
    chain.rpc("anvil_setCode", [SAFE_SINGLETON_FACTORY_ADDRESS, factory_code])

    init_code = multisend_init_code(call_only=call_only, version=version)
    receipt = transact(
        chain,
        chain.accounts[0],
        {"to": SAFE_SINGLETON_FACTORY_ADDRESS, "data": HexBytes(bytes(32) + init_code)},
    )

    assert receipt["status"] == 1
    assert chain.w3.eth.get_code(canonical) == multisend_runtime(
        canonical, call_only=call_only, version=version
    )


def test_placed_multisend_refuses_direct_calls_like_the_real_one(
    chain: Anvil, safe_contracts: SafeContracts
) -> None:
    address = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"
    place_multisend(chain, address)
    library = safe_contracts.multi_send_v141
    data = HexBytes(get_multi_send_V1_4_1_contract(chain.w3).encode_abi("multiSend", args=[b""]))
    # Its immutable holds its own address, so only a delegatecall gets past the guard.
    with pytest.raises(ContractLogicError, match="should only be called via delegatecall"):
        chain.w3.eth.call({"to": address, "data": data})
    with pytest.raises(ContractLogicError, match="should only be called via delegatecall"):
        chain.w3.eth.call({"to": library, "data": data})


@pytest.mark.parametrize("call_only", [False, True], ids=["multisend", "call-only"])
def test_a_batch_through_a_fresh_unknown_multisend(
    chain: Anvil, safe_contracts: SafeContracts, call_only: bool
) -> None:
    safe = _driver(chain, safe_contracts, chain.accounts[1:4], "1.4.1")
    fresh = deploy_multisend(chain, call_only=call_only)

    every_known = {
        a for chain_id in (MAINNET, ZKSYNC_ERA) for _, _, a in known_multisends(chain_id)
    }
    assert fresh not in every_known
    assert fresh not in (safe_contracts.multi_send_v141, safe_contracts.multi_send_call_only_v141)
    # An ordinary deployment has the code multisend_runtime predicts for its address.
    assert chain.w3.eth.get_code(fresh) == multisend_runtime(fresh, call_only=call_only)

    batch = safe.multisend_call_only if call_only else safe.multisend
    executed = batch([(ALICE, 5, b"")], multisend_address=fresh)

    assert executed.success
    details = safe.safe.contract.events.SafeMultiSigTransaction().process_log(
        logs_in(chain, executed, safe.address)[0]
    )["args"]
    assert (details["to"], details["operation"]) == (fresh, DELEGATE_CALL)
    assert chain.w3.eth.get_balance(ALICE) == 5
