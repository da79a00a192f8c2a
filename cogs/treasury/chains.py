"""A configured chain as the treasury uses it: its RPC, token book, queue poller and health."""

from __future__ import annotations

from dataclasses import dataclass

from chain.rpc import JsonRpc
from chain.tokens import TokenBook
from cogs.treasury.config import ChainConfig
from cogs.treasury.queue import QueuePoller


@dataclass
class ChainRuntime:
    name: str
    config: ChainConfig
    rpc: JsonRpc
    tokens: TokenBook
    queue: QueuePoller | None = None
    head: int | None = None
    last_error: str | None = None
