"""/match: contributors who opted in, ranked offline for a task (see ranking.py)."""

from __future__ import annotations

from bot.activity import Activity, MemberActivity, MemberKey, added
from bot.clock import Clock
from bot.storage.database import Database
from bot.storage.models import as_utc
from cogs.onboarding.ranking import Candidate, Ranked, rank, topic_words
from cogs.onboarding.store import Member, profile_of, profiles


class MatchService:
    def __init__(self, db: Database, clock: Clock, activity: Activity | None = None) -> None:
        self.db = db
        self.clock = clock
        self.activity = activity or Activity()

    async def match(
        self, steward: Member, task: str, known_skills: list[str]
    ) -> tuple[list[Ranked], str | None]:
        """The ranking, and the steward's own time zone (None when they have no profile)."""
        now = self.clock.now()
        async with self.db.read() as session:
            own = await profile_of(session, steward)
            found = await profiles(session, steward.community_id, matching_only=True)
        keys = [(p.platform, p.user_id) for p in found]
        # Their forum posts count too, found by the forum username they gave (/profile set forum).
        forum_of = {("discourse", p.forum): (p.platform, p.user_id) for p in found if p.forum}
        asked = await self.activity.activity(
            steward.community_id, [*keys, *forum_of], topic_words(task)
        )
        done = _by_member(asked, forum_of)
        none = MemberActivity(0, 0, 0, None)
        candidates = [
            Candidate(
                key=f"{p.platform}:{p.user_id}",
                name=p.display_name,
                skills=list(p.skills),
                interests=p.interests,
                timezone=p.timezone,
                hours_per_week=p.hours_per_week,
                onboarded_at=as_utc(p.onboarded_at) or now,
                posts=done.get((p.platform, p.user_id), none).posts,
                posts_on_topic=done.get((p.platform, p.user_id), none).on_topic,
            )
            for p in found
            # The steward asking is not a candidate for their own task.
            if p.matching and f"{p.platform}:{p.user_id}" != steward.key
        ]
        zone = own.timezone if own is not None else None
        return rank(task, candidates, known_skills, steward_zone=zone, now=now), zone


def _by_member(
    found: dict[MemberKey, MemberActivity], forum_of: dict[MemberKey, MemberKey]
) -> dict[MemberKey, MemberActivity]:
    """Activity per member: what was found under their forum username added to their own."""
    merged: dict[MemberKey, MemberActivity] = {}
    for key, seen in found.items():
        member = forum_of.get(key, key)
        known = merged.get(member)
        merged[member] = seen if known is None else added(known, seen)
    return merged
