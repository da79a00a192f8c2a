"""Safe owners by name: the handle of the member who linked the address (the directory that
onboarding fills), else the address itself. Handles are what members typed, so they are shown
as plain words that can neither ping nor format anything."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from bot.commands.options import MemberRef
from bot.commands.sanitize import neutralize_all_mentions
from bot.directory import Directory, Listing

# Markdown and mention syntax a handle must not bring into an alert.
_UNSAFE = re.compile(r"[`*_~|\[\]()<>#\\]")


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def safe_handle(handle: str) -> str:
    return _UNSAFE.sub("", neutralize_all_mentions(handle)).strip()[:60]


class OwnerNames:
    def __init__(self, listings: dict[str, list[Listing]]) -> None:
        self._listings = {address.lower(): found for address, found in listings.items() if found}

    @classmethod
    async def load(
        cls, directory: Directory, community_id: int, addresses: Iterable[str]
    ) -> OwnerNames:
        unique = list(dict.fromkeys(addresses))
        return cls(await directory.listings(community_id, unique) if unique else {})

    def name(self, address: str) -> str:
        """ "alice (0x5aAe…eAed)" for a linked address, the address otherwise."""
        listings = self._listings.get(address.lower())
        if not listings:
            return address
        handles = [h for h in dict.fromkeys(safe_handle(x.handle) for x in listings) if h]
        if not handles:
            return address
        return f"{' / '.join(handles)} ({_short(address)})"

    def text(self, line: str) -> str:
        """The line with every linked address in it replaced by its name."""
        for address in self._listings:
            line = re.sub(re.escape(address), lambda m: self.name(m.group(0)), line, flags=re.I)
        return line

    def pings(self, addresses: Sequence[str]) -> list[MemberRef]:
        """The members behind these addresses, to ping each on their own platform."""
        found: dict[str, MemberRef] = {}
        for address in addresses:
            for listing in self._listings.get(address.lower(), []):
                ref = MemberRef(listing.platform, listing.user_id, safe_handle(listing.handle))
                found.setdefault(ref.key(), ref)
        return list(found.values())


def encode_pings(pings: Iterable[MemberRef]) -> list[str]:
    """As an alert stores them: "platform:user id:handle"."""
    return [f"{p.platform}:{p.id}:{p.display}" for p in pings if p.id]


def decode_pings(stored: Iterable[str]) -> tuple[list[MemberRef], list[str]]:
    """Stored pings, and bare Discord ids (what alerts stored before members were named)."""
    pings, bare = [], []
    for entry in stored:
        platform, sep, rest = entry.partition(":")
        if not sep:
            bare.append(entry)
            continue
        user_id, _, handle = rest.partition(":")
        pings.append(MemberRef(platform, user_id, handle))
    return pings, bare
