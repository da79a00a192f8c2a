"""One poll of a chain for Safe activity: one JSON-RPC batch, one HTTP request.

The batch asks for the chain head and for the logs of the block range the previous head made
safe to read (`confirmations` deep), so the range never waits on a request of its own. The logs
are the watched Safes' own events and the token transfers (ERC-20, ERC-721, ERC-1155) into and
out of them. While the filters are small they name the Safes; when naming them would cost more
than `max_filter_bytes` (about 60 Safes at 20 KB), the filters ask by event only and the Safes
are matched here: request bytes stay flat from 1 to 1,000 Safes. A provider that refuses a range
as too large or too many results gets it again in halves.

Other filters ride along (`extra_filters`: the logs other features follow, such as Governor
events): they go into the same batch over the same range, and their raw logs come back in
`Poll.extra_logs`, one list per filter. With extra filters a chain is read even with no Safe.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from chain.calldata import Action, SafeCall, decode_exec_transaction, describe_call
from chain.errors import RpcError
from chain.events import (
    NFT_1155_TOPICS,
    SAFE_TOPICS,
    SECURITY_EVENTS,
    TRANSFER_TOPIC,
    DecodedLog,
    UndecodableLog,
    address_topic,
    decode_log,
)
from chain.node import Answer, ChainNode

# What providers answer when a range holds too much: "query returned more than 10000 results"
# (Infura), "range 1000000 exceeds limit of 10000", "You can make eth_getLogs requests with up to
# a 500 block range" and "Log response size exceeded" (Alchemy), "eth_getLogs is limited to a
# 10,000 range" (QuickNode).
_TOO_MUCH = ("more than", "too large", "too many", "exceed", "limit", "block range")
MIN_SPLIT_RANGE = 1


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
        return {log.name for log in self.logs if not log.is_transfer}

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


@dataclass(frozen=True)
class Poll:
    head: int
    # The last block read, None when nothing new was deep enough to read.
    to_block: int | None
    activities: list[SafeActivity]
    # The raw logs of the range for each of `extra_filters`, in the same order.
    extra_logs: list[list[dict[str, Any]]] = field(default_factory=list)


async def poll_chain(
    node: ChainNode,
    safes: Sequence[str],
    *,
    cursor: int,
    known_head: int | None,
    confirmations: int,
    max_range: int,
    multisends: Collection[str] = (),
    max_filter_bytes: int = 20_000,
    extra_filters: Sequence[dict[str, Any]] = (),
) -> Poll:
    """The head, and the activity of the range after `cursor` that `known_head` made safe."""
    to_block = None
    if known_head is not None:
        to_block = min(known_head - confirmations, cursor + max_range)
    if to_block is None or to_block <= cursor or not (safes or extra_filters):
        head = int((await node.batch([("eth_blockNumber", [])]))[0].value(), 16)
        readable = to_block if to_block is not None and to_block > cursor else None
        return Poll(head, readable, [], [[] for _ in extra_filters])
    filters = log_filters(safes, max_filter_bytes) if safes else []
    queries = [*filters, *extra_filters]
    span = {"fromBlock": hex(cursor + 1), "toBlock": hex(to_block)}
    answers = await node.batch(
        [("eth_blockNumber", []), *(("eth_getLogs", [{**span, **q}]) for q in queries)]
    )
    head = int(answers[0].value(), 16)
    found = [
        await _logs(node, query, cursor + 1, to_block, answer)
        for query, answer in zip(queries, answers[1:], strict=True)
    ]
    activities = group_activity([log for logs in found[: len(filters)] for log in logs], safes)
    await read_calls(node, activities, multisends)
    return Poll(head, to_block, activities, found[len(filters) :])


def log_filters(safes: Sequence[str], max_filter_bytes: int) -> list[dict[str, Any]]:
    """The queries of one range: by the Safes' addresses while that is small, else by event."""
    topics = [address_topic(s) for s in safes]
    named: list[dict[str, Any]] = [
        {"address": list(safes), "topics": [SAFE_TOPICS]},
        {"topics": [[TRANSFER_TOPIC], None, topics]},
        {"topics": [[TRANSFER_TOPIC], topics]},
        {"topics": [NFT_1155_TOPICS, None, None, topics]},
        {"topics": [NFT_1155_TOPICS, None, topics]},
    ]
    if len(json.dumps(named)) <= max_filter_bytes:
        return named
    return [{"topics": [SAFE_TOPICS]}, {"topics": [[TRANSFER_TOPIC, *NFT_1155_TOPICS]]}]


async def _logs(
    node: ChainNode, query: dict[str, Any], start: int, end: int, answer: Answer
) -> list[dict[str, Any]]:
    if answer.error is None:
        entries: list[Any] = list(answer.result or [])
        return [entry for entry in entries if isinstance(entry, dict)]
    if not _too_much(answer.error) or end - start + 1 <= MIN_SPLIT_RANGE:
        raise answer.error
    middle = (start + end) // 2
    found: list[dict[str, Any]] = []
    for low, high in ((start, middle), (middle + 1, end)):
        span = {**query, "fromBlock": hex(low), "toBlock": hex(high)}
        [half] = await node.batch([("eth_getLogs", [span])])
        found += await _logs(node, query, low, high, half)
    return found


def _too_much(error: RpcError) -> bool:
    text = error.message.lower()
    return any(words in text for words in _TOO_MUCH)


def group_activity(raw: list[dict[str, Any]], safes: Sequence[str]) -> list[SafeActivity]:
    """Logs grouped per (Safe, transaction), in chain order; logs of no watched Safe dropped."""
    watched = {s.lower(): s for s in safes}
    groups: dict[tuple[str, str], SafeActivity] = {}
    seen: set[tuple[str, int]] = set()
    for entry in sorted(raw, key=lambda e: (_int(e["blockNumber"]), _int(e["logIndex"]))):
        try:
            log = decode_log(entry)
        except UndecodableLog:
            continue  # a token that emits a Transfer of another shape: not ours to read
        if (log.tx_hash, log.log_index) in seen:
            continue  # a transfer between two watched Safes matches two filters
        seen.add((log.tx_hash, log.log_index))
        for safe in safes_touched(log, watched):
            key = (safe, log.tx_hash)
            if key not in groups:
                groups[key] = SafeActivity(safe, log.tx_hash, log.block_number, log.log_index)
            groups[key].logs.append(log)
    return sorted(groups.values(), key=lambda a: (a.block_number, a.first_log_index))


def safes_touched(log: DecodedLog, watched: dict[str, str]) -> list[str]:
    if log.is_transfer:
        sides = (str(log.args["from"]).lower(), str(log.args["to"]).lower())
        return [watched[s] for s in dict.fromkeys(sides) if s in watched]
    return [watched[log.address.lower()]] if log.address.lower() in watched else []


async def read_calls(
    node: ChainNode, activities: list[SafeActivity], multisends: Collection[str]
) -> None:
    """What each executed transaction did: from SafeL2's events where they say (no request),
    else from the execTransaction calldata, all fetched in one batch."""
    missing = []
    for activity in activities:
        activity.call = _logged_call(activity)
        if activity.call is None and activity.executed:
            missing.append(activity)
    answers = await node.batch([("eth_getTransactionByHash", [a.tx_hash]) for a in missing])
    for activity, answer in zip(missing, answers, strict=True):
        transaction = answer.value()
        if isinstance(transaction, dict):
            activity.call = decode_exec_transaction(str(transaction.get("input", "0x")))
    for activity in activities:
        if activity.call is not None:
            activity.actions = describe_call(activity.call, activity.safe, multisends)


def _logged_call(activity: SafeActivity) -> SafeCall | None:
    wanted = "SafeMultiSigTransaction" if activity.executed else "SafeModuleTransaction"
    for log in activity.logs:
        if log.name == wanted:
            data = bytes.fromhex(str(log.args["data"])[2:])
            return SafeCall(
                str(log.args["to"]), int(log.args["value"]), data, int(log.args["operation"])
            )
    return None


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value), 16)
