"""The onboarding feature's table in the configuration file: `[onboarding]`.

Skills and the welcome can differ per community: `[onboarding.communities.<slug>]` overrides
the defaults for that community only.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cogs.onboarding.wallet_config import ChainSettings, RoleRule, check_role_names

DEFAULT_SKILLS = (
    "solidity",
    "frontend",
    "backend",
    "design",
    "writing",
    "research",
    "community",
    "governance",
    "data",
    "devops",
    "security",
    "translation",
    "marketing",
    "legal",
    "finance",
)
_SKILL = re.compile(r"^[a-z0-9][a-z0-9+#.-]{0,31}$")


def _skill_list(skills: list[str]) -> list[str]:
    cleaned = [s.strip().lower() for s in skills]
    for skill in cleaned:
        if not _SKILL.match(skill):
            raise ValueError(f"{skill!r} is not a skill name (lowercase, no spaces, 32 at most)")
    if len(set(cleaned)) != len(cleaned):
        raise ValueError("a skill is listed twice")
    return cleaned


class CommunityOnboarding(BaseModel):
    """One community's own skills list or welcome; what is left out follows `[onboarding]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skills: list[str] | None = None
    welcome_template: Path | None = None

    @field_validator("skills")
    @classmethod
    def _skills(cls, skills: list[str] | None) -> list[str] | None:
        return None if skills is None else _skill_list(skills)


class OnboardingConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    skills: list[str] = Field(default_factory=lambda: list(DEFAULT_SKILLS), min_length=1)
    # Markdown with {name} and {community} placeholders; relative paths are read from the
    # working directory, else from the project's folder (where config/ lives in a checkout).
    welcome_template: Path = Path("config/welcome.md")
    # An /onboard left unanswered this long is closed; /onboard then starts afresh.
    flow_timeout_minutes: int = Field(default=30, ge=1, le=7 * 24 * 60)
    communities: dict[str, CommunityOnboarding] = {}
    # Wallet proofs and role rules: the chain, the rules, how often roles are checked again.
    chain: ChainSettings = Field(default_factory=ChainSettings)
    roles: list[RoleRule] = []
    role_check_hours: float = Field(default=24.0, gt=0, le=24 * 30)

    @field_validator("roles")
    @classmethod
    def _role_names(cls, roles: list[RoleRule]) -> list[RoleRule]:
        return check_role_names(roles)

    @field_validator("skills")
    @classmethod
    def _skills(cls, skills: list[str]) -> list[str]:
        return _skill_list(skills)

    def skills_for(self, community: str) -> list[str]:
        own = self.communities.get(community)
        return list(own.skills) if own and own.skills else list(self.skills)

    def welcome_for(self, community: str) -> Path:
        own = self.communities.get(community)
        return own.welcome_template if own and own.welcome_template else self.welcome_template
