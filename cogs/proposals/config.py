"""The proposals feature's table in the configuration file: `[proposals]`.

Each part owns its sub-table: `[proposals.drafting]`, `[proposals.forum]`,
`[proposals.snapshot]`, `[proposals.votes]`, `[[proposals.governors]]`, `[proposals.payouts]`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from bot.commands.options import parse_address
from bot.errors import InvalidOption
from bot.settings import secret_from_env, variable_is_set


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DraftingConfig(_Table):
    # Markdown templates, one file per kind of proposal (relative to the working directory or
    # the checkout); a community picks its own with `/config set proposal_template <name>`.
    templates_dir: Path = Path("config/proposal_templates")
    default_template: str = "default"


class ForumPublishConfig(_Table):
    """`[proposals.forum]`: the Discourse forum `/draft publish forum` opens topics on."""

    url: str | None = Field(default=None, pattern=r"^https?://")
    # An API key with write scope for topics; it stays in the environment, under this variable.
    api_key_env: str | None = None
    api_key: SecretStr | None = Field(default=None, validate_default=True)
    _api_key_env_is_set = field_validator("api_key_env")(variable_is_set)
    _api_key_from_env = field_validator("api_key", mode="before")(secret_from_env("api_key_env"))
    api_username: str = "system"
    # The category new proposals go to (its id, in the category's address /c/<slug>/<id>);
    # per community slug in `categories`, else `category_id`, else the forum's default.
    category_id: int | None = None
    categories: dict[str, int] = {}
    # The forum's site settings max_topic_title_length and max_post_length.
    max_title_length: int = Field(default=255, ge=1)
    max_body_length: int = Field(default=32_000, ge=1)

    def category_of(self, community: str) -> int | None:
        return self.categories.get(community, self.category_id)


class SnapshotPublishConfig(_Table):
    """`[proposals.publishing]`: how `/draft publish snapshot` builds a proposal. The space is
    the community's first in `[proposals.snapshot] spaces`; the sequencer is the one there."""

    # A node of the space's network (its latest block is the proposal's snapshot block, and
    # it is asked about contract wallets' signatures): the variable holding its URL.
    rpc_url_env: str | None = None
    rpc_url: SecretStr | None = Field(default=None, validate_default=True)
    _rpc_url_env_is_set = field_validator("rpc_url_env")(variable_is_set)
    _rpc_url_from_env = field_validator("rpc_url", mode="before")(secret_from_env("rpc_url_env"))
    # Voting starts this long after the proposal is signed and lasts voting_period_hours, of
    # this type, where the space sets none (its own, read from the hub, win).
    voting_delay_minutes: int = Field(default=0, ge=0)
    voting_period_hours: int = Field(default=72, ge=1)
    voting_type: str = "single-choice"
    # Spaces on Snapshot's turbo plan take bodies of 40,000 characters instead of 10,000.
    turbo: bool = False
    # How long the signing link stays good.
    signing_minutes: int = Field(default=60, ge=5, le=24 * 60)
    app: str = "steward"
    proposal_url: str = "https://snapshot.org/#/{space}/proposal/{id}"

    @property
    def rpc(self) -> str | None:
        return self.rpc_url.get_secret_value() if self.rpc_url else None


class SnapshotConfig(_Table):
    """`[proposals.snapshot]`: where Snapshot is and which spaces each community follows."""

    hub_url: str = Field(default="https://hub.snapshot.org", pattern=r"^https?://")
    sequencer_url: str = Field(default="https://seq.snapshot.org", pattern=r"^https?://")
    # The hub's API key lifts its 100 requests a minute; it stays in the environment, under
    # the variable named here.
    api_key_env: str | None = None
    api_key: SecretStr | None = Field(default=None, validate_default=True)
    _api_key_env_is_set = field_validator("api_key_env")(variable_is_set)
    _api_key_from_env = field_validator("api_key", mode="before")(secret_from_env("api_key_env"))
    # Community slug -> its Snapshot spaces ("dao.eth").
    spaces: dict[str, list[str]] = {}

    @field_validator("spaces")
    @classmethod
    def _space_names(cls, spaces: dict[str, list[str]]) -> dict[str, list[str]]:
        for community, names in spaces.items():
            if any(not name.strip() or name != name.strip() for name in names):
                raise ValueError(f"{community}: a space id is empty or has spaces around it")
        return spaces

    @property
    def key(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key else None

    def spaces_of(self, community: str) -> list[str]:
        return list(self.spaces.get(community, []))


class VotesConfig(_Table):
    """`[proposals.votes]`: how often Snapshot spaces are polled, when a vote's end is
    announced, and when members who opted in (/proposals remind on) are reminded."""

    poll_seconds: float = Field(default=60.0, gt=0)
    # The "ending" announcement (tally and quorum so far), this long before the end.
    ending_hours: float = Field(default=24.0, gt=0)
    # Direct messages to members whose linked wallets have not voted, this long before the end.
    remind_hours: float = Field(default=24.0, gt=0)


class GovernorConfig(_Table):
    """`[[proposals.governors]]`: an on-chain OpenZeppelin Governor a community follows.

    `chain` names a chain of `[treasury.chains]`: the watcher's logs ride in the treasury's
    polls of that chain (its RPC, confirmations and cursor), so the treasury feature must be on.
    """

    community: str  # the community's slug
    chain: str
    address: str
    name: str = ""
    # Where members read a proposal; "{id}" becomes the proposal id (decimal), e.g.
    # "https://www.tally.xyz/gov/my-dao/proposal/{id}". Empty: no link.
    link: str = ""
    # For a governor counting in blocks: the chain's block time, to tell when a vote ends.
    seconds_per_block: float = Field(default=12.0, gt=0)

    @field_validator("address")
    @classmethod
    def _checksummed(cls, value: str) -> str:
        try:
            return str(parse_address("address", value))  # the bot's one address rule
        except InvalidOption as exc:
            raise ValueError(exc.reason) from exc


class PayoutConfig(_Table):
    # Check each newly queued Safe transaction's payments against the passed proposals.
    check: bool = True


class ProposalsConfig(_Table):
    drafting: DraftingConfig = DraftingConfig()
    forum: ForumPublishConfig = ForumPublishConfig()
    publishing: SnapshotPublishConfig = SnapshotPublishConfig()
    snapshot: SnapshotConfig = SnapshotConfig()
    votes: VotesConfig = VotesConfig()
    governors: list[GovernorConfig] = []
    payouts: PayoutConfig = PayoutConfig()
