"""Offline ranking of contributors for a task: pure rules, no I/O, each score with its reasons.

A task's words are stemmed and read against each profile's skills (directly, or through a small
table of words that point to a skill: "audit" to security, "dashboard" to data and frontend)
and against what the member said they want to work on; what they said here counts too (their
messages in the ingested chat that use the task's words). Time-zone overlap with the steward's
working day, hours available, and how long the member has been onboarded break the ties.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Words that point to a skill besides its own name (stemmed like the task's words).
_SKILL_TABLE = """
solidity: contract smart evm erc20 erc721 erc1155 token vyper foundry hardhat onchain vault
    reentrancy gas
frontend: ui react website web css html interface page dapp typescript javascript nextjs dashboard
backend: api server database python indexer bot service graphql
design: logo figma ux brand illustration visual mockup wireframe banner
writing: doc documentation blog article copy newsletter write post guide edit tutorial
research: analysis study report investigate paper survey review
community: discord moderation moderate event ambassador onboarding telegram meetup welcome member
governance: proposal vote voting dao delegate snapshot governor constitution quorum election
data: dashboard analytics sql dune metric chart statistic query spreadsheet
devops: deploy deployment ci infrastructure docker kubernetes node monitoring uptime hosting
security: audit vulnerability exploit pentest threat bug bounty reentrancy
translation: translate localization localize spanish chinese french german japanese korean
    portuguese language
marketing: social twitter growth campaign promotion brand launch
legal: law compliance regulation terms license entity lawyer
finance: treasury budget accounting payroll invoice grant payment
"""
SKILL_WORDS: dict[str, tuple[str, ...]] = {
    skill.strip(): tuple(rest.split())
    for skill, _, rest in (
        entry.partition(":") for entry in re.split(r"\n(?=\S)", _SKILL_TABLE.strip())
    )
}
_STOP = frozenset(
    "a an and are as at be by for from has have help in into is it its of on or our please that "
    "the their this to up us we who will with need needs someone want wants work working our "
    "new build make do some more".split()
)
_WORD = re.compile(r"[a-z0-9]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ies", "es", "ed", "ly", "s", "e")
# A working day in each member's own time zone, for the overlap.
WORK_START, WORK_END = 9, 18

W_SKILLS, W_INTERESTS, W_ACTIVITY, W_ZONE, W_HOURS, W_TENURE = 0.5, 0.18, 0.1, 0.1, 0.09, 0.03
# Messages on the task's subject that make someone a candidate without a matching skill.
ON_TOPIC_ENOUGH = 3


def stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            return word + "y" if suffix == "ies" else word
    return word


def words(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


_POINTERS: dict[str, set[str]] = {}
for _skill, _words in SKILL_WORDS.items():
    for _word in (_skill, *_words):
        _POINTERS.setdefault(stem(_word), set()).add(_skill)


def skills_in(task: str, known: Iterable[str]) -> dict[str, set[str]]:
    """The skills a task asks for, each with the task's words that point to it."""
    known = set(known)
    found: dict[str, set[str]] = {}
    raw = {w: stem(w) for w in _WORD.findall(task.lower())}
    for word, stemmed in raw.items():
        for skill in _POINTERS.get(stemmed, set()) | ({stemmed} & known) | ({word} & known):
            if skill in known:
                found.setdefault(skill, set()).add(word)
    return found


@dataclass(frozen=True)
class Candidate:
    key: str
    name: str
    skills: Sequence[str]
    interests: str
    timezone: str
    hours_per_week: int
    onboarded_at: datetime
    # Their messages in the ingested chat, and how many of them use the task's words.
    posts: int = 0
    posts_on_topic: int = 0


@dataclass(frozen=True)
class Ranked:
    candidate: Candidate
    score: float
    reasons: tuple[str, ...]


def overlap_hours(zone_a: str, zone_b: str, on: datetime) -> int:
    """Hours of a 9-to-18 working day shared by two time zones, on a given day."""

    def window(zone: str) -> set[int]:
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        day = on.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
        hours = set()
        for h in range(WORK_START, WORK_END):
            hours.add(int((day + timedelta(hours=h)).astimezone(UTC).timestamp() // 3600))
        return hours

    return len(window(zone_a) & window(zone_b))


def rank(
    task: str,
    candidates: Sequence[Candidate],
    known_skills: Sequence[str],
    *,
    steward_zone: str | None,
    now: datetime,
) -> list[Ranked]:
    """Candidates whose skills or interests fit the task, best first; ties by name."""
    wanted = skills_in(task, known_skills)
    task_words = words(task)
    task_stems = {w: stem(w) for w in _WORD.findall(task.lower()) if w not in _STOP}
    results = []
    for c in candidates:
        reasons: list[str] = []
        matched = [s for s in c.skills if s in wanted]
        skill_score = len(matched) / len(wanted) if wanted else 0.0
        if matched:
            why = ", ".join(f"{s} (for “{', '.join(sorted(wanted[s]))}”)" for s in matched)
            reasons.append(f"skills: {why}")
        shared = task_words & words(c.interests)
        interest_score = min(len(shared), 3) / 3
        if shared:
            said = sorted({w for w, stemmed in task_stems.items() if stemmed in shared})
            reasons.append(f"wants to work on {', '.join(said)}")
        if c.posts:
            about = f", {c.posts_on_topic} on this subject" if c.posts_on_topic else ""
            reasons.append(f"{c.posts} message{'s' if c.posts != 1 else ''} here{about}")
        activity_score = min(c.posts_on_topic, 5) / 5
        if not matched and not shared and c.posts_on_topic < ON_TOPIC_ENOUGH:
            continue
        zone_score = 0.5
        if steward_zone:
            hours = overlap_hours(steward_zone, c.timezone, now)
            zone_score = hours / (WORK_END - WORK_START)
            reasons.append(f"{c.timezone}: {hours} h of your working day shared")
        hours_score = min(c.hours_per_week, 20) / 20
        reasons.append(f"{c.hours_per_week} h a week")
        days = max((now - c.onboarded_at).days, 0)
        tenure_score = min(days, 90) / 90
        reasons.append(f"onboarded {days} day{'s' if days != 1 else ''} ago")
        score = (
            W_SKILLS * skill_score
            + W_INTERESTS * interest_score
            + W_ACTIVITY * activity_score
            + W_ZONE * zone_score
            + W_HOURS * hours_score
            + W_TENURE * tenure_score
        )
        results.append(Ranked(c, round(score, 4), tuple(reasons)))
    results.sort(key=lambda r: (-r.score, r.candidate.name.lower(), r.candidate.key))
    return results


def topic_words(task: str) -> list[str]:
    """The task's own words worth finding in what members wrote (no stop words, no stems)."""
    return sorted({w for w in _WORD.findall(task.lower()) if w not in _STOP and len(w) >= 3})
