"""Health checks that /about shows: the framework's own and each feature's."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.frontend import Health

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[list[Health]]]


class HealthChecks:
    def __init__(self) -> None:
        self._checks: list[HealthCheck] = []

    def add(self, check: HealthCheck) -> None:
        self._checks.append(check)

    async def collect(self) -> list[Health]:
        """Every check's result; a check that fails is itself reported, not raised."""
        results: list[Health] = []
        for check in self._checks:
            try:
                results += await check()
            except Exception as exc:
                log.exception("health check failed")
                results.append(Health(getattr(check, "__name__", "check"), False, str(exc)))
        return results
