"""The contributor directory: one's own entry, looking members up, listing them by skill, and
forgetting a member everywhere in this feature."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.directory import Listing
from bot.errors import UserError
from bot.storage.database import Database
from bot.storage.models import CommunitySpace, OutboxMessage
from cogs.onboarding import fields, links
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.models import ContributorProfile
from cogs.onboarding.store import Member, delete_member, display_names, profile_of, profiles
from cogs.onboarding.welcome import member_welcome_key

# Outbox keys of this feature start with it ("onboarding.welcome:", "onboarding.timeout:").
FEATURE = "onboarding"

# (session, community id, platform, user id) -> rows deleted. Runs inside /forget's transaction:
# a hook deletes every row of its tables that names the member, and never commits.
ForgetHook = Callable[[AsyncSession, int, str, str], Awaitable[int]]

EDITABLE = (
    "name",
    "skills",
    "timezone",
    "hours",
    "github",
    "forum",
    "interests",
    "matching",
    "share",
)


@dataclass(frozen=True)
class Entry:
    """A profile with the addresses its member linked."""

    profile: ContributorProfile
    addresses: list[str]

    @property
    def member(self) -> Member:
        p = self.profile
        return Member(p.community_id, p.platform, p.user_id)


class DirectoryService:
    def __init__(
        self,
        db: Database,
        config: OnboardingConfig,
        clock: Clock,
        forget_hooks: Sequence[ForgetHook],
    ) -> None:
        self.db = db
        self.config = config
        self.clock = clock
        self.forget_hooks = forget_hooks

    async def entry(self, member: Member) -> Entry | None:
        async with self.db.read() as session:
            profile = await profile_of(session, member)
            if profile is None:
                return None
            linked = await _addresses(session, member.community_id, [member])
            return Entry(profile, linked.get(member.key, []))

    async def set_field(self, member: Member, community: str, name: str, raw: str) -> Entry:
        async with self.db.transaction() as session:
            profile = await profile_of(session, member)
            if profile is None:
                raise UserError("You have no profile yet; run `/onboard` first.")
            match name:
                case "name":
                    profile.display_name = fields.display_name(raw)
                case "skills":
                    profile.skills = fields.skills(raw, self.config.skills_for(community))
                case "timezone":
                    profile.timezone = fields.timezone(raw)
                case "hours":
                    profile.hours_per_week = fields.hours(raw)
                case "github":
                    profile.github = fields.github(raw)
                case "forum":
                    profile.forum = fields.forum(raw)
                case "interests":
                    profile.interests = fields.interests(raw)
                case "matching":
                    profile.matching = fields.yes_no(raw)
                case "share":
                    profile.shared = fields.shared(raw)
                case _:
                    raise UserError(f"Fields you can set: {', '.join(EDITABLE)}.")
            profile.updated_at = self.clock.now()
            session.add(profile)
        return Entry(profile, [])

    async def by_member(
        self, community_id: int, platform: str, user_id: str | None, name: str
    ) -> list[Entry]:
        """By platform id when known (a mention), else by display name (an @username)."""
        async with self.db.read() as session:
            found = [
                p
                for p in await profiles(session, community_id)
                if (user_id is not None and p.platform == platform and p.user_id == user_id)
                or (user_id is None and p.display_name.lower() == name.lower())
            ]
            linked = await _addresses(session, community_id, [_member(p) for p in found])
        return [Entry(p, linked.get(_member(p).key, [])) for p in found]

    async def by_address(self, community_id: int, address: str) -> tuple[list[Member], list[Entry]]:
        """Members linked to the address, and the profiles of those who have one."""
        async with self.db.read() as session:
            members = [
                m
                for ms in (await links.members_at(session, community_id, [address])).values()
                for m in ms
            ]
            entries = []
            for member in members:
                profile = await profile_of(session, member)
                if profile is not None:
                    entries.append(Entry(profile, [address]))
        return members, entries

    async def contributors(self, community_id: int, skill: str | None) -> list[Entry]:
        async with self.db.read() as session:
            found = [
                p
                for p in await profiles(session, community_id)
                if skill is None or skill in p.skills
            ]
            linked = await _addresses(session, community_id, [_member(p) for p in found])
        found.sort(key=lambda p: p.display_name.lower())
        return [Entry(p, linked.get(_member(p).key, [])) for p in found]

    async def forget(self, member: Member) -> int:
        """Every row of this feature naming the member, in one transaction; how many. The
        outbox's copies of what this feature posted about them (their welcome, its direct
        messages to them) go too: delivered, they only kept a welcome from being repeated."""
        async with self.db.transaction() as session:
            removed = await delete_member(session, member)
            for hook in self.forget_hooks:
                removed += await hook(session, member.community_id, member.platform, member.user_id)
            await _forget_posts(session, member)
        return removed

    async def listings(
        self, community_id: int, addresses: Sequence[str]
    ) -> dict[str, list[Listing]]:
        """The AddressBook the treasury and others ask: members behind addresses, by the name
        they chose (their profile's), or their platform id when they made no profile."""
        async with self.db.read() as session:
            linked = await links.members_at(session, community_id, addresses)
            members = [member for found in linked.values() for member in found]
            names = await display_names(session, community_id, members)
        return {
            address: [
                Listing(m.platform, m.user_id, names.get((m.platform, m.user_id), ""))
                for m in members_there
            ]
            for address, members_there in linked.items()
        }

    async def addresses_of(self, community_id: int, platform: str, user_id: str) -> list[str]:
        """The AddressBook's other side: the wallets a member proved (vote reminders ask)."""
        member = Member(community_id, platform, user_id)
        async with self.db.read() as session:
            linked = await _addresses(session, community_id, [member])
        return linked.get(member.key, [])


async def _forget_posts(session: AsyncSession, member: Member) -> None:
    spaces = await session.exec(
        select(CommunitySpace.space_id).where(
            CommunitySpace.community_id == member.community_id,
            CommunitySpace.platform == member.platform,
        )
    )
    welcomes = [
        col(OutboxMessage.key).startswith(
            member_welcome_key(member.platform, space, member.user_id) + "|"
        )
        for space in spaces.all()
    ]
    direct = (col(OutboxMessage.destination) == f"dm:{member.user_id}") & col(
        OutboxMessage.key
    ).startswith(f"{FEATURE}.")
    await session.exec(
        delete(OutboxMessage).where(
            col(OutboxMessage.platform) == member.platform, or_(direct, *welcomes)
        )
    )


def _member(profile: ContributorProfile) -> Member:
    return Member(profile.community_id, profile.platform, profile.user_id)


async def _addresses(
    session: AsyncSession, community_id: int, members: Sequence[Member]
) -> dict[str, list[str]]:
    if not members:
        return {}
    return await links.addresses_of(session, community_id, members)
