"""OpenZeppelin Governor events, decoded with the ABI solc gives for OpenZeppelin's sources.

IGovernor's events are the same in every Governor built on it (and in Compound's GovernorBravo,
whose ProposalCreated/VoteCast/ProposalQueued/ProposalExecuted/ProposalCanceled share these
signatures), so one filter of topic0s serves every watched governor.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address

from chain import abis

GOVERNOR_EVENTS = (
    "ProposalCreated",
    "VoteCast",
    "VoteCastWithParams",
    "ProposalQueued",
    "ProposalExecuted",
    "ProposalCanceled",
)


@dataclass(frozen=True)
class GovernorLog:
    """Where an event happened: the governor, the block and the log's place in it."""

    governor: str
    block_number: int
    tx_hash: str
    log_index: int

    @property
    def key(self) -> str:
        """Unique per log on a chain: what exactly-once delivery keys on."""
        return f"{self.tx_hash}:{self.log_index}"


@dataclass(frozen=True)
class ProposalCreated(GovernorLog):
    proposal_id: int
    proposer: str
    targets: list[str]
    values: list[int]
    signatures: list[str]
    calldatas: list[bytes]
    vote_start: int  # the snapshot timepoint (block number or timestamp, per CLOCK_MODE)
    vote_end: int  # the deadline timepoint
    description: str


@dataclass(frozen=True)
class VoteCast(GovernorLog):
    proposal_id: int
    voter: str
    support: int  # GovernorCountingSimple: 0 against, 1 for, 2 abstain
    weight: int
    reason: str
    params: bytes | None  # VoteCastWithParams only


@dataclass(frozen=True)
class ProposalQueued(GovernorLog):
    proposal_id: int
    eta: int  # seconds since the epoch when it may execute


@dataclass(frozen=True)
class ProposalExecuted(GovernorLog):
    proposal_id: int


@dataclass(frozen=True)
class ProposalCanceled(GovernorLog):
    proposal_id: int


GovernorEvent = ProposalCreated | VoteCast | ProposalQueued | ProposalExecuted | ProposalCanceled


@dataclass(frozen=True)
class _Layout:
    name: str
    inputs: tuple[tuple[str, str, bool], ...]  # (type, name, indexed)


def _layouts() -> dict[str, _Layout]:
    found = {}
    for entry in abis.events(abis.governor_abi()):
        if entry["name"] in GOVERNOR_EVENTS:
            inputs = tuple(
                (abis.abi_type(i), i["name"], bool(i["indexed"])) for i in entry["inputs"]
            )
            found[abis.event_topic(entry)] = _Layout(entry["name"], inputs)
    return found


_BY_TOPIC = _layouts()
GOVERNOR_TOPICS = sorted(_BY_TOPIC)


class NotAGovernorLog(ValueError):
    pass


def decode_governor_log(log: dict[str, Any]) -> GovernorEvent:
    topics = [_hex(t).lower() for t in log["topics"]]
    layout = _BY_TOPIC.get(topics[0]) if topics else None
    if layout is None:
        raise NotAGovernorLog(f"not a governor event: {topics[:1]}")
    indexed = [(kind, name) for kind, name, is_indexed in layout.inputs if is_indexed]
    plain = [(kind, name) for kind, name, is_indexed in layout.inputs if not is_indexed]
    if len(indexed) != len(topics) - 1:
        raise NotAGovernorLog(f"{layout.name} with {len(topics) - 1} indexed arguments")
    try:
        data = bytes.fromhex(_hex(log.get("data", "0x"))[2:])
        values = abi_decode([kind for kind, _ in plain], data)
        args = {name: value for (_, name), value in zip(plain, values, strict=True)}
        for (kind, name), topic in zip(indexed, topics[1:], strict=True):
            (args[name],) = abi_decode([kind], bytes.fromhex(topic[2:]))
    except Exception as exc:  # eth_abi raises several kinds on malformed data
        raise NotAGovernorLog(f"{layout.name} with undecodable data: {exc}") from exc
    where = GovernorLog(
        to_checksum_address(log["address"]),
        _int(log["blockNumber"]),
        _hex(log["transactionHash"]),
        _int(log["logIndex"]),
    )
    return _event(layout.name, where, args)


def _event(name: str, where: GovernorLog, args: dict[str, Any]) -> GovernorEvent:
    base = (where.governor, where.block_number, where.tx_hash, where.log_index)
    proposal_id = int(args["proposalId"])
    if name == "ProposalCreated":
        return ProposalCreated(
            *base,
            proposal_id=proposal_id,
            proposer=to_checksum_address(args["proposer"]),
            targets=[to_checksum_address(t) for t in args["targets"]],
            values=[int(v) for v in args["values"]],
            signatures=list(args["signatures"]),
            calldatas=[bytes(c) for c in args["calldatas"]],
            vote_start=int(args["voteStart"]),
            vote_end=int(args["voteEnd"]),
            description=str(args["description"]),
        )
    if name in ("VoteCast", "VoteCastWithParams"):
        return VoteCast(
            *base,
            proposal_id=proposal_id,
            voter=to_checksum_address(args["voter"]),
            support=int(args["support"]),
            weight=int(args["weight"]),
            reason=str(args["reason"]),
            params=bytes(args["params"]) if "params" in args else None,
        )
    if name == "ProposalQueued":
        return ProposalQueued(*base, proposal_id=proposal_id, eta=int(args["etaSeconds"]))
    if name == "ProposalExecuted":
        return ProposalExecuted(*base, proposal_id=proposal_id)
    return ProposalCanceled(*base, proposal_id=proposal_id)


def decode_governor_logs(
    raw: Iterable[dict[str, Any]], governors: Iterable[str] | None = None
) -> list[GovernorEvent]:
    """The governor events among `raw`, in chain order, each once; logs of other contracts (or
    of governors not in `governors`, when given) and logs that do not decode are left out."""
    wanted = None if governors is None else {g.lower() for g in governors}
    found: dict[tuple[str, int], GovernorEvent] = {}
    for entry in raw:
        if wanted is not None and str(entry.get("address", "")).lower() not in wanted:
            continue
        try:
            event = decode_governor_log(entry)
        except NotAGovernorLog:
            continue
        found.setdefault((event.tx_hash, event.log_index), event)
    return sorted(found.values(), key=lambda e: (e.block_number, e.log_index))


def governor_filter(governors: Iterable[str]) -> dict[str, Any]:
    """The eth_getLogs filter (without its block range) for every governor event of these."""
    return {"address": sorted(set(governors)), "topics": [GOVERNOR_TOPICS]}


def _hex(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    text = str(value)
    return text if text.startswith("0x") or not text else "0x" + text


def _int(value: Any) -> int:
    return value if isinstance(value, int) else int(str(value), 16)
