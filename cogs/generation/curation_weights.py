"""What a vote weighs: one each, or the voter's verified holdings of the configured token.

Holdings are the balances of every address the member proved (onboarding's wallet links, read
through the directory), summed; ERC-20 in the token's units, NFTs as counts. All voters' addresses
go in one batched chain read. A member with no verified wallet weighs 0: their vote is kept and
counted among the voters (which breaks ties), but it moves no weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bot.directory import Directory
from bot.errors import UpstreamError
from chain import holdings
from chain.errors import ChainError
from chain.node import ChainNode
from chain.tokens import TokenBook
from cogs.generation.curation_config import WeightToken

ONE = Decimal(1)

# A member as (platform, user id).
Member = tuple[str, str]


class Weights:
    def __init__(
        self, token: WeightToken | None, node: ChainNode | None, directory: Directory
    ) -> None:
        self._token = token
        self._node = node
        self._tokens = TokenBook(node) if node is not None else None
        self._directory = directory

    @property
    def weighted(self) -> bool:
        return self._token is not None

    async def unit(self) -> str:
        """What the weights are counted in: "" (votes) or the token's symbol."""
        if self._token is None or self._tokens is None:
            return ""
        try:
            token = await self._tokens.get(self._token.address)
        except ChainError as exc:
            raise _unreadable(exc) from exc
        return token.symbol if token.symbol != "?" else token.label

    async def addresses(self, community_id: int, member: Member) -> list[str]:
        return await self._directory.addresses_of(community_id, *member)

    async def of(self, community_id: int, members: Sequence[Member]) -> dict[Member, Decimal]:
        """Each member's weight now; UpstreamError when the chain cannot be read."""
        if self._token is None or self._node is None or self._tokens is None:
            return {member: ONE for member in members}
        addresses: dict[Member, list[str]] = {}
        for platform, user_id in members:
            addresses[(platform, user_id)] = await self.addresses(community_id, (platform, user_id))
        wanted = list(dict.fromkeys(a for linked in addresses.values() for a in linked))
        token = self._token
        try:
            decimals = 0
            if token.standard == "erc20":
                decimals = (await self._tokens.get(token.address)).decimals
            balances = await self._balances(wanted) if wanted else {}
        except ChainError as exc:
            raise _unreadable(exc) from exc
        scale = Decimal(10) ** decimals
        return {
            member: Decimal(sum(balances.get(a, 0) for a in linked)) / scale
            for member, linked in addresses.items()
        }

    async def _balances(self, addresses: list[str]) -> dict[str, int]:
        token, node = self._token, self._node
        if token is None or node is None:
            return {}
        if token.standard == "erc721":
            return await holdings.erc721_balances(node, token.address, addresses)
        if token.standard == "erc1155":
            return await holdings.erc1155_balances(
                node, token.address, token.token_id or 0, addresses
            )
        return await holdings.erc20_balances(node, token.address, addresses)


def _unreadable(exc: ChainError) -> UpstreamError:
    return UpstreamError(
        "chain", f"could not read the voting token's holdings now ({exc.message})", retryable=True
    )
