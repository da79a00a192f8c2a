"""A deterministic directory of 50 contributors for /match: 45 drawn from a seeded generator
and 5 planted, each the clear answer to one task."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from cogs.onboarding.config import DEFAULT_SKILLS
from cogs.onboarding.models import ContributorProfile

ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)
# Interests that name no task below: the generated members are plausible, never the answer.
GENERIC = (
    "help where needed",
    "learn how the DAO works",
    "meet people",
    "anything useful",
    "",
)
FIRST = ("Ari", "Bo", "Cy", "Dee", "Eli", "Fen", "Gus", "Hal", "Ivo", "Jo", "Kai", "Lu")


@dataclass(frozen=True)
class Planted:
    name: str
    skills: tuple[str, ...]
    interests: str
    task: str


PLANTED = (
    Planted(
        "Ada Auditor",
        ("solidity", "security"),
        "audit smart contracts and hunt reentrancy bugs",
        "Audit the vault's smart contracts for reentrancy",
    ),
    Planted(
        "Tomas Translator",
        ("translation", "writing"),
        "translate our documentation into Spanish",
        "Translate the governance docs into Spanish",
    ),
    Planted(
        "Dana Dashboards",
        ("data", "frontend"),
        "dune dashboards and analytics of treasury flows",
        "Build a Dune dashboard of treasury flows",
    ),
    Planted(
        "Gil Governance",
        ("governance", "writing", "research"),
        "draft proposals and delegate voting guides",
        "Draft the proposal for delegate voting reform",
    ),
    Planted(
        "Deb Ops",
        ("devops", "backend"),
        "docker deployments and monitoring of our nodes",
        "Set up monitoring and docker deployment for the indexer nodes",
    ),
)


def profiles(community_id: int, now: datetime, count: int = 50) -> list[ContributorProfile]:
    rng = random.Random(20261201)
    made = []
    for index in range(count - len(PLANTED)):
        skills = rng.sample(DEFAULT_SKILLS, rng.choice((1, 1, 2)))
        made.append(
            ContributorProfile(
                community_id=community_id,
                platform="discord",
                user_id=str(900_000 + index),
                display_name=f"{rng.choice(FIRST)} {index:02d}",
                skills=list(skills),
                timezone=rng.choice(ZONES),
                hours_per_week=rng.choice((2, 5, 10, 20, 40)),
                interests=rng.choice(GENERIC),
                matching=rng.random() > 0.1,
                onboarded_at=now - timedelta(days=rng.randint(0, 400)),
            )
        )
    for index, planted in enumerate(PLANTED):
        made.append(
            ContributorProfile(
                community_id=community_id,
                platform="telegram",
                user_id=str(800_000 + index),
                display_name=planted.name,
                skills=list(planted.skills),
                timezone="Europe/Paris",
                hours_per_week=10,
                interests=planted.interests,
                onboarded_at=now - timedelta(days=30),
            )
        )
    rng.shuffle(made)
    return made
