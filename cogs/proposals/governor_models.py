"""Tables of the Governor watcher: the on-chain proposals it follows.

One row per (community, chain, governor, proposal id): what ProposalCreated said (the calls,
for payout checks) and how far the watcher has taken it (`stage`), so each stage's reads and
announcement happen once. Proposal ids are uint256: stored as decimal text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.storage.models import timestamp
from chain.governor_events import ProposalCreated

# The order a proposal goes through; "closed" means the vote ended (its result read).
STAGES = ("created", "opened", "ending", "closed", "queued", "executed", "canceled")
FINAL_STAGES = frozenset({"executed", "canceled"})
TITLE_LIMIT = 200


class GovernorProposal(SQLModel, table=True):
    __tablename__ = "governor_proposal"
    __table_args__ = (UniqueConstraint("community_id", "chain", "governor", "proposal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    chain: str = Field(max_length=50, index=True)
    governor: str = Field(max_length=42)
    proposal_id: str = Field(max_length=80)
    proposer: str = Field(max_length=42)
    title: str = Field(default="", max_length=300)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    targets: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # uint256 values as decimal text; calldatas as 0x hex.
    values: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    calldatas: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Timepoints in the governor's clock (block numbers, or seconds for mode=timestamp).
    vote_start: int = Field(sa_column=Column(BigInteger, nullable=False))
    vote_end: int = Field(sa_column=Column(BigInteger, nullable=False))
    stage: str = Field(default="created", max_length=16)
    voters: int = 0
    eta: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The last of its events applied (block, log index): a range read again applies nothing twice.
    seen_block: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    seen_log: int = 0
    created_tx: str = Field(max_length=66)
    created_block: int = Field(sa_column=Column(BigInteger, nullable=False))
    updated_at: datetime = timestamp()

    @property
    def key(self) -> str:
        """The proposal's key among followed proposals (cogs/proposals/vote_models.py)."""
        return f"governor:{self.chain}:{self.governor}:{self.proposal_id}"


def new_row(community_id: int, chain: str, event: ProposalCreated) -> GovernorProposal:
    """The row of a proposal just created; its title is the description's first line."""
    return GovernorProposal(
        community_id=community_id,
        chain=chain,
        governor=event.governor,
        proposal_id=str(event.proposal_id),
        proposer=event.proposer,
        title=title_of(event.description, str(event.proposal_id)),
        description=event.description,
        targets=list(event.targets),
        values=[str(v) for v in event.values],
        calldatas=["0x" + c.hex() for c in event.calldatas],
        vote_start=event.vote_start,
        vote_end=event.vote_end,
        created_tx=event.tx_hash,
        created_block=event.block_number,
        seen_block=event.block_number,
        seen_log=event.log_index,
    )


def title_of(description: str, proposal_id: str) -> str:
    """The description's first non-empty line without Markdown heading marks; the id if none."""
    for line in description.splitlines():
        text = line.strip().lstrip("#").strip()
        if text:
            return text if len(text) <= TITLE_LIMIT else text[: TITLE_LIMIT - 1] + "…"
    return f"Proposal {proposal_id[:12]}…" if len(proposal_id) > 12 else f"Proposal {proposal_id}"
