"""Reading a block range of Safe activity with a fixed number of eth_getLogs calls.

Whatever the number of Safes, one range costs three calls: Safe events of every watched Safe in
one filter (all addresses, all Safe topics), and ERC-20 transfers into and out of any of them
(one filter each, since a filter cannot OR across topic positions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from chain.calldata import Action, SafeCall, decode_exec_transaction, describe_call
from chain.events import (
    SAFE_TOPICS,
    SECURITY_EVENTS,
    TRANSFER,
    DecodedLog,
    address_topic,
    decode_log,
)
from chain.rpc import JsonRpc


@dataclass
class SafeActivity:
    """Everything one transaction did to one Safe: the unit of one alert."""

    safe: str
    tx_hash: str
    block_number: int
    first_log_index: int
    logs: list[DecodedLog] = field(default_factory=list)
    call: SafeCall | None = None
    actions: list[Action] = field(default_factory=list)

    @property
    def names(self) -> set[str]:
        return {log.name for log in self.logs}

    @property
    def executed(self) -> bool:
        return bool(self.names & {"ExecutionSuccess", "ExecutionFailure"})

    @property
    def failed(self) -> bool:
        return "ExecutionFailure" in self.names or "ExecutionFromModuleFailure" in self.names

    @property
    def security(self) -> bool:
        return bool(self.names & SECURITY_EVENTS)

    @property
    def high_risk(self) -> bool:
        return (
            self.security
            or any(a.high_risk for a in self.actions)
            or bool(self.names & {"ExecutionFromModuleSuccess", "ExecutionFromModuleFailure"})
        )


async def read_range(
    rpc: JsonRpc,
    safes: Sequence[str],
    from_block: int,
    to_block: int,
    known_multisend: Sequence[str] = (),
) -> list[SafeActivity]:
    if not safes:
        return []
    span = {"fromBlock": hex(from_block), "toBlock": hex(to_block)}
    safe_topics = [address_topic(s) for s in safes]
    raw = await rpc.get_logs({**span, "address": list(safes), "topics": [SAFE_TOPICS]})
    raw += await rpc.get_logs({**span, "topics": [TRANSFER.topic, None, safe_topics]})
    raw += await rpc.get_logs({**span, "topics": [TRANSFER.topic, safe_topics]})
    watched = {s.lower(): s for s in safes}
    groups: dict[tuple[str, str], SafeActivity] = {}
    seen: set[tuple[str, int]] = set()
    for entry in sorted(raw, key=lambda e: (int(e["blockNumber"], 16), int(e["logIndex"], 16))):
        log = decode_log(entry)
        if (log.tx_hash, log.log_index) in seen:
            continue  # a transfer from one watched Safe to another matches both filters
        seen.add((log.tx_hash, log.log_index))
        for safe in _safes_touched(log, watched):
            key = (safe, log.tx_hash)
            if key not in groups:
                groups[key] = SafeActivity(safe, log.tx_hash, log.block_number, log.log_index)
            groups[key].logs.append(log)
    activities = sorted(groups.values(), key=lambda a: (a.block_number, a.first_log_index))
    for activity in activities:
        if activity.executed:
            activity.call = await executed_call(rpc, activity)
        else:
            activity.call = _module_call(activity)
        if activity.call is not None:
            activity.actions = describe_call(activity.call, activity.safe, known_multisend)
    return activities


def _safes_touched(log: DecodedLog, watched: dict[str, str]) -> list[str]:
    if log.name == "Transfer":
        sides = (str(log.args["from"]).lower(), str(log.args["to"]).lower())
        return [watched[s] for s in dict.fromkeys(sides) if s in watched]
    return [watched[log.address.lower()]] if log.address.lower() in watched else []


def _module_call(activity: SafeActivity) -> SafeCall | None:
    """What a module made the Safe do, from SafeL2's SafeModuleTransaction event."""
    for log in activity.logs:
        if log.name == "SafeModuleTransaction":
            data = bytes.fromhex(str(log.args["data"])[2:])
            return SafeCall(
                str(log.args["to"]), int(log.args["value"]), data, int(log.args["operation"])
            )
    return None


async def executed_call(rpc: JsonRpc, activity: SafeActivity) -> SafeCall | None:
    """The executed transaction: from SafeL2's SafeMultiSigTransaction event when there is
    one (no extra request), else from the execTransaction calldata."""
    for log in activity.logs:
        if log.name == "SafeMultiSigTransaction":
            data = bytes.fromhex(str(log.args["data"])[2:])
            return SafeCall(
                str(log.args["to"]), int(log.args["value"]), data, int(log.args["operation"])
            )
    transaction = await rpc.transaction(activity.tx_hash)
    if transaction is None:
        return None
    return decode_exec_transaction(str(transaction.get("input", "0x")))
