"""A configured chain as the treasury uses it: its node, token book, the MultiSend deployments
known there, its queue poller and its health."""

from __future__ import annotations

from dataclasses import dataclass, field

from chain.node import ChainNode
from chain.tokens import TokenBook
from cogs.treasury.config import ChainConfig
from cogs.treasury.queue import QueuePoller


@dataclass
class ChainRuntime:
    name: str
    config: ChainConfig
    node: ChainNode
    tokens: TokenBook
    multisends: frozenset[str] = field(default_factory=frozenset)
    queue: QueuePoller | None = None
    head: int | None = None
    last_error: str | None = None
