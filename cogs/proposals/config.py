"""The proposals feature's table in the configuration file: `[proposals]`.

Each part owns its sub-table: `[proposals.drafting]`, `[proposals.forum]`,
`[proposals.snapshot]`, `[[proposals.governors]]`, `[proposals.payouts]`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DraftingConfig(_Table):
    # Markdown templates, one file per kind of proposal (relative to the working directory or
    # the checkout); a community picks its own with `/config set proposal_template <name>`.
    templates_dir: Path = Path("config/proposal_templates")
    default_template: str = "default"


class ForumPublishConfig(_Table):
    pass


class SnapshotConfig(_Table):
    pass


class GovernorConfig(_Table):
    pass


class PayoutConfig(_Table):
    pass


class ProposalsConfig(_Table):
    drafting: DraftingConfig = DraftingConfig()
    forum: ForumPublishConfig = ForumPublishConfig()
    snapshot: SnapshotConfig = SnapshotConfig()
    governors: list[GovernorConfig] = []
    payouts: PayoutConfig = PayoutConfig()
