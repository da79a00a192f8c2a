"""The Governor test support: a proposal's whole life on anvil, with real transactions."""

from __future__ import annotations

from web3 import Web3

from tests.support.anvil import Anvil
from tests.support.governor import ABSTAIN, AGAINST, FOR, WHOLE, deploy_governance

# IGovernor.ProposalState
PENDING, ACTIVE, CANCELED, DEFEATED, SUCCEEDED, QUEUED, EXPIRED, EXECUTED = range(8)


def test_a_transfer_proposal_is_voted_queued_and_executed(chain: Anvil) -> None:
    governance = deploy_governance(chain)
    alice, bob, carol = governance.voters
    recipient = chain.accounts[7].address
    proposal = governance.propose_transfer(alice, recipient, 5_000 * WHOLE, "# Pay the auditors")
    assert governance.state(proposal) == PENDING
    governance.open_voting(proposal)
    assert governance.state(proposal) == ACTIVE
    governance.vote(alice, proposal, FOR, "ship it")
    governance.vote(bob, proposal, AGAINST)
    governance.vote(carol, proposal, ABSTAIN)
    votes = governance.governor.functions.proposalVotes(proposal.id).call()
    assert votes == [250_000 * WHOLE, 400_000 * WHOLE, 100_000 * WHOLE]
    governance.close_voting(proposal)
    assert governance.state(proposal) == SUCCEEDED
    governance.queue(proposal)
    assert governance.state(proposal) == QUEUED
    governance.execute(proposal)
    assert governance.state(proposal) == EXECUTED
    assert governance.balance(recipient) == 5_000 * WHOLE


def test_a_proposal_against_fails_and_one_can_be_canceled(chain: Anvil) -> None:
    governance = deploy_governance(chain)
    alice, bob, _ = governance.voters
    beaten = governance.propose_transfer(bob, alice.address, WHOLE, "Pay Alice")
    canceled = governance.propose_transfer(bob, alice.address, 2 * WHOLE, "Pay Alice twice")
    governance.cancel(canceled)
    assert governance.state(canceled) == CANCELED
    governance.open_voting(beaten)
    governance.vote(alice, beaten, AGAINST)
    governance.close_voting(beaten)
    assert governance.state(beaten) == DEFEATED
    assert Web3.is_checksum_address(governance.address)
