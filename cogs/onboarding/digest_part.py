"""Onboarding's part of a steward's digest: the People section.

Who completed /onboard in the period, with the skills they chose, and which roles were granted
or removed (done, as the outbox recorded them) and why. Read from stored rows in two queries,
whatever the number of members: the new profiles, and the role changes joined to the profiles
of the members they were for. A member who asked to be forgotten has no profile, and their role
changes no longer name them, so they never appear.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_
from sqlmodel import col, select

from bot.commands.options import clean_text
from bot.commands.sanitize import neutralize_all_mentions
from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Section
from bot.outbox_forget import DELIVERED, FORGET_AFTER, FORGOTTEN
from bot.storage.database import Database
from bot.storage.models import RoleChangeRecord, as_utc
from cogs.onboarding.models import ContributorProfile

SOURCE = "onboarding"
# Beyond these, a line says how many more (the full list is one /contributors away).
MOST_PEOPLE = 10
MOST_CHANGES = 12
# Markdown that member-typed text must not open (a link, bold, code): shown as look-alikes.
_MARKDOWN = str.maketrans({"[": "(", "]": ")", "`": "'", "*": "∗", "|": "¦"})
# The rules' reasons speak to the member ("you hold 40 at …"); the digest speaks about them.
_THIRD_PERSON = (
    (re.compile(r";? ?link a wallet first with /verify wallet <address>"), "; no wallet linked"),
    (re.compile(r"\byou hold\b"), "holds"),
    (re.compile(r"\byou completed\b"), "completed"),
    (re.compile(r"\byour\b"), "their"),
    (re.compile(r"\byou\b"), "they"),
)


@dataclass(frozen=True)
class Person:
    platform: str
    user_id: str
    name: str  # shown as is: neutralized, no Markdown
    url: str | None


@dataclass(frozen=True)
class Newcomer:
    person: Person
    skills: tuple[str, ...]
    at: datetime


@dataclass(frozen=True)
class RoleMove:
    person: Person
    role: str
    granted: bool
    why: str
    at: datetime


class OnboardingDigest:
    """The `DigestSource` of the onboarding feature (registered in its lifespan)."""

    name = SOURCE

    def __init__(self, db: Database) -> None:
        self._db = db

    async def digest_part(self, request: DigestRequest) -> DigestPart:
        newcomers, moves = await self._read(request)
        items: list[DigestItem] = []
        if newcomers:
            items.append(newcomers_item(newcomers, request))
        if moves:
            items.append(roles_item(moves, request))
        return DigestPart(SOURCE, items=tuple(items))

    async def _read(self, request: DigestRequest) -> tuple[list[Newcomer], list[RoleMove]]:
        profiles = (
            select(ContributorProfile)
            .where(
                ContributorProfile.community_id == request.community_id,
                col(ContributorProfile.onboarded_at) >= request.start,
                col(ContributorProfile.onboarded_at) < request.end,
            )
            .order_by(col(ContributorProfile.onboarded_at), col(ContributorProfile.id))
        )
        changes = (
            select(RoleChangeRecord, ContributorProfile)
            .outerjoin(
                ContributorProfile,
                and_(
                    col(ContributorProfile.community_id) == col(RoleChangeRecord.community_id),
                    col(ContributorProfile.platform) == col(RoleChangeRecord.platform),
                    col(ContributorProfile.user_id) == col(RoleChangeRecord.user_id),
                ),
            )
            .where(
                RoleChangeRecord.community_id == request.community_id,
                RoleChangeRecord.state == DELIVERED,
                col(RoleChangeRecord.delivered_at) >= request.start,
                col(RoleChangeRecord.delivered_at) < request.end,
                RoleChangeRecord.user_id != FORGOTTEN,
                ~col(RoleChangeRecord.key).startswith(FORGET_AFTER),
            )
            .order_by(col(RoleChangeRecord.delivered_at), col(RoleChangeRecord.id))
        )
        async with self._db.read() as session:
            new_rows = (await session.exec(profiles)).all()
            change_rows = (await session.exec(changes)).all()
        newcomers = [
            Newcomer(
                person(p.platform, p.user_id, p), tuple(_shown_skills(p)), _utc(p.onboarded_at)
            )
            for p in new_rows
        ]
        moves = [
            RoleMove(
                person(record.platform, record.user_id, profile),
                _plain(record.role_name or record.role_id),
                record.action == "grant",
                _why(record.reason, record.role_name),
                _utc(record.delivered_at or record.requested_at),
            )
            for record, profile in change_rows
        ]
        return newcomers, moves


def person(platform: str, user_id: str, profile: ContributorProfile | None) -> Person:
    """A member as the digest names them: by their profile's name, else by platform and id;
    linked to their Discord profile, else to the GitHub account they share, else nothing."""
    if profile is not None:
        name = _plain(profile.display_name)
    else:
        name = f"member {_plain(user_id)} on {platform.capitalize()}"
    url: str | None = None
    if platform == "discord" and user_id.isdigit():
        url = f"https://discord.com/users/{user_id}"
    elif profile is not None and profile.github and "github" in profile.shared:
        url = f"https://github.com/{profile.github}"
    return Person(platform, user_id, name, url)


def newcomers_item(newcomers: Sequence[Newcomer], request: DigestRequest) -> DigestItem:
    """ "3 new contributors: Ana (solidity, design), Bo (writing) and Cy." in one item."""
    shown = [_newcomer(n) for n in newcomers[:MOST_PEOPLE]]
    more = len(newcomers) - len(shown)
    count = len(newcomers)
    head = "1 new contributor" if count == 1 else f"{count} new contributors"
    text = f"{head}: {_listed(shown, more)}."
    return DigestItem(
        Section.PEOPLE,
        text,
        url=newcomers[0].person.url if count == 1 else None,
        at=newcomers[-1].at,
        rank=2.0,
        key=f"{SOURCE}:newcomers:{request.start.isoformat()}",
    )


def roles_item(moves: Sequence[RoleMove], request: DigestRequest) -> DigestItem:
    """ "Roles: +Contributor for Ana (completed /onboard); −Holder for Bo (needs 100 GOV…)."."""
    shown = [_move(m) for m in moves[:MOST_CHANGES]]
    more = len(moves) - len(shown)
    tail = f"; and {more} more" if more else ""
    granted = sum(m.granted for m in moves)
    removed = len(moves) - granted
    counts = ", ".join(
        part
        for part in (
            f"{granted} granted" if granted else "",
            f"{removed} removed" if removed else "",
        )
        if part
    )
    return DigestItem(
        Section.PEOPLE,
        f"Roles ({counts}): {'; '.join(shown)}{tail}.",
        url=moves[0].person.url if len(moves) == 1 else None,
        at=moves[-1].at,
        rank=1.0,
        key=f"{SOURCE}:roles:{request.start.isoformat()}",
    )


def _newcomer(newcomer: Newcomer) -> str:
    name = _linked(newcomer.person)
    return f"{name} ({', '.join(newcomer.skills)})" if newcomer.skills else name


def _move(move: RoleMove) -> str:
    sign = "+" if move.granted else "−"
    why = f" ({move.why})" if move.why else ""
    return f"{sign}{move.role} for {_linked(move.person)}{why}"


def _linked(who: Person) -> str:
    return f"[{who.name}]({who.url})" if who.url else who.name


def _listed(names: Sequence[str], more: int) -> str:
    if more:
        return f"{', '.join(names)} and {more} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _shown_skills(profile: ContributorProfile) -> list[str]:
    """The skills a member chose, unless they chose not to share them."""
    if "skills" not in profile.shared:
        return []
    return [_plain(skill) for skill in profile.skills]


def _why(reason: str, role_name: str) -> str:
    """The reason recorded ("Holder: you hold 150 TUSD at 0x…"), without the rule's name the
    line already shows, about the member rather than to them."""
    text = reason
    if role_name and text.startswith(f"{role_name}: "):
        text = text[len(role_name) + 2 :]
    for pattern, words in _THIRD_PERSON:
        text = pattern.sub(words, text)
    return _plain(text.strip().strip(";").strip())[:160]


def _plain(text: str) -> str:
    """Member-typed text as a digest may show it: no pings, no hidden characters, no Markdown
    of its own."""
    return neutralize_all_mentions(" ".join(clean_text(text).split())).translate(_MARKDOWN)


def _utc(moment: datetime | None) -> datetime:
    found = as_utc(moment)
    if found is None:
        raise ValueError("a stored time is missing")
    return found
