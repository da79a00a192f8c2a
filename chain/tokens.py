"""ERC-20 symbols and decimals, read from the token once and cached."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eth_abi.abi import decode as abi_decode

from chain.errors import RpcError
from chain.rpc import JsonRpc

_SYMBOL, _DECIMALS, _BALANCE_OF = "0x95d89b41", "0x313ce567", "0x70a08231"


@dataclass(frozen=True)
class Token:
    address: str
    symbol: str
    decimals: int

    def amount(self, raw: int) -> str:
        """Raw units as token units, e.g. 1500000 with 6 decimals -> "1.5"."""
        value = Decimal(raw) / (Decimal(10) ** self.decimals)
        text = f"{value:,.{min(self.decimals, 6)}f}".rstrip("0").rstrip(".")
        return text or "0"


class TokenBook:
    def __init__(self, rpc: JsonRpc) -> None:
        self._rpc = rpc
        self._known: dict[str, Token] = {}

    async def get(self, address: str) -> Token:
        key = address.lower()
        if key not in self._known:
            self._known[key] = Token(
                address, await self._symbol(address), await self._decimals(address)
            )
        return self._known[key]

    async def balance(self, token: str, holder: str) -> int:
        data = _BALANCE_OF + holder.lower().removeprefix("0x").rjust(64, "0")
        return int(await self._rpc.eth_call(token, data), 16)

    async def _symbol(self, address: str) -> str:
        try:
            raw = bytes.fromhex((await self._rpc.eth_call(address, _SYMBOL))[2:])
        except RpcError:
            return "?"
        if len(raw) == 32:  # some old tokens return bytes32
            return raw.rstrip(b"\0").decode(errors="replace") or "?"
        try:
            (symbol,) = abi_decode(["string"], raw)
        except Exception:  # not a token after all
            return "?"
        return str(symbol)[:20] or "?"

    async def _decimals(self, address: str) -> int:
        try:
            raw = await self._rpc.eth_call(address, _DECIMALS)
            return int(raw, 16) if raw not in ("0x", "") else 18
        except (RpcError, ValueError):
            return 18
