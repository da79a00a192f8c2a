"""Driving onboarding from the console of a real app, and reading its tables."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import SQLModel, col, select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from cogs.onboarding.models import ContributorProfile, OnboardingFlow


@dataclass
class Console:
    app: App
    role: Role = Role.MEMBER

    def __post_init__(self) -> None:
        self.out = io.StringIO()
        self.frontend = ConsoleFrontEnd(
            self.app, role=self.role, stdin=io.StringIO(), stdout=self.out
        )
        self.app.add_frontend(self.frontend)

    async def say(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.frontend.handle_line(line)
        return self.out.getvalue()[start:]

    async def script(self, lines: Sequence[str]) -> list[str]:
        return [await self.say(line) for line in lines]


async def rows(app: App, table: type[SQLModel], **where: Any) -> list[Any]:
    async with app.db.read() as session:
        query = select(table)
        for name, value in where.items():
            query = query.where(col(getattr(table, name)) == value)
        return list((await session.exec(query)).all())


async def profiles(app: App, **where: Any) -> list[ContributorProfile]:
    return await rows(app, ContributorProfile, **where)


async def flows(app: App, **where: Any) -> list[OnboardingFlow]:
    return await rows(app, OnboardingFlow, **where)


FULL_FLOW = (
    "/onboard",
    '/onboard answer "Ada Lovelace"',
    "/onboard answer solidity",
    "/onboard answer security",
    "/onboard answer done",
    "/onboard answer Europe/Berlin",
    "/onboard answer 20",
    "/onboard answer @ada-l",
    '/onboard answer "audit the vault contracts"',
    "/onboard answer yes",
)
