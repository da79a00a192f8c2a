"""Errors of the chain package; the treasury feature says how they read to members."""

from __future__ import annotations


class ChainError(Exception):
    """A chain or chain service failed; `service` names it ("RPC", "Safe Transaction Service")."""

    def __init__(self, service: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.message = message
        self.retryable = retryable


class RpcError(ChainError):
    def __init__(self, method: str, message: str, *, retryable: bool) -> None:
        super().__init__("RPC", f"{method}: {message}", retryable=retryable)


class NotASafe(ChainError):
    """The address has no code, or code that is not a Safe."""

    def __init__(self, address: str, chain: str) -> None:
        super().__init__("chain", f"{address} is not a Safe on {chain}", retryable=False)
