"""Where Safe's MultiSend libraries live on each chain, from safe-eth-py's deployment table.

A DELEGATECALL from a Safe is expected only to a MultiSend or MultiSendCallOnly deployment; the
table knows every version's, per chain id (three for 1.3.0 on most chains: canonical, EIP-155
and zkSync-style), so no list of addresses is kept here.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from safe_eth.safe.safe_deployments import safe_deployments

MULTISEND_CONTRACTS = ("MultiSend", "MultiSendCallOnly")


@cache
def _multisend_by_chain() -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for contracts in safe_deployments.values():
        for name in MULTISEND_CONTRACTS:
            for chain_id, addresses in contracts.get(name, {}).items():
                found.setdefault(str(chain_id), set()).update(a.lower() for a in addresses)
    return {chain_id: frozenset(addresses) for chain_id, addresses in found.items()}


def multisend_addresses(chain_id: int, extra: Iterable[str] = ()) -> frozenset[str]:
    """Lower-case addresses of every MultiSend deployment known on `chain_id`, plus `extra`
    (the operator's own, `[treasury.chains.<name>] multisend`)."""
    known = _multisend_by_chain().get(str(chain_id), frozenset())
    return known | {address.lower() for address in extra}
