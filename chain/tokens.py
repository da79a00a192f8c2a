"""Token names, symbols and decimals, read from the token once (one batch) and cached.

ERC-20 tokens give amounts in their units; NFT collections (ERC-721, ERC-1155, told apart by
ERC-165) give their name. Call data comes from the standards' ABIs that safe-eth-py ships.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode

from chain import abis
from chain.node import Answer, ChainNode

# ERC-165 interface ids of ERC-721 and ERC-1155.
ERC721_INTERFACE = bytes.fromhex("80ac58cd")
ERC1155_INTERFACE = bytes.fromhex("d9b67a26")


def _selector(interface: abis.ABI, name: str) -> str:
    entry = next(f for f in abis.functions(interface) if f["name"] == name and not f["inputs"])
    return "0x" + abis.selector(entry)


def _supports(interface_id: bytes) -> str:
    entry = next(f for f in abis.functions(abis.erc721_abi()) if f["name"] == "supportsInterface")
    return "0x" + abis.selector(entry) + abi_encode(["bytes4"], [interface_id]).hex()


@dataclass(frozen=True)
class Token:
    address: str
    symbol: str
    decimals: int
    name: str = ""
    standard: str = "erc20"  # erc20, erc721, erc1155

    @property
    def is_nft(self) -> bool:
        return self.standard != "erc20"

    def amount(self, raw: int) -> str:
        """Raw units as token units, e.g. 1500000 with 6 decimals -> "1.5"."""
        value = Decimal(raw) / (Decimal(10) ** self.decimals)
        text = f"{value:,.{min(self.decimals, 6)}f}".rstrip("0").rstrip(".")
        return text or "0"

    @property
    def label(self) -> str:
        """How a collection is called in words: its name, else its symbol, else its address."""
        return self.name or (self.symbol if self.symbol != "?" else "") or self.address


class TokenBook:
    def __init__(self, node: ChainNode) -> None:
        self._node = node
        self._known: dict[str, Token] = {}

    async def get(self, address: str) -> Token:
        if address.lower() not in self._known:
            await self.prefetch([address])
        return self._known[address.lower()]

    async def prefetch(self, addresses: Iterable[str]) -> None:
        """Read every unknown token of a poll in one batch request."""
        unknown = list(dict.fromkeys(a for a in addresses if a.lower() not in self._known))
        if not unknown:
            return
        questions = [
            _selector(abis.erc20_abi(), "symbol"),
            _selector(abis.erc20_abi(), "decimals"),
            _selector(abis.erc721_abi(), "name"),
            _supports(ERC721_INTERFACE),
            _supports(ERC1155_INTERFACE),
        ]
        calls = [
            ("eth_call", [{"to": address, "data": data}, "latest"])
            for address in unknown
            for data in questions
        ]
        answers = await self._node.batch(calls)
        for index, address in enumerate(unknown):
            symbol, decimals, name, is_721, is_1155 = answers[index * 5 : index * 5 + 5]
            standard = "erc721" if _true(is_721) else "erc1155" if _true(is_1155) else "erc20"
            self._known[address.lower()] = Token(
                address,
                _text(symbol) or "?",
                _uint(decimals, 18 if standard == "erc20" else 0),
                _text(name),
                standard,
            )

    async def balance(self, token: str, holder: str) -> int:
        entry = next(f for f in abis.functions(abis.erc20_abi()) if f["name"] == "balanceOf")
        data = "0x" + abis.selector(entry) + abi_encode(["address"], [holder]).hex()
        [answer] = await self._node.batch([("eth_call", [{"to": token, "data": data}, "latest"])])
        return _uint(answer, 0)


def _raw(answer: Answer) -> bytes:
    if answer.error is not None or not isinstance(answer.result, str):
        return b""
    return bytes.fromhex(answer.result.removeprefix("0x"))


def _text(answer: Answer) -> str:
    raw = _raw(answer)
    if len(raw) == 32:  # some old tokens answer bytes32
        return raw.rstrip(b"\0").decode(errors="replace")[:40]
    try:
        (value,) = abi_decode(["string"], raw)
    except Exception:  # not a token after all, or no such function
        return ""
    return str(value)[:40]


def _uint(answer: Answer, default: int) -> int:
    raw = _raw(answer)
    return int.from_bytes(raw[:32], "big") if len(raw) >= 32 else default


def _true(answer: Answer) -> bool:
    raw = _raw(answer)
    return len(raw) >= 32 and int.from_bytes(raw[:32], "big") == 1
