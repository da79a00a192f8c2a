"""MultiSend at chosen addresses on the test node: the canonical deployments, or a fresh one.

The product recognises MultiSend by address, from safe-eth-py's table
`safe_eth.safe.safe_deployments.safe_deployments` (version -> contract -> chain id -> addresses).
On anvil nothing sits at those addresses, so `place_multisend` writes MultiSend's runtime code
there with `anvil_setCode`; a Safe's batch can then delegatecall exactly that address
(`SafeDriver.multisend(calls, multisend_address=...)`). `deploy_multisend` deploys one at a fresh
address no table knows.

The code placed is safe-eth-py's MultiSend / MultiSendCallOnly 1.4.1 or 1.5.0. Those are the
canonical builds: their creation code through the Safe singleton factory with salt 0 gives
exactly the table's addresses (test_multisend.py deploys them that way and compares the code).
MultiSend keeps its own address in an immutable and refuses to be called other than by
delegatecall; `multisend_runtime` writes the target address into that immutable, as the
constructor would have. safe-eth-py ships no 1.3.0 MultiSend, so 1.3.0 addresses get the 1.4.1
code: the same `multiSend(bytes)` with the same encoding.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Literal

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from safe_eth.safe.safe_deployments import safe_deployments
from web3 import Web3

from tests.support.anvil import Anvil
from tests.support.safes import SafeExecutionError, _deploy

MultiSendVersion = Literal["1.4.1", "1.5.0"]
MULTISEND_CONTRACTS = ("MultiSend", "MultiSendCallOnly")
# The immutable `multisendSingleton` is a PUSH32 the compiler leaves zeroed in deployedBytecode.
_PUSH32 = b"\x7f"
_IMMUTABLE_PLACEHOLDER = _PUSH32 + bytes(32)


@functools.cache
def _artifact(call_only: bool, version: MultiSendVersion) -> tuple[bytes, bytes]:
    """(creation code, runtime code with the immutable zeroed) from safe-eth-py's artifact."""
    name = f"{'MultiSendCallOnly' if call_only else 'MultiSend'}_V{version.replace('.', '_')}"
    path = resources.files("safe_eth.eth.contracts") / "abis" / f"{name}.json"
    data = json.loads(path.read_text())
    return bytes(HexBytes(data["bytecode"])), bytes(HexBytes(data["deployedBytecode"]))


def multisend_init_code(*, call_only: bool = False, version: MultiSendVersion = "1.4.1") -> bytes:
    """MultiSend's (or MultiSendCallOnly's) creation code, as safe-eth-py ships it."""
    return _artifact(call_only, version)[0]


def multisend_runtime(
    address: str, *, call_only: bool = False, version: MultiSendVersion = "1.4.1"
) -> bytes:
    """The runtime code a MultiSend deployed at `address` has: its own address in the
    immutable (MultiSendCallOnly has none, so its code is the same everywhere)."""
    runtime = _artifact(call_only, version)[1]
    expected = 0 if call_only else 1
    if runtime.count(_IMMUTABLE_PLACEHOLDER) != expected:
        raise SafeExecutionError(
            f"MultiSend {version} runtime does not have {expected} zeroed immutable(s)"
        )
    word = _PUSH32 + bytes(12) + bytes(HexBytes(Web3.to_checksum_address(address)))
    return runtime.replace(_IMMUTABLE_PLACEHOLDER, word)


def place_multisend(
    anvil: Anvil,
    address: str,
    *,
    call_only: bool = False,
    version: MultiSendVersion = "1.4.1",
) -> ChecksumAddress:
    """Put MultiSend's (or MultiSendCallOnly's) runtime code at `address` with anvil_setCode.

    Inside the `chain` fixture the code goes away with the test's snapshot.
    """
    target = Web3.to_checksum_address(address)
    code = multisend_runtime(target, call_only=call_only, version=version)
    anvil.rpc("anvil_setCode", [target, HexBytes(code).to_0x_hex()])
    return target


def deploy_multisend(
    anvil: Anvil,
    *,
    call_only: bool = False,
    version: MultiSendVersion = "1.4.1",
    deployer: LocalAccount | None = None,
) -> ChecksumAddress:
    """A MultiSend deployed by an ordinary transaction at a fresh address no table lists."""
    init_code = multisend_init_code(call_only=call_only, version=version)
    return _deploy(anvil, deployer or anvil.accounts[0], init_code)


def known_multisends(chain_id: int) -> list[tuple[str, str, ChecksumAddress]]:
    """(Safe version, contract name, address) of every MultiSend and MultiSendCallOnly that
    safe-eth-py's deployment table lists for `chain_id`, oldest version first."""
    found: list[tuple[str, str, ChecksumAddress]] = []
    for version, contracts in safe_deployments.items():
        for name in MULTISEND_CONTRACTS:
            for address in contracts.get(name, {}).get(str(chain_id), []):
                found.append((version, name, Web3.to_checksum_address(address)))
    return found


def code_version(safe_version: str) -> MultiSendVersion:
    """Which shipped build stands in for the MultiSend of `safe_version`."""
    return "1.5.0" if safe_version == "1.5.0" else "1.4.1"


__all__ = [
    "MULTISEND_CONTRACTS",
    "MultiSendVersion",
    "code_version",
    "deploy_multisend",
    "known_multisends",
    "multisend_init_code",
    "multisend_runtime",
    "place_multisend",
]
