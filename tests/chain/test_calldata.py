"""Decoding what a Safe transaction does, without a chain: the calldata alone."""

from __future__ import annotations

from eth_abi.abi import encode

from chain.calldata import CALL, DELEGATECALL, SafeCall, decode_exec_transaction, describe_call
from chain.deployments import multisend_addresses

SAFE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
TOKEN = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
PAYEE = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"
UNKNOWN = "0x000000000000000000000000000000000000dEaD"
MULTISEND = "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526"  # 1.4.1's, as safe-deployments has it
MAINNET = multisend_addresses(1)


def call(selector: str, types: list[str], args: list[object]) -> bytes:
    return bytes.fromhex(selector) + encode(types, args)


def packed(*items: tuple[int, str, int, bytes]) -> bytes:
    return b"".join(
        bytes([op])
        + bytes.fromhex(to[2:])
        + value.to_bytes(32, "big")
        + len(data).to_bytes(32, "big")
        + data
        for op, to, value, data in items
    )


def test_a_nested_delegatecall_inside_a_multisend_batch_is_flagged() -> None:
    transfer = call("a9059cbb", ["address", "uint256"], [PAYEE, 5])
    batch = packed((CALL, TOKEN, 0, transfer), (DELEGATECALL, UNKNOWN, 0, b"\x12\x34\x56\x78"))
    outer = SafeCall(MULTISEND, 0, call("8d80ff0a", ["bytes"], [batch]), DELEGATECALL)

    [action] = describe_call(outer, SAFE, MAINNET)

    assert action.kind == "batch" and action.high_risk
    assert [a.kind for a in action.items] == ["erc20_transfer", "delegatecall"]
    assert action.items[1].high_risk and not action.items[0].high_risk


def test_a_delegatecall_to_an_unknown_target_stays_high_risk_and_shows_its_claimed_batch() -> None:
    transfer = call("a9059cbb", ["address", "uint256"], [PAYEE, 200])
    batch = packed((CALL, PAYEE, 5 * 10**17, b""), (CALL, TOKEN, 0, transfer))
    disguised = SafeCall(UNKNOWN, 0, call("8d80ff0a", ["bytes"], [batch]), DELEGATECALL)
    [action] = describe_call(disguised, SAFE, MAINNET)
    assert action.kind == "delegatecall" and action.high_risk
    assert "claims to batch" in (action.note or "")
    assert [(a.kind, a.target) for a in action.items] == [
        ("native", PAYEE),
        ("erc20_transfer", TOKEN),
    ]


def test_the_known_multisend_addresses_come_from_safe_deployments() -> None:
    # 1.3.0 canonical, 1.3.0 EIP-155, 1.4.1 and 1.5.0 MultiSend on Ethereum mainnet.
    for address in (
        "0xA238CBeb142c10Ef7Ad8442C6D1f9E89e07e7761",
        "0x998739BFdAAdde7C933B942a68053933098f9EDa",
        "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526",
        "0x218543288004CD07832472D464648173c77D7eB7",
    ):
        assert address.lower() in MAINNET
    # zkSync Era (324) has addresses of its own, which mainnet does not know.
    zksync_only = multisend_addresses(324) - MAINNET
    assert zksync_only
    assert multisend_addresses(31337) == frozenset(), "a local chain knows none"
    assert multisend_addresses(31337, [UNKNOWN]) == {UNKNOWN.lower()}


def test_settings_calls_approvals_and_unknown_selectors() -> None:
    own = SafeCall(SAFE, 0, call("694e80c3", ["uint256"], [3]))
    assert describe_call(own, SAFE)[0].method == "changeThreshold"
    module_guard = SafeCall(SAFE, 0, call("e068df37", ["address"], [PAYEE]))
    assert describe_call(module_guard, SAFE)[0].method == "setModuleGuard"  # new in 1.5.0
    limited = SafeCall(TOKEN, 0, call("095ea7b3", ["address", "uint256"], [PAYEE, 10]))
    unlimited = SafeCall(TOKEN, 0, call("095ea7b3", ["address", "uint256"], [PAYEE, 2**256 - 1]))
    assert not describe_call(limited, SAFE)[0].high_risk
    assert describe_call(unlimited, SAFE)[0].high_risk
    odd = describe_call(SafeCall(TOKEN, 0, bytes.fromhex("deadbeef00")), SAFE)[0]
    assert (odd.kind, odd.note) == ("contract_call", "0xdeadbeef")


def test_exec_transaction_calldata_is_unwrapped() -> None:
    inner = call("a9059cbb", ["address", "uint256"], [PAYEE, 7])
    data = call(
        "6a761202",
        [
            "address",
            "uint256",
            "bytes",
            "uint8",
            "uint256",
            "uint256",
            "uint256",
            "address",
            "address",
            "bytes",
        ],
        [TOKEN, 0, inner, 0, 0, 0, 0, "0x" + "00" * 20, "0x" + "00" * 20, b"\x01" * 65],
    )
    decoded = decode_exec_transaction("0x" + data.hex())
    assert decoded == SafeCall(TOKEN, 0, inner, 0)
    assert decode_exec_transaction("0x12345678") is None
