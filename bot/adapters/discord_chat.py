"""Discord messages as chat events, and the past of a channel together with its threads.

Translation only: where a message was posted (a channel, a thread of a text channel, a post of
a forum channel, each thread with its parent), its attachments, its mentions with the names
shown for them, and its jump URL. Names come from discord.py's cache, or from a thread this
module listed or fetched once (archived threads leave discord.py's cache); an event that names
no channel Discord has told us about gets an empty name, never its id.
"""

from __future__ import annotations

import asyncio
import heapq
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence

import discord

from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.events import Attachment, ChatMessage, Mention
from bot.frontend import channel_name_key

# Threads remembered beyond discord.py's cache (archived ones, fetched ones), newest kept.
KNOWN_THREADS = 5000

Place = discord.abc.GuildChannel | discord.Thread


class DiscordChat:
    """Turns discord.py messages into ChatMessage events and reads a channel's history."""

    def __init__(self, client: discord.Client) -> None:
        self._client = client
        self._known: OrderedDict[int, Place] = OrderedDict()
        self._fetching: dict[int, asyncio.Future[Place | None]] = {}

    def is_chat(self, message: discord.Message) -> bool:
        """A member's message in a guild: not the bot's own, not a system notice ("X started a
        thread"), not the copy of a parent message that opens a thread."""
        return (
            message.guild is not None
            and message.author != self._client.user
            and not message.is_system()
            and message.type != discord.MessageType.thread_starter_message
        )

    # Where --------------------------------------------------------------------------------------

    def remember(self, place: Place) -> None:
        self._known[place.id] = place
        self._known.move_to_end(place.id)
        while len(self._known) > KNOWN_THREADS:
            self._known.popitem(last=False)

    def cached(self, guild: discord.Guild | None, channel_id: int) -> Place | None:
        found = guild.get_channel_or_thread(channel_id) if guild is not None else None
        return found if found is not None else self._known.get(channel_id)

    async def lookup(self, guild: discord.Guild | None, channel_id: int) -> Place | None:
        """The channel or thread, fetched once when neither cache has it (messages arriving
        together wait for the same fetch)."""
        found = self.cached(guild, channel_id)
        if found is not None:
            return found
        fetch = self._fetching.get(channel_id)
        if fetch is None:
            fetch = self._fetching[channel_id] = asyncio.ensure_future(self._fetch(channel_id))
            fetch.add_done_callback(lambda _: self._fetching.pop(channel_id, None))
        return await asyncio.shield(fetch)

    async def _fetch(self, channel_id: int) -> Place | None:
        try:
            fetched = await self._client.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
        if isinstance(fetched, discord.abc.GuildChannel | discord.Thread):
            self.remember(fetched)
            return fetched
        return None

    def where(
        self, place: Place | None, channel_id: int
    ) -> tuple[ChannelRef, ChannelRef | None, str]:
        """(channel, parent, channel kind) of a message posted in `place`."""
        if place is None:
            return ChannelRef("discord", str(channel_id), ""), None, "channel"
        if not isinstance(place, discord.Thread):
            return _ref(place), None, "channel"
        parent = place.parent or self._known.get(place.parent_id)
        kind = "forum_post" if isinstance(parent, discord.ForumChannel) else "thread"
        parent_ref = _ref(parent) if parent else ChannelRef("discord", str(place.parent_id), "")
        return _ref(place), parent_ref, kind

    # Events -------------------------------------------------------------------------------------

    async def message(self, message: discord.Message) -> ChatMessage:
        """A new or edited message, live: an uncached channel is fetched once for its name."""
        channel = message.channel
        if isinstance(channel, discord.abc.GuildChannel | discord.Thread):
            return self.translate(message, channel)
        return self.translate(message, await self.lookup(message.guild, channel.id))

    def translate(self, message: discord.Message, place: Place | None = None) -> ChatMessage:
        """`place`: where it was posted, when discord.py's message does not carry it."""
        guild = message.guild
        if place is None and isinstance(message.channel, discord.abc.GuildChannel | discord.Thread):
            place = message.channel
        channel, parent, kind = self.where(place, message.channel.id)
        reference = message.reference
        return ChatMessage(
            platform="discord",
            space=Space("discord", str(guild.id) if guild else "", guild.name if guild else ""),
            channel=channel,
            parent=parent,
            channel_kind=kind,
            message_id=str(message.id),
            author_id=str(message.author.id),
            author_name=message.author.display_name,
            text=message.clean_content,
            created_at=message.created_at,
            edited_at=message.edited_at,
            reply_to=str(reference.message_id) if reference and reference.message_id else None,
            reactions=sum(r.count for r in message.reactions),
            url=message.jump_url,
            attachments=tuple(
                Attachment(a.filename, a.content_type or "", a.size, a.url)
                for a in message.attachments
            ),
            mentions=self.mentions(message),
        )

    def deleted(self, payload: discord.RawMessageDeleteEvent) -> ChatMessage:
        """A delete names only ids: the channel's name only if a cache knows the channel."""
        guild = self._client.get_guild(payload.guild_id) if payload.guild_id else None
        place = self.cached(guild, payload.channel_id)
        channel, parent, kind = self.where(place, payload.channel_id)
        return ChatMessage(
            platform="discord",
            space=Space("discord", str(payload.guild_id or ""), guild.name if guild else ""),
            channel=channel,
            parent=parent,
            channel_kind=kind,
            message_id=str(payload.message_id),
            deleted=True,
        )

    def mentions(self, message: discord.Message) -> tuple[Mention, ...]:
        """Users (with the name the guild shows: nickname, display name, username), roles
        (`mention_roles`, named from the guild) and `<#id>` channels (named from the caches)."""
        guild = message.guild
        found = [Mention(str(u.id), u.display_name, "user") for u in message.mentions]
        roles = {role.id: role for role in message.role_mentions}
        for role_id in dict.fromkeys([*roles, *message.raw_role_mentions]):
            role = roles.get(role_id) or (guild.get_role(role_id) if guild else None)
            found.append(Mention(str(role_id), role.name if role else "", "role"))
        for channel_id in dict.fromkeys(message.raw_channel_mentions):
            place = self.cached(guild, channel_id)
            found.append(Mention(str(channel_id), place.name if place else "", "channel"))
        return tuple(dict.fromkeys(found))

    # History ------------------------------------------------------------------------------------

    async def history(self, target: Place, after: int | None) -> AsyncIterator[discord.Message]:
        """Messages after `after` of the channel and of its threads (active and archived, or a
        forum's posts), merged oldest first: every message up to the last one yielded has been
        read, so the last id is a checkpoint for the whole channel."""
        streams: list[AsyncIterator[discord.Message]] = []
        if isinstance(target, discord.abc.Messageable):
            streams.append(_messages(target, after))
        if isinstance(target, discord.TextChannel | discord.ForumChannel):
            async for thread in self._threads(target, after):
                self.remember(thread)
                streams.append(_messages(thread, after))
        async for message in _merged(streams):
            if self.is_chat(message):
                yield message

    async def _threads(
        self, parent: discord.TextChannel | discord.ForumChannel, after: int | None
    ) -> AsyncIterator[discord.Thread]:
        since = discord.utils.snowflake_time(after) if after else None
        seen: set[int] = set()
        try:
            active: Sequence[discord.Thread] = await parent.guild.active_threads()
        except discord.HTTPException:
            active = parent.guild.threads
        for thread in active:
            if thread.parent_id == parent.id:
                seen.add(thread.id)
                yield thread
        # Private archived threads need Manage Threads; forums have public posts only.
        for private in (False, True) if isinstance(parent, discord.TextChannel) else (False,):
            try:
                async for thread in _archived(parent, private=private):
                    if since is not None and thread.archive_timestamp < since:
                        break  # archived before the checkpoint: nothing was written since
                    if thread.id not in seen:
                        seen.add(thread.id)
                        yield thread
            except discord.Forbidden:
                continue

    # Names --------------------------------------------------------------------------------------

    def find_channels(self, space_id: str, name: str) -> list[ChannelRef]:
        """Text and announcement channels, forum channels and active threads of the guild
        whose name is `name` (case-insensitive, with or without '#', see channel_name_key)."""
        guild = self._client.get_guild(int(space_id)) if space_id.isdigit() else None
        if guild is None:
            return []
        wanted = channel_name_key(name)
        places: list[Place] = [*guild.text_channels, *guild.forums]
        places += [t for t in guild.threads if not t.archived]
        return [_ref(p) for p in places if channel_name_key(p.name) == wanted]


def _ref(place: Place) -> ChannelRef:
    return ChannelRef("discord", str(place.id), f"#{place.name}")


def _archived(
    parent: discord.TextChannel | discord.ForumChannel, *, private: bool
) -> AsyncIterator[discord.Thread]:
    if isinstance(parent, discord.TextChannel):
        return parent.archived_threads(limit=None, private=private)
    return parent.archived_threads(limit=None)


async def _messages(
    place: discord.abc.Messageable, after: int | None
) -> AsyncIterator[discord.Message]:
    if after is not None and isinstance(place, discord.Thread):
        # A thread just listed knows its last message (none: never written in).
        last = place.last_message_id
        if last is None or last <= after:
            return  # nothing written since the checkpoint: no request
    start = discord.Object(id=after) if after is not None else None
    async for message in place.history(limit=None, after=start, oldest_first=True):
        yield message


async def _merged(
    streams: list[AsyncIterator[discord.Message]],
) -> AsyncIterator[discord.Message]:
    """Several oldest-first streams as one, by snowflake (that is, by time)."""
    heads: list[tuple[int, int, discord.Message]] = []
    for index, stream in enumerate(streams):
        first = await anext(stream, None)
        if first is not None:
            heapq.heappush(heads, (first.id, index, first))
    while heads:
        _, index, message = heapq.heappop(heads)
        yield message
        following = await anext(streams[index], None)
        if following is not None:
            heapq.heappush(heads, (following.id, index, following))
