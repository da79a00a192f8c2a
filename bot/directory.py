"""Who is behind an address, as features that name people see it (the treasury's nudges, digests),
and which addresses a member linked (vote reminders).

A feature that knows people (onboarding: members who proved their wallet) registers an
`AddressBook`; a feature that names people asks the `Directory`, and gets nothing when no book is
registered: features stay independent of one another.

A feature that keeps rows naming members (vote reminder opt-ins) registers a `MemberForgetter`
with `forget_with`: the feature that forgets members (onboarding's /forget) runs them all in
its transaction, so forgetting a member reaches every feature.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

# (session, community id, platform, user id) -> rows deleted; runs inside /forget's transaction
# and never commits.
MemberForgetter = Callable[[AsyncSession, int, str, str], Awaitable[int]]


@dataclass(frozen=True)
class Listing:
    """A member linked to an address: who to name, and on which platform to mention them."""

    platform: str
    user_id: str
    handle: str  # the name they chose to be shown by


class AddressBook(Protocol):
    async def listings(
        self, community_id: int, addresses: Sequence[str]
    ) -> dict[str, list[Listing]]:
        """Members linked to each address (checksummed keys); addresses nobody linked are left
        out. Members who asked to be forgotten never appear."""
        ...

    async def addresses_of(self, community_id: int, platform: str, user_id: str) -> list[str]:
        """The addresses a member linked (checksummed, oldest first); none for a member who
        asked to be forgotten."""
        ...


class Directory:
    def __init__(self) -> None:
        self._books: list[AddressBook] = []
        self._forgetters: list[MemberForgetter] = []

    def register(self, book: AddressBook) -> None:
        self._books.append(book)

    async def listings(
        self, community_id: int, addresses: Sequence[str]
    ) -> dict[str, list[Listing]]:
        found: dict[str, list[Listing]] = {}
        for book in self._books:
            for address, listings in (await book.listings(community_id, addresses)).items():
                found.setdefault(address, []).extend(listings)
        return found

    async def addresses_of(self, community_id: int, platform: str, user_id: str) -> list[str]:
        found: list[str] = []
        for book in self._books:
            for address in await book.addresses_of(community_id, platform, user_id):
                if address not in found:
                    found.append(address)
        return found

    def forget_with(self, forgetter: MemberForgetter) -> None:
        self._forgetters.append(forgetter)

    async def forget(
        self, session: AsyncSession, community_id: int, platform: str, user_id: str
    ) -> int:
        """Run every registered forgetter for the member; rows deleted."""
        removed = 0
        for forgetter in self._forgetters:
            removed += await forgetter(session, community_id, platform, user_id)
        return removed
