"""Proposals: draft them from a debate, publish them signed, follow their votes, check payouts.

The feature has four parts, each started by its own `start_*` context manager below and each
owning its modules: drafting (draft_*.py), publishing (publish_*.py), following votes
(votes_*.py, snapshot_*.py, governor_*.py) and reconciling payouts (payout_*.py). What it
stores is searchable for /ask through records_*.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from bot.commands.community import SettingSpec
from bot.context import FeatureContext
from bot.features import Feature
from cogs.proposals import digest_models as _digest_models  # noqa: F401  (registers the table)
from cogs.proposals import draft_models as _draft_models  # noqa: F401  (registers the tables)
from cogs.proposals import governor_models as governor_models  # registers its tables
from cogs.proposals import payout_models as _payout_models  # noqa: F401  (registers the tables)
from cogs.proposals import publish_models as publish_models  # registers its tables
from cogs.proposals import vote_models as vote_models  # registers its tables
from cogs.proposals.config import ProposalsConfig
from cogs.proposals.digest_part import start_digest
from cogs.proposals.draft_commands import DRAFT_COMMANDS
from cogs.proposals.draft_part import start_drafting
from cogs.proposals.draft_template import template_name
from cogs.proposals.governor_watch import start_governors
from cogs.proposals.payout_part import start_payouts
from cogs.proposals.publish_commands import PUBLISH_COMMANDS
from cogs.proposals.publish_part import start_publishing
from cogs.proposals.records_source import ProposalRecords
from cogs.proposals.runtime import Part, Proposals
from cogs.proposals.votes_commands import COMMANDS as VOTES_COMMANDS
from cogs.proposals.votes_part import start_votes

# Each part is started in this order and stopped in the reverse order.
PARTS: tuple[Part, ...] = (
    start_drafting,
    start_publishing,
    start_votes,
    start_payouts,
    start_governors,
    start_digest,
)


@asynccontextmanager
async def lifespan(ctx: FeatureContext[ProposalsConfig]) -> AsyncIterator[Proposals]:
    proposals = Proposals(ctx)
    # Proposals and their outcomes, searchable for /ask.
    ctx.records.register(ProposalRecords(ctx.db))
    async with AsyncExitStack() as stack:
        for part in PARTS:
            await stack.enter_async_context(part(proposals))
        yield proposals


feature = Feature(
    name="proposals",
    description="proposal drafts from debates, publishing, vote tracking and payout checks",
    commands=(*DRAFT_COMMANDS, *PUBLISH_COMMANDS, *VOTES_COMMANDS),
    settings=(
        SettingSpec(
            "proposal_template",
            "Template of new proposal drafts (a file of config/proposal_templates, e.g. grant)",
            template_name,
        ),
    ),
    config=ProposalsConfig,
    lifespan=lifespan,
    migrations=Path(__file__).parent / "migrations",
)
