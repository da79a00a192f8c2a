"""Communities, their per-community settings, and who counts as steward or admin.

A community is one DAO; its Discord guilds, Telegram groups and the local console are spaces that
belong to it. Settings are stored per community and edited by admins with /config.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.commands import options as opt
from bot.commands.caller import Caller, Role
from bot.commands.options import ChannelRef
from bot.errors import InvalidOption
from bot.settings import CommunityConfig
from bot.storage.database import Database
from bot.storage.models import Community, CommunitySetting, CommunitySpace, utcnow

CACHE_TTL_SECONDS = 30.0

# parse(option name, raw text, platform) -> the canonical text stored.
SettingParser = Callable[[str, str, str], str]


@dataclass(frozen=True)
class SettingSpec:
    key: str
    description: str
    parse: SettingParser
    default: str | None = None
    # A channel or role exists on one platform: its value is stored once per platform.
    per_platform: bool = False
    # The value names a channel, which must belong to the community's own guild or chat.
    channel: bool = False

    def storage_key(self, platform: str) -> str:
        return f"{self.key}@{platform}" if self.per_platform else self.key


def _text(name: str, raw: str, _platform: str) -> str:
    return opt.parse_string(name, raw, 200)


def channel_value(name: str, raw: str, platform: str) -> str:
    """A channel id; declare the spec with channel=True so the channel's owner is checked."""
    return opt.parse_channel(name, raw, platform).id


def _role(name: str, raw: str, _platform: str) -> str:
    match = re.fullmatch(r"<@&(\d+)>|(\d{1,20})", raw.strip())
    if not match:
        raise InvalidOption(name, f"must be a role mention or role id (got {opt.shown(raw)})")
    return match.group(1) or match.group(2)


def _members(name: str, raw: str, platform: str) -> str:
    refs = [opt.parse_member(name, token, platform) for token in re.split(r"[,\s]+", raw) if token]
    unresolved = [ref.display for ref in refs if ref.id is None]
    if unresolved:
        raise InvalidOption(
            name, f"needs mentions or user ids, not usernames ({opt.shown(unresolved[0])})"
        )
    return ",".join(sorted({ref.key() for ref in refs}))


def _zone(name: str, raw: str, _platform: str) -> str:
    text = raw.strip()
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidOption(
            name, f"must be an IANA time zone like Europe/Berlin or UTC (got {opt.shown(text)})"
        ) from exc
    return text


def on_off(name: str, raw: str, _platform: str) -> str:
    return "on" if opt.parse_boolean(name, raw) else "off"


CORE_SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec("name", "Display name of the community", _text),
    SettingSpec(
        "steward_channel",
        "Channel where stewards hear of posts the bot could not deliver",
        channel_value,
        None,
        True,
        channel=True,
    ),
    SettingSpec("steward_role", "Platform role whose members are stewards", _role, None, True),
    SettingSpec("admin_role", "Platform role whose members are admins", _role, None, True),
    SettingSpec("stewards", "Members who are stewards (mentions or ids)", _members),
    SettingSpec("admins", "Members who are admins (mentions or ids)", _members),
    SettingSpec("ai", "Use the language model (on) or only offline tools (off)", on_off, "on"),
    SettingSpec(
        "timezone",
        "Time zone of dates and times typed and shown (IANA, e.g. Europe/Berlin)",
        _zone,
        "UTC",
    ),
)


@dataclass(frozen=True)
class CommunityContext:
    id: int
    slug: str
    name: str
    values: Mapping[str, str]
    config: CommunityConfig | None = None
    specs: Mapping[str, SettingSpec] = field(default_factory=dict)

    def get(self, key: str, platform: str | None = None) -> str | None:
        spec = self.specs.get(key)
        storage_key = spec.storage_key(platform or "") if spec and platform else key
        value = self.values.get(storage_key)
        if value is None and spec is not None:
            return spec.default
        return value

    def members(self, key: str) -> set[str]:
        configured = set(getattr(self.config, key, []) if self.config else [])
        stored = self.values.get(key, "")
        return configured | {m for m in stored.split(",") if m}

    @property
    def zone(self) -> ZoneInfo:
        """The community's time zone: dates typed without a zone are in it, times shown too."""
        try:
            return ZoneInfo(self.get("timezone") or "UTC")
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def channel(self, key: str, platform: str) -> ChannelRef | None:
        channel_id = self.get(key, platform)
        return ChannelRef(platform, channel_id) if channel_id else None

    def role_of(self, caller: Caller) -> Role:
        """The core's one permission rule, the same for every front end."""
        admin_role = self.get("admin_role", caller.platform)
        steward_role = self.get("steward_role", caller.platform)
        if caller.key in self.members("admins") or (admin_role and admin_role in caller.role_ids):
            return Role.ADMIN
        role = caller.platform_role
        if caller.key in self.members("stewards") or (
            steward_role and steward_role in caller.role_ids
        ):
            role = max(role, Role.STEWARD)
        return role


class ChannelLocator(Protocol):
    async def space_of(self, channel: ChannelRef) -> str | None:
        """The guild or chat a channel belongs to, or None when the bot cannot see it."""
        ...


class CommunityService:
    def __init__(
        self,
        db: Database,
        configs: Iterable[CommunityConfig],
        specs: Iterable[SettingSpec],
        channels: ChannelLocator | None = None,
    ) -> None:
        self._db = db
        self._channels = channels
        self._configs = {c.slug: c for c in configs}
        self.specs: dict[str, SettingSpec] = {s.key: s for s in specs}
        # Every command reads its community; settings change rarely. Changes made here clear the
        # cache at once; another process's changes show within the TTL.
        self._cache: dict[tuple[str, str], tuple[float, CommunityContext]] = {}
        self._loading: dict[tuple[str, str, bool], asyncio.Future[CommunityContext | None]] = {}

    async def sync_configured(self, console_slug: str) -> None:
        """Make the communities of the config file exist, with their spaces; idempotent."""
        async with self._db.transaction() as session:
            for config in self._configs.values():
                community = await self._ensure_community(session, config.slug, config.name)
                spaces = [("discord", g) for g in config.discord_guild_ids] + [
                    ("telegram", c) for c in config.telegram_chat_ids
                ]
                for platform, space_id in spaces:
                    await session.merge(
                        CommunitySpace(
                            platform=platform, space_id=space_id, community_id=community.id or 0
                        )
                    )
            console = await self._ensure_community(session, console_slug, "Local community")
            await session.merge(
                CommunitySpace(
                    platform="console", space_id=console_slug, community_id=console.id or 0
                )
            )

    async def _ensure_community(self, session: AsyncSession, slug: str, name: str) -> Community:
        found = (await session.exec(select(Community).where(Community.slug == slug))).first()
        if found is None:
            found = Community(slug=slug, name=name)
            session.add(found)
            await session.flush()
        return found

    async def resolve(self, platform: str, space_id: str, space_name: str) -> CommunityContext:
        """The community a chat space belongs to; an unknown space becomes a new community.

        Direct messages have no space: see `of_spaces`, which the dispatcher uses for them.
        """
        if not space_id:
            raise ValueError("a direct message has no space; resolve its member's communities")
        context = await self._lookup(platform, space_id, create_as=space_name)
        if context is None:
            raise RuntimeError(f"community for {platform}:{space_id} vanished")
        return context

    async def _load_or_create(
        self, platform: str, space_id: str, space_name: str
    ) -> CommunityContext | None:
        context = await self._load(platform, space_id)
        if context is not None:
            return context
        try:
            async with self._db.transaction() as session:
                name = opt.clean_text(space_name)[:200] or f"{platform} {space_id}"
                community = Community(slug=f"{platform}-{space_id}"[:64], name=name)
                session.add(community)
                await session.flush()
                session.add(
                    CommunitySpace(
                        platform=platform, space_id=space_id, community_id=community.id or 0
                    )
                )
        except IntegrityError:
            pass  # Another process created it first; read theirs.
        return await self._load(platform, space_id)

    async def of_spaces(self, platform: str, space_ids: Iterable[str]) -> list[CommunityContext]:
        """The communities some spaces of one platform belong to, each once, in id order."""
        found: dict[int, CommunityContext] = {}
        for space_id in space_ids:
            context = await self._lookup(platform, space_id)
            if context is not None:
                found.setdefault(context.id, context)
        return [found[key] for key in sorted(found)]

    async def spaces_on(self, platform: str) -> list[str]:
        """Every known space of one platform: the guilds or chats a member may belong to."""
        async with self._db.read() as session:
            query = select(CommunitySpace.space_id).where(CommunitySpace.platform == platform)
            return list((await session.exec(query)).all())

    async def by_slug(self, slug: str) -> CommunityContext | None:
        async with self._db.read() as session:
            community = (
                await session.exec(select(Community).where(Community.slug == slug))
            ).first()
            return None if community is None else await self._context(session, community)

    async def by_id(self, community_id: int) -> CommunityContext | None:
        async with self._db.read() as session:
            community = await session.get(Community, community_id)
            return None if community is None else await self._context(session, community)

    async def all(self) -> list[CommunityContext]:
        async with self._db.read() as session:
            communities = (await session.exec(select(Community).order_by(col(Community.id)))).all()
            return [await self._context(session, c) for c in communities]

    async def spaces(self, community_id: int) -> list[CommunitySpace]:
        async with self._db.read() as session:
            query = select(CommunitySpace).where(CommunitySpace.community_id == community_id)
            return list((await session.exec(query)).all())

    async def _lookup(
        self, platform: str, space_id: str, create_as: str | None = None
    ) -> CommunityContext | None:
        """The space's community from the cache or the database; with `create_as`, an unknown
        space becomes a community of that name."""
        key = (platform, space_id)
        cached = self._cache.get(key)
        if cached is not None and time.monotonic() - cached[0] < CACHE_TTL_SECONDS:
            return cached[1]
        # One load per space at a time: a burst of commands after a start, a cache expiry or a
        # new server waits for the same read (and the same insert) instead of queueing hundreds
        # on the connection pool, each trying to create the community.
        flight = (platform, space_id, create_as is not None)
        loading = self._loading.get(flight)
        if loading is None:
            work = (
                self._load(platform, space_id)
                if create_as is None
                else self._load_or_create(platform, space_id, create_as)
            )
            loading = asyncio.ensure_future(work)
            self._loading[flight] = loading
            loading.add_done_callback(lambda _: self._loading.pop(flight, None))
        context = await asyncio.shield(loading)
        if context is not None:
            self._cache[key] = (time.monotonic(), context)
        return context

    async def _load(self, platform: str, space_id: str) -> CommunityContext | None:
        async with self._db.read() as session:
            query = (
                select(Community)
                .join(CommunitySpace, col(CommunitySpace.community_id) == col(Community.id))
                .where(CommunitySpace.platform == platform, CommunitySpace.space_id == space_id)
            )
            community = (await session.exec(query)).first()
            return None if community is None else await self._context(session, community)

    async def _context(self, session: AsyncSession, community: Community) -> CommunityContext:
        if community.id is None:
            raise RuntimeError("community row without id")
        query = select(CommunitySetting).where(CommunitySetting.community_id == community.id)
        values = {row.key: row.value for row in (await session.exec(query)).all()}
        return CommunityContext(
            id=community.id,
            slug=community.slug,
            name=values.get("name", community.name),
            values=values,
            config=self._configs.get(community.slug),
            specs=self.specs,
        )

    async def set(
        self, community_id: int, key: str, raw: str, platform: str, by: str
    ) -> tuple[SettingSpec, str]:
        spec = self.specs.get(key)
        if spec is None:
            raise InvalidOption("key", f"unknown setting {opt.shown(key)}; see /config show")
        value = spec.parse("value", raw, platform)
        if spec.channel:
            await self.check_channel_is_ours(community_id, ChannelRef(platform, value))
        async with self._db.transaction() as session:
            await session.merge(
                CommunitySetting(
                    community_id=community_id,
                    key=spec.storage_key(platform),
                    value=value,
                    updated_at=utcnow(),
                    updated_by=by,
                )
            )
        self._cache.clear()  # after the commit, so no reader caches the old value again
        return spec, value

    async def check_channel_is_ours(self, community_id: int, channel: ChannelRef) -> None:
        """A channel setting (or a feature's channel option) may only name a channel of the
        community's own guild or chat: otherwise one community could point its alerts into
        another's chat."""
        own = {
            s.space_id for s in await self.spaces(community_id) if s.platform == channel.platform
        }
        space = await self._channels.space_of(channel) if self._channels is not None else None
        if space is None:
            raise InvalidOption("value", f"I can't see channel {channel.id} on {channel.platform}")
        if space not in own:
            where = "server" if channel.platform == "discord" else "chat"
            raise InvalidOption(
                "value",
                f"channel {channel.id} is not in this community's {where}; name one of ours",
            )

    async def reset(self, community_id: int, key: str, platform: str) -> SettingSpec:
        spec = self.specs.get(key)
        if spec is None:
            raise InvalidOption("key", f"unknown setting {opt.shown(key)}; see /config show")
        async with self._db.transaction() as session:
            await session.exec(
                delete(CommunitySetting).where(
                    col(CommunitySetting.community_id) == community_id,
                    col(CommunitySetting.key) == spec.storage_key(platform),
                )
            )
        self._cache.clear()
        return spec
