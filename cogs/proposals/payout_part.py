"""The payouts part's start: register the reviewer that checks queued Safe payouts against the
community's passed proposals (see payout_review), unless `[proposals.payouts] check = false`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from cogs.proposals.payout_review import ProposalPayoutReviewer
from cogs.proposals.runtime import Proposals


@asynccontextmanager
async def start_payouts(proposals: Proposals) -> AsyncIterator[None]:
    ctx = proposals.ctx
    reviewer = ProposalPayoutReviewer(ctx.db)
    if proposals.config.payouts.check:
        ctx.payouts.register(reviewer)
    proposals.payouts = reviewer
    yield
