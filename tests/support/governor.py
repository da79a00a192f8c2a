"""A real OpenZeppelin Governor on the test anvil node: token, timelock, governor, and the steps of
a proposal's life, each a real transaction.

`deploy_governance` deploys, from the committed build.mjs artifacts (`contracts/TestVotesToken`,
`TestTimelock`, `TestGovernor`): an ERC20Votes token (18 decimals, block-number clock), a
TimelockController whose proposer and canceller is the governor and whose executor is anyone
(`address(0)`), and the governor (voting delay, period and quorum fraction as given). The token is
minted to the voters, each delegates to itself, and the timelock holds a treasury of the same
token that proposals pay from. `Governance` then proposes, votes, mines past the deadline, queues
and executes, as ../shared/PROTOCOLS.md §6/§12 describe (`queue`/`execute` take
keccak256(description); anvil's `evm_increaseTime` passes the timelock delay).

Deploy inside a test (the `chain` fixture reverts it afterwards); a deployment takes a few
milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.types import TxReceipt

from tests.support.anvil import Anvil
from tests.support.nfts import artifact
from tests.support.safes import transact

TOKEN_NAME = "Steward Vote"
TOKEN_SYMBOL = "SVOTE"
GOVERNOR_NAME = "Steward Test DAO"
WHOLE = 10**18
# Blocks between proposing and voting, blocks of voting, percent of supply for quorum, seconds
# between queueing and executing.
VOTING_DELAY = 1
VOTING_PERIOD = 20
QUORUM_PERCENT = 4
TIMELOCK_DELAY = 3600
TREASURY = 1_000_000 * WHOLE

# GovernorCountingSimple's support values.
AGAINST, FOR, ABSTAIN = 0, 1, 2
ARTIFACTS = ("TestVotesToken", "TestTimelock", "TestGovernor")


@dataclass(frozen=True)
class ProposalCall:
    """What `propose` was given, which queue and execute must repeat."""

    id: int
    targets: list[ChecksumAddress]
    values: list[int]
    calldatas: list[HexBytes]
    description: str
    proposer: ChecksumAddress
    block: int

    @property
    def description_hash(self) -> bytes:
        return Web3.keccak(text=self.description)


@dataclass
class Governance:
    anvil: Anvil
    deployer: LocalAccount
    token: Contract
    timelock: Contract
    governor: Contract
    voters: list[LocalAccount] = field(default_factory=list)

    @property
    def address(self) -> ChecksumAddress:
        return self.governor.address

    def send(self, sender: LocalAccount, call: Any) -> TxReceipt:
        tx = call.build_transaction({"from": sender.address, "gas": 3_000_000})
        receipt = transact(
            self.anvil, sender, {"to": tx["to"], "data": tx["data"], "gas": 3_000_000}
        )
        if receipt["status"] != 1:
            raise AssertionError(f"transaction reverted: {receipt}")
        return receipt

    def transfer_call(self, recipient: str, amount: int) -> HexBytes:
        """Calldata of token.transfer(recipient, amount): what a payout proposal runs."""
        return HexBytes(
            self.token.encode_abi("transfer", [Web3.to_checksum_address(recipient), amount])
        )

    def propose_transfer(
        self, proposer: LocalAccount, recipient: str, amount: int, description: str
    ) -> ProposalCall:
        """A proposal that pays `amount` of the token from the timelock to `recipient`."""
        return self.propose(
            proposer,
            [self.token.address],
            [0],
            [self.transfer_call(recipient, amount)],
            description,
        )

    def propose(
        self,
        proposer: LocalAccount,
        targets: Sequence[ChecksumAddress],
        values: Sequence[int],
        calldatas: Sequence[HexBytes],
        description: str,
    ) -> ProposalCall:
        args = (list(targets), list(values), [bytes(c) for c in calldatas], description)
        proposal_id = int(
            self.governor.functions.hashProposal(*args[:3], Web3.keccak(text=description)).call()
        )
        receipt = self.send(proposer, self.governor.functions.propose(*args))
        return ProposalCall(
            proposal_id,
            list(targets),
            list(values),
            [HexBytes(c) for c in calldatas],
            description,
            proposer.address,
            int(receipt["blockNumber"]),
        )

    def open_voting(self, proposal: ProposalCall) -> None:
        """Mine until the proposal's snapshot block has passed, so votes count."""
        snapshot = int(self.governor.functions.proposalSnapshot(proposal.id).call())
        missing = snapshot + 1 - self.anvil.block_number()
        if missing > 0:
            self.anvil.mine(missing)

    def vote(
        self, voter: LocalAccount, proposal: ProposalCall, support: int, reason: str = ""
    ) -> TxReceipt:
        if reason:
            call = self.governor.functions.castVoteWithReason(proposal.id, support, reason)
        else:
            call = self.governor.functions.castVote(proposal.id, support)
        return self.send(voter, call)

    def vote_with_params(
        self, voter: LocalAccount, proposal: ProposalCall, support: int, reason: str, params: bytes
    ) -> TxReceipt:
        """castVoteWithReasonAndParams: emits VoteCastWithParams when `params` is not empty."""
        call = self.governor.functions.castVoteWithReasonAndParams(
            proposal.id, support, reason, params
        )
        return self.send(voter, call)

    def close_voting(self, proposal: ProposalCall) -> None:
        deadline = int(self.governor.functions.proposalDeadline(proposal.id).call())
        missing = deadline + 1 - self.anvil.block_number()
        if missing > 0:
            self.anvil.mine(missing)

    def queue(self, proposal: ProposalCall, sender: LocalAccount | None = None) -> TxReceipt:
        return self.send(
            sender or self.deployer, self.governor.functions.queue(*self._call(proposal))
        )

    def execute(self, proposal: ProposalCall, sender: LocalAccount | None = None) -> TxReceipt:
        """Pass the timelock's delay (evm_increaseTime, then a block) and execute."""
        self.anvil.rpc("evm_increaseTime", [TIMELOCK_DELAY + 1])
        self.anvil.mine(1)
        return self.send(
            sender or self.deployer, self.governor.functions.execute(*self._call(proposal))
        )

    def cancel(self, proposal: ProposalCall) -> TxReceipt:
        """Only the proposer may cancel, and only before voting starts."""
        proposer = next(a for a in [self.deployer, *self.voters] if a.address == proposal.proposer)
        return self.send(proposer, self.governor.functions.cancel(*self._call(proposal)))

    def state(self, proposal: ProposalCall) -> int:
        return int(self.governor.functions.state(proposal.id).call())

    def balance(self, address: str) -> int:
        return int(self.token.functions.balanceOf(Web3.to_checksum_address(address)).call())

    def _call(self, proposal: ProposalCall) -> tuple[Any, ...]:
        return (
            proposal.targets,
            proposal.values,
            [bytes(c) for c in proposal.calldatas],
            proposal.description_hash,
        )


def _deploy(anvil: Anvil, deployer: LocalAccount, name: str, *args: Any) -> Contract:
    built = artifact(name)
    factory = anvil.w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"])
    data = factory.constructor(*args).data_in_transaction
    receipt = transact(anvil, deployer, {"data": HexBytes(data)})
    address = receipt["contractAddress"]
    if receipt["status"] != 1 or address is None:
        raise AssertionError(f"deploying {name} failed: {receipt}")
    return anvil.w3.eth.contract(address=address, abi=built["abi"])


def deploy_governance(
    anvil: Anvil,
    voters: Sequence[tuple[LocalAccount, int]] = (),
    *,
    deployer: LocalAccount | None = None,
    voting_delay: int = VOTING_DELAY,
    voting_period: int = VOTING_PERIOD,
    quorum_percent: int = QUORUM_PERCENT,
    treasury: int = TREASURY,
) -> Governance:
    """Token, timelock and governor; each voter minted `whole` tokens and self-delegated.

    Default voters: anvil accounts 1, 2 and 3 with 400,000, 250,000 and 100,000 tokens. The
    timelock's treasury (1,000,000 tokens) counts in the supply the quorum is a fraction of
    (4 % of 1,750,000: 70,000) but never votes: a timelock does not delegate.
    """
    deployer = deployer or anvil.accounts[0]
    if not voters:
        voters = [
            (anvil.accounts[1], 400_000),
            (anvil.accounts[2], 250_000),
            (anvil.accounts[3], 100_000),
        ]
    token = _deploy(anvil, deployer, "TestVotesToken", TOKEN_NAME, TOKEN_SYMBOL)
    timelock = _deploy(anvil, deployer, "TestTimelock", TIMELOCK_DELAY, [], [], deployer.address)
    governor = _deploy(
        anvil,
        deployer,
        "TestGovernor",
        GOVERNOR_NAME,
        token.address,
        timelock.address,
        voting_delay,
        voting_period,
        quorum_percent,
    )
    governance = Governance(anvil, deployer, token, timelock, governor, [a for a, _ in voters])
    roles = timelock.functions
    for role in (roles.PROPOSER_ROLE().call(), roles.CANCELLER_ROLE().call()):
        governance.send(deployer, roles.grantRole(role, governor.address))
    governance.send(deployer, roles.grantRole(roles.EXECUTOR_ROLE().call(), _ZERO))
    governance.send(
        deployer, roles.renounceRole(roles.DEFAULT_ADMIN_ROLE().call(), deployer.address)
    )
    governance.send(deployer, token.functions.mint(timelock.address, treasury))
    for voter, whole in voters:
        governance.send(deployer, token.functions.mint(voter.address, whole * WHOLE))
        governance.send(voter, token.functions.delegate(voter.address))
    anvil.mine(1)  # the delegations are checkpoints in the past for a proposal made now
    return governance


_ZERO = "0x0000000000000000000000000000000000000000"
