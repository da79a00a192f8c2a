"""Building one digest: who reads it, every feature's part for the period, rendered for the
reader's platform. Reads stored data only (the sources' rule); no transaction of its own."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.commands.community import CommunityService
from bot.commands.reply import Reply
from bot.digest_parts import DigestParts, DigestRequest, Reader
from bot.directory import Directory
from cogs.digests.digest import Digest
from cogs.digests.models import MEMBER, DigestSubscription
from cogs.digests.render import digest_reply
from cogs.digests.schedule import Period


@dataclass(frozen=True)
class Built:
    digest: Digest
    reply: Reply


class DigestBuilder:
    def __init__(
        self, parts: DigestParts, directory: Directory, communities: CommunityService
    ) -> None:
        self._parts = parts
        self._directory = directory
        self._communities = communities

    async def reader(self, community_id: int, platform: str, user_id: str | None) -> Reader:
        """A member with the addresses they linked (for "Needs you now"), or a channel."""
        if user_id is None:
            return Reader(platform)
        addresses = await self._directory.addresses_of(community_id, platform, user_id)
        return Reader(platform, user_id, tuple(addresses))

    async def reader_of(self, subscription: DigestSubscription) -> Reader:
        user_id = subscription.target_id if subscription.kind == MEMBER else None
        return await self.reader(subscription.community_id, subscription.platform, user_id)

    async def build(
        self,
        community_id: int,
        reader: Reader,
        timezone: str,
        period: Period,
        *,
        allow_model: bool = True,
    ) -> Built:
        community = await self._communities.by_id(community_id)
        name = community.name if community is not None else "this community"
        request = DigestRequest(community_id, period.start, period.end, reader, allow_model)
        parts = await self._parts.gather(request)
        digest = Digest(
            community=name,
            start=period.start,
            end=period.end,
            timezone=timezone,
            reader=reader,
            parts=tuple(parts),
            catch_up=period.catch_up,
        )
        return Built(digest, digest_reply(digest, reader.platform))


def with_footer(reply: Reply, line: str) -> Reply:
    """The reply with one more line at its foot."""
    footer = f"{reply.footer}\n{line}" if reply.footer else line
    return replace(reply, footer=footer)
