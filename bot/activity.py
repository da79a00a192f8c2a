"""What members have done here, as features that rank people see it (onboarding's /match).

A feature that stores what members said (debates: ingested chat) registers an `ActivitySource`;
a feature that ranks people asks `Activity`, and gets nothing when no source is registered:
features stay independent of one another.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

# A member on one platform: (platform, user id).
MemberKey = tuple[str, str]


@dataclass(frozen=True)
class MemberActivity:
    posts: int  # messages stored from them
    threads: int  # channels, threads and topics they wrote in
    on_topic: int  # of their posts, those that use one of the words asked about
    last_post_at: datetime | None


class ActivitySource(Protocol):
    async def activity(
        self, community_id: int, members: Sequence[MemberKey], about: Sequence[str]
    ) -> dict[MemberKey, MemberActivity]:
        """Activity of each member who has any (others are left out). `about`: lower-case
        words; a post using one of them counts as on topic."""
        ...


class Activity:
    def __init__(self) -> None:
        self._sources: list[ActivitySource] = []

    def register(self, source: ActivitySource) -> None:
        self._sources.append(source)

    async def activity(
        self, community_id: int, members: Sequence[MemberKey], about: Sequence[str] = ()
    ) -> dict[MemberKey, MemberActivity]:
        found: dict[MemberKey, MemberActivity] = {}
        for source in self._sources:
            for key, seen in (await source.activity(community_id, members, about)).items():
                known = found.get(key)
                found[key] = seen if known is None else added(known, seen)
        return found


def added(a: MemberActivity, b: MemberActivity) -> MemberActivity:
    """Two tallies of one member's activity as one."""
    dates = [d for d in (a.last_post_at, b.last_post_at) if d is not None]
    return MemberActivity(
        a.posts + b.posts, a.threads + b.threads, a.on_topic + b.on_topic, max(dates, default=None)
    )
