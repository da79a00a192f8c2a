"""Governor events and reads against a real OpenZeppelin Governor on anvil."""

from __future__ import annotations

from typing import Any

from eth_utils.address import to_checksum_address
from web3 import Web3

from bot.http import HttpClient
from chain.governor import read_governor, read_proposal
from chain.governor_events import (
    GOVERNOR_TOPICS,
    ProposalCanceled,
    ProposalCreated,
    ProposalExecuted,
    ProposalQueued,
    VoteCast,
    decode_governor_log,
    decode_governor_logs,
    governor_filter,
)
from chain.node import ChainNode
from tests.support.anvil import Anvil
from tests.support.governor import (
    ABSTAIN,
    AGAINST,
    FOR,
    GOVERNOR_NAME,
    TOKEN_SYMBOL,
    VOTING_DELAY,
    VOTING_PERIOD,
    WHOLE,
    deploy_governance,
)


def test_the_topics_are_the_keccak_of_ozs_event_signatures() -> None:
    signatures = [
        "ProposalCreated(uint256,address,address[],uint256[],string[],bytes[],uint256,uint256,string)",
        "VoteCast(address,uint256,uint8,uint256,string)",
        "VoteCastWithParams(address,uint256,uint8,uint256,string,bytes)",
        "ProposalQueued(uint256,uint256)",
        "ProposalExecuted(uint256)",
        "ProposalCanceled(uint256)",
    ]
    assert sorted(Web3.keccak(text=s).to_0x_hex() for s in signatures) == GOVERNOR_TOPICS


async def logs_of(node: ChainNode, governor: str, start: int, end: int) -> list[dict[str, Any]]:
    span = {"fromBlock": hex(start), "toBlock": hex(end)}
    [answer] = await node.batch([("eth_getLogs", [{**span, **governor_filter([governor])}])])
    return list(answer.value())


async def test_a_proposals_life_decodes_event_by_event(chain: Anvil) -> None:
    governance = deploy_governance(chain)
    alice, bob, carol = governance.voters
    recipient = chain.accounts[7].address
    start = chain.block_number() + 1
    proposal = governance.propose_transfer(alice, recipient, 5_000 * WHOLE, "# Pay the auditors")
    governance.open_voting(proposal)
    governance.vote(alice, proposal, FOR, "audits matter")
    governance.vote(bob, proposal, AGAINST)
    governance.vote_with_params(carol, proposal, ABSTAIN, "no view", b"\x01\x02")
    governance.close_voting(proposal)
    governance.queue(proposal)
    governance.execute(proposal)
    other = governance.propose_transfer(bob, recipient, WHOLE, "Small thing")
    governance.cancel(other)

    async with HttpClient() as http:
        node = ChainNode(chain.url, http)
        raw = await logs_of(node, governance.address, start, chain.block_number())
    events = decode_governor_logs(raw)
    assert [type(e).__name__ for e in events] == [
        "ProposalCreated",
        "VoteCast",
        "VoteCast",
        "VoteCast",
        "ProposalQueued",
        "ProposalExecuted",
        "ProposalCreated",
        "ProposalCanceled",
    ]
    created, for_vote, against, abstain, queued, executed, _, canceled = events
    assert isinstance(created, ProposalCreated)
    assert created.proposal_id == proposal.id and created.proposer == alice.address
    assert created.targets == [governance.token.address] and created.values == [0]
    assert created.calldatas == [bytes(governance.transfer_call(recipient, 5_000 * WHOLE))]
    assert created.description == "# Pay the auditors" and created.signatures == [""]
    assert created.vote_start == proposal.block + VOTING_DELAY
    assert created.vote_end == created.vote_start + VOTING_PERIOD
    assert created.governor == governance.address and created.block_number == proposal.block
    assert isinstance(for_vote, VoteCast) and isinstance(abstain, VoteCast)
    assert (for_vote.voter, for_vote.support, for_vote.weight, for_vote.reason) == (
        alice.address,
        FOR,
        400_000 * WHOLE,
        "audits matter",
    )
    assert for_vote.params is None
    assert isinstance(against, VoteCast) and against.support == AGAINST and against.reason == ""
    assert abstain.params == b"\x01\x02" and abstain.reason == "no view"
    assert isinstance(queued, ProposalQueued) and queued.eta > 0
    assert isinstance(executed, ProposalExecuted) and executed.proposal_id == proposal.id
    assert isinstance(canceled, ProposalCanceled) and canceled.proposal_id == other.id
    assert len({e.key for e in events}) == len(events)


def test_logs_of_other_contracts_and_foreign_shapes_are_left_out() -> None:
    topic = GOVERNOR_TOPICS[0]
    address = "0x" + "11" * 20
    foreign = {
        "address": address,
        "topics": ["0x" + "ab" * 32],
        "data": "0x",
        "blockNumber": "0x1",
        "transactionHash": "0x" + "00" * 32,
        "logIndex": "0x0",
    }
    garbled = {**foreign, "topics": [topic], "data": "0x1234", "logIndex": "0x1"}
    assert decode_governor_logs([foreign, garbled]) == []
    assert decode_governor_logs([foreign], governors=["0x" + "22" * 20]) == []
    executed = next(
        t for t in GOVERNOR_TOPICS if t == Web3.keccak(text="ProposalExecuted(uint256)").to_0x_hex()
    )
    log = {**foreign, "topics": [executed], "data": "0x" + "00" * 31 + "07"}
    event = decode_governor_log(log)
    assert isinstance(event, ProposalExecuted) and event.proposal_id == 7
    assert event.governor == to_checksum_address(address)
    assert decode_governor_logs([log, log]) == [event], "one log seen twice is one event"


async def test_where_a_proposal_stands_is_one_batch(chain: Anvil) -> None:
    governance = deploy_governance(chain)
    alice, bob, carol = governance.voters
    proposal = governance.propose_transfer(alice, bob.address, WHOLE, "Pay Bob")
    async with HttpClient() as http:
        node = ChainNode(chain.url, http)
        facts = await read_governor(node, governance.address)
        snapshot = proposal.block + VOTING_DELAY
        pending = await read_proposal(node, governance.address, proposal.id, snapshot=snapshot)
        governance.open_voting(proposal)
        governance.vote(alice, proposal, FOR)
        governance.vote(carol, proposal, ABSTAIN)
        before = node.requests
        active = await read_proposal(
            node,
            governance.address,
            proposal.id,
            snapshot=snapshot,
            voters=[alice.address, bob.address, carol.address],
            token=facts.token,
        )
        assert node.requests - before == 1, "state, votes, quorum, clock, token and voters in one"
    assert facts.name == GOVERNOR_NAME and facts.token == governance.token.address
    assert facts.token_symbol == TOKEN_SYMBOL and facts.token_decimals == 18
    assert facts.clock_is_blocks and facts.timelock == governance.timelock.address
    assert (facts.voting_delay, facts.voting_period) == (VOTING_DELAY, VOTING_PERIOD)
    assert pending.state == "pending" and pending.quorum is None, "a future snapshot has none yet"
    assert active.state == "active"
    assert (active.for_, active.against, active.abstain) == (400_000 * WHOLE, 0, 100_000 * WHOLE)
    # 4 % of 1,750,000 tokens (the voters' and the timelock's treasury).
    assert active.quorum == 70_000 * WHOLE and active.quorum_reached
    assert active.voted == {alice.address: True, bob.address: False, carol.address: True}
    assert active.deadline == snapshot + VOTING_PERIOD and active.clock == chain.block_number()
    assert active.token_symbol == TOKEN_SYMBOL and active.eta is None
