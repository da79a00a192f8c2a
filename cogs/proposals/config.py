"""The proposals feature's table in the configuration file: `[proposals]`.

Each part owns its sub-table: `[proposals.drafting]`, `[proposals.forum]`,
`[proposals.snapshot]`, `[[proposals.governors]]`, `[proposals.payouts]`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator

from bot.settings import environ_of


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
    api_username: str = "system"
    # The category new proposals go to (its id, in the category's address /c/<slug>/<id>);
    # per community slug in `categories`, else `category_id`, else the forum's default.
    category_id: int | None = None
    categories: dict[str, int] = {}
    # The forum's site settings max_topic_title_length and max_post_length.
    max_title_length: int = Field(default=255, ge=1)
    max_body_length: int = Field(default=32_000, ge=1)

    @field_validator("api_key_env")
    @classmethod
    def _variable_is_set(cls, variable: str | None, info: ValidationInfo) -> str | None:
        if variable and not environ_of(info).get(variable):
            raise ValueError(f"names {variable}, which is not set in the environment")
        return variable

    @field_validator("api_key", mode="before")
    @classmethod
    def _key_from_environment(cls, value: Any, info: ValidationInfo) -> Any:
        """The key comes from the variable api_key_env names; one written in the file is refused."""
        if value is not None:
            raise ValueError("api_key belongs in the environment; name its variable in api_key_env")
        variable = info.data.get("api_key_env")
        return environ_of(info).get(variable) if variable else None

    def category_of(self, community: str) -> int | None:
        return self.categories.get(community, self.category_id)


class SnapshotConfig(_Table):
    """`[proposals.snapshot]`: where Snapshot is and which spaces each community follows."""

    hub_url: str = Field(default="https://hub.snapshot.org", pattern=r"^https?://")
    sequencer_url: str = Field(default="https://seq.snapshot.org", pattern=r"^https?://")
    # The hub's API key lifts its 100 requests a minute; it stays in the environment, under
    # the variable named here.
    api_key_env: str | None = None
    api_key: SecretStr | None = Field(default=None, validate_default=True)
    # Community slug -> its Snapshot spaces ("dao.eth").
    spaces: dict[str, list[str]] = {}

    @field_validator("api_key_env")
    @classmethod
    def _variable_is_set(cls, variable: str | None, info: ValidationInfo) -> str | None:
        if variable and not environ_of(info).get(variable):
            raise ValueError(f"names {variable}, which is not set in the environment")
        return variable

    @field_validator("api_key", mode="before")
    @classmethod
    def _key_from_environment(cls, value: Any, info: ValidationInfo) -> Any:
        """The key comes from the variable api_key_env names; one written in the file is refused."""
        if value is not None:
            raise ValueError("api_key belongs in the environment; name its variable in api_key_env")
        variable = info.data.get("api_key_env")
        return environ_of(info).get(variable) if variable else None

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


class GovernorConfig(_Table):
    pass


class PayoutConfig(_Table):
    # Check each newly queued Safe transaction's payments against the passed proposals.
    check: bool = True


class ProposalsConfig(_Table):
    drafting: DraftingConfig = DraftingConfig()
    forum: ForumPublishConfig = ForumPublishConfig()
    snapshot: SnapshotConfig = SnapshotConfig()
    governors: list[GovernorConfig] = []
    payouts: PayoutConfig = PayoutConfig()
