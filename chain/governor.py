"""Reading an OpenZeppelin Governor: what a proposal stands at, in one JSON-RPC batch.

`read_proposal` asks, in one HTTP request, for the proposal's state, its votes (against, for,
abstain), the quorum at its snapshot, its snapshot, deadline and eta, the governor's clock and
CLOCK_MODE, the token's symbol and decimals, and whether each given address has voted. Each call
keeps its own answer: `quorum(snapshot)` reverts while the snapshot is still in the future
(ERC-5805), which leaves `quorum` None and the rest intact. `read_governor` learns a governor's
name, token, clock and settings once (two batches: the token's symbol needs its address).

The calls are encoded with the Governor ABI solc gives for OpenZeppelin's sources
(`chain.abis.governor_abi`) and the token's with safe-eth-py's ERC-20 ABI. The logs side is
`chain.governor_events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.address import to_checksum_address

from chain import abis
from chain.errors import RpcError
from chain.node import Answer, ChainNode

# IGovernor.ProposalState, in its declaration order (the ABI says only uint8).
STATES = ("pending", "active", "canceled", "defeated", "succeeded", "queued", "expired", "executed")


@dataclass(frozen=True)
class GovernorFacts:
    address: str
    name: str
    token: str
    clock_mode: str  # "mode=blocknumber&from=default" or "mode=timestamp"
    voting_delay: int
    voting_period: int
    timelock: str | None
    token_symbol: str
    token_decimals: int

    @property
    def clock_is_blocks(self) -> bool:
        return "mode=timestamp" not in self.clock_mode


@dataclass(frozen=True)
class ProposalReading:
    proposal_id: int
    state: str
    against: int
    for_: int
    abstain: int
    quorum: int | None  # None while the snapshot is in the future
    snapshot: int
    deadline: int
    eta: int | None  # None unless queued through a timelock
    clock: int
    clock_mode: str
    token_symbol: str | None = None
    token_decimals: int | None = None
    voted: dict[str, bool] = field(default_factory=dict)

    @property
    def quorum_reached(self) -> bool | None:
        """GovernorCountingSimple counts for and abstain toward the quorum."""
        return None if self.quorum is None else self.for_ + self.abstain >= self.quorum


Call = tuple[str, list[Any]]


@cache
def _functions() -> dict[tuple[str, int], dict[str, Any]]:
    return {(f["name"], len(f["inputs"])): f for f in abis.functions(abis.governor_abi())}


@cache
def _erc20() -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in abis.functions(abis.erc20_abi())}


def _call(to: str, entry: dict[str, Any], args: Sequence[Any], block: str) -> Call:
    data = abis.selector(entry) + abi_encode(abis.input_types(entry), list(args)).hex()
    return ("eth_call", [{"to": to, "data": "0x" + data}, block])


def governor_call(governor: str, name: str, *args: Any, block: str = "latest") -> Call:
    return _call(governor, _functions()[(name, len(args))], args, block)


def token_call(token: str, name: str, block: str = "latest") -> Call:
    return _call(token, _erc20()[name], (), block)


def _decode(entry: dict[str, Any], answer: Answer) -> Any:
    """The call's outputs (one value alone, several as a tuple); raises the call's error."""
    raw = answer.value()
    data = bytes.fromhex(str(raw or "0x")[2:])
    if not data and entry["outputs"]:
        raise RpcError(
            "eth_call", f"{entry['name']} returned nothing: not a contract?", retryable=False
        )
    values = abi_decode([abis.abi_type(o) for o in entry["outputs"]], data)
    return values[0] if len(values) == 1 else values


def _out(name: str, arity: int, answer: Answer) -> Any:
    return _decode(_functions()[(name, arity)], answer)


def _maybe(name: str, arity: int, answer: Answer) -> Any:
    return None if answer.error is not None else _out(name, arity, answer)


async def read_governor(node: ChainNode, governor: str) -> GovernorFacts:
    names = ("name", "token", "CLOCK_MODE", "votingDelay", "votingPeriod", "timelock")
    answers = await node.batch([governor_call(governor, n) for n in names])
    got = dict(zip(names, answers, strict=True))
    token = to_checksum_address(_out("token", 0, got["token"]))
    timelock = _maybe("timelock", 0, got["timelock"])  # a governor without a timelock
    symbol, decimals = await node.batch(
        [token_call(token, "symbol"), token_call(token, "decimals")]
    )
    return GovernorFacts(
        address=to_checksum_address(governor),
        name=str(_out("name", 0, got["name"])),
        token=token,
        clock_mode=str(_maybe("CLOCK_MODE", 0, got["CLOCK_MODE"]) or "mode=blocknumber"),
        voting_delay=int(_out("votingDelay", 0, got["votingDelay"])),
        voting_period=int(_out("votingPeriod", 0, got["votingPeriod"])),
        timelock=to_checksum_address(timelock) if timelock else None,
        token_symbol=str(_decode(_erc20()["symbol"], symbol)),
        token_decimals=int(_decode(_erc20()["decimals"], decimals)),
    )


async def read_proposal(
    node: ChainNode,
    governor: str,
    proposal_id: int,
    *,
    snapshot: int,
    voters: Sequence[str] = (),
    token: str | None = None,
    block: str = "latest",
) -> ProposalReading:
    """One batch: where the proposal stands. `snapshot` is its vote start (ProposalCreated's
    voteStart), for `quorum(snapshot)` in the same batch; `token` adds symbol and decimals."""
    calls = [
        governor_call(governor, "state", proposal_id, block=block),
        governor_call(governor, "proposalVotes", proposal_id, block=block),
        governor_call(governor, "quorum", snapshot, block=block),
        governor_call(governor, "proposalSnapshot", proposal_id, block=block),
        governor_call(governor, "proposalDeadline", proposal_id, block=block),
        governor_call(governor, "proposalEta", proposal_id, block=block),
        governor_call(governor, "clock", block=block),
        governor_call(governor, "CLOCK_MODE", block=block),
        *(governor_call(governor, "hasVoted", proposal_id, v, block=block) for v in voters),
    ]
    if token is not None:
        calls += [token_call(token, "symbol", block), token_call(token, "decimals", block)]
    answers = await node.batch(calls)
    state, votes, quorum, start, deadline, eta, clock, mode = answers[:8]
    voted = answers[8 : 8 + len(voters)]
    against, for_, abstain = _out("proposalVotes", 1, votes)
    eta_value = _maybe("proposalEta", 1, eta)
    reading = ProposalReading(
        proposal_id=proposal_id,
        state=STATES[int(_out("state", 1, state))],
        against=int(against),
        for_=int(for_),
        abstain=int(abstain),
        quorum=_maybe("quorum", 1, quorum),
        snapshot=int(_out("proposalSnapshot", 1, start)),
        deadline=int(_out("proposalDeadline", 1, deadline)),
        eta=int(eta_value) if eta_value else None,
        clock=int(_out("clock", 0, clock)),
        clock_mode=str(_maybe("CLOCK_MODE", 0, mode) or "mode=blocknumber"),
        voted={
            to_checksum_address(v): bool(_out("hasVoted", 2, a))
            for v, a in zip(voters, voted, strict=True)
        },
    )
    if token is None:
        return reading
    symbol, decimals = answers[-2:]
    return replace(
        reading,
        token_symbol=str(_decode(_erc20()["symbol"], symbol)),
        token_decimals=int(_decode(_erc20()["decimals"], decimals)),
    )
