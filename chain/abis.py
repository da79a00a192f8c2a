"""Contract interfaces as safe-eth-py ships them, never written by hand: the Safe of every
version we decode (L2 builds, whose extra events carry each transaction), MultiSend, the
fallback handler, and the ERC-20, ERC-721 and ERC-1155 token standards. The OpenZeppelin
Governor's is the ABI solc gives for OpenZeppelin's sources (interfaces/governor.json, written by
tests/support/contracts/build.mjs)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, cast

from eth_typing import ABIEvent, ABIFunction
from eth_utils.abi import event_abi_to_log_topic, function_abi_to_4byte_selector
from safe_eth.eth.contracts import load_contract_interface

SAFE_VERSIONS = ("1.3.0", "1.4.1", "1.5.0")
_SAFE_FILES = {
    "1.3.0": "GnosisSafe_V1_3_0.json",
    "1.4.1": "Safe_V1_4_1.json",
    "1.5.0": "Safe_V1_5_0.json",
}
ABI = list[dict[str, Any]]


@cache
def abi(file_name: str) -> ABI:
    return list(load_contract_interface(file_name)["abi"])


def safe_abi(version: str) -> ABI:
    return abi(_SAFE_FILES[version])


def multisend_abi() -> ABI:
    return abi("MultiSend_V1_4_1.json")


def fallback_handler_abi() -> ABI:
    return abi("CompatibilityFallbackHandler_V1_5_0.json")


def erc20_abi() -> ABI:
    return abi("ERC20.json")


def erc721_abi() -> ABI:
    return abi("ERC721.json")


def erc1155_abi() -> ABI:
    return abi("ERC1155.json")


@cache
def governor_abi() -> ABI:
    """OpenZeppelin Governor 5.x with GovernorSettings, GovernorCountingSimple, GovernorVotes,
    GovernorVotesQuorumFraction and GovernorTimelockControl: IGovernor and what they add."""
    path = Path(__file__).parent / "interfaces" / "governor.json"
    return list(json.loads(path.read_text())["abi"])


def events(interface: ABI) -> list[dict[str, Any]]:
    return [entry for entry in interface if entry.get("type") == "event"]


def functions(interface: ABI) -> list[dict[str, Any]]:
    return [entry for entry in interface if entry.get("type") == "function"]


def event_topic(entry: dict[str, Any]) -> str:
    return "0x" + event_abi_to_log_topic(cast(ABIEvent, entry)).hex()


def selector(entry: dict[str, Any]) -> str:
    return function_abi_to_4byte_selector(cast(ABIFunction, entry)).hex()


def input_types(entry: dict[str, Any]) -> list[str]:
    return [abi_type(item) for item in entry.get("inputs", [])]


def abi_type(item: dict[str, Any]) -> str:
    kind = str(item["type"])
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in item.get("components", []))
        return f"({inner}){kind[len('tuple') :]}"
    return kind
