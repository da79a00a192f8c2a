"""The /ask tests' world: the real app and front ends, with a small community history stored
in a real table (tests/knowledge/notes_source.py) registered as a record source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import col, select

from bot.commands.community import CommunityContext
from cogs.knowledge.models import KnowledgeAsk
from tests.knowledge.notes_source import Note, Notes
from tests.support.world import World

NOW = datetime.now(UTC)

GRANTS_DECISION = Note(
    "Grants budget 2026: decided",
    "Thanks all for voting. After the vote, the grants budget for 2026 is 1.5M USDC, paid "
    "quarterly by the grants committee. Next review in June.",
    NOW - timedelta(days=30),
    author="treasury_tom",
    url="https://forum.test/t/grants-budget/12/40",
    weight="decision",
)
GRANTS_CHATTER = Note(
    "Grants budget chatter",
    "I think the grants budget is far too big, we should halve it and see.",
    NOW - timedelta(days=700),
    author="degen_dmitri",
    url="https://forum.test/t/grants-budget/12/3",
)
COMMITTEE = Note(
    "#governance",
    "Who runs what: the treasury committee is run by maria and kai. The committee meets every "
    "Tuesday at 15:00 UTC.",
    NOW - timedelta(days=10),
    author="steward_sol",
    url="https://discord.com/channels/1/2/3",
)
BRAND = Note(
    "Brand guide v1",
    "The brand guide is at https://brand.example/guide-v1 with the logo files.",
    NOW - timedelta(days=400),
    author="design_dana",
    url="https://forum.test/t/brand/7/1",
    note="superseded by Brand guide v2 (2026-10-01)",
)


def private_note(channel: str) -> Note:
    return Note(
        "#steward-ops",
        "Stewards only: the multisig signer rotation happens on March 3 with new hardware "
        "wallets for every signer.",
        NOW - timedelta(days=5),
        author="bob",
        url="https://discord.com/channels/1/9/9",
        channel=channel,
    )


@dataclass
class Asking:
    world: World
    notes: Notes
    dao: CommunityContext
    console: CommunityContext
    keys: dict[str, str]

    async def asks(self) -> list[KnowledgeAsk]:
        async with self.world.app.db.read() as session:
            query = select(KnowledgeAsk).order_by(col(KnowledgeAsk.id))
            return list((await session.exec(query)).all())

    async def set(self, key: str, value: str, platform: str = "discord") -> None:
        await self.world.app.communities.set(self.dao.id, key, value, platform, "test")


@pytest.fixture
async def asking(world: World) -> Asking:
    notes = Notes(world.app.db)
    await notes.create()
    world.app.records.register(notes)
    communities = await world.app.communities.all()
    dao = next(c for c in communities if c.slug == "test-dao")
    console = next(c for c in communities if c.slug != "test-dao")
    keys: dict[str, str] = {}
    for community in (dao, console):
        for name, note in {
            "decision": GRANTS_DECISION,
            "chatter": GRANTS_CHATTER,
            "committee": COMMITTEE,
            "brand": BRAND,
        }.items():
            keys[f"{community.slug}:{name}"] = await notes.add(community.id, note)
    alerts = world.discord.channel("#alerts").id
    keys["private"] = await notes.add(dao.id, private_note(f"discord:{alerts}"))
    return Asking(world, notes, dao, console, keys)
