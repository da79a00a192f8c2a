"""What the proposals commands get: the feature's context and the service of each part.

A part's field is None until its `start_*` (see `__init__.PARTS`) has run.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from bot.context import FeatureContext
from cogs.proposals.config import ProposalsConfig


@dataclass
class Proposals:
    ctx: FeatureContext[ProposalsConfig]
    # Filled by each part's start: drafting, publishing, votes, payouts.
    drafts: Any = None
    publishing: Any = None
    votes: Any = None
    payouts: Any = None
    # The Governor watcher (governor_watch.GovernorWatch), started with the votes part's data.
    governors: Any = None
    # Records who voted on Snapshot, for digests (digest_votes.SnapshotVotes).
    digest_votes: Any = None

    @property
    def config(self) -> ProposalsConfig:
        return self.ctx.config


# A part of the feature: started with the feature, stopped with it.
Part = Callable[[Proposals], AbstractAsyncContextManager[None]]
