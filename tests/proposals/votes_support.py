"""Helpers for the votes tests: the community's id, announcing an event as a follower does, and
what the fake platforms show of the announcements."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import select

from bot.storage.models import Community
from cogs.proposals.votes_announce import VoteEvent, announce
from tests.support.world import World


async def community_id(world: World, slug: str = "test-dao") -> int:
    async with world.app.db.read() as session:
        found = (await session.exec(select(Community.id).where(Community.slug == slug))).first()
    assert found is not None
    return found


async def announce_event(world: World, event: VoteEvent) -> int:
    proposals = world.app.runtimes["proposals"]
    async with world.app.db.transaction() as session:
        added = await announce(session, proposals, event.community_id, event)
    await world.app.outbox.drain()
    return added


def event(community: int, kind: str, now: datetime, **changes: Any) -> VoteEvent:
    fields: dict[str, Any] = {
        "source": "snapshot",
        "community_id": community,
        "proposal": "snapshot:0xabc",
        "title": "Fund the docs sprint",
        "link": "https://snapshot.box/#/s:test-dao.eth/proposal/0xabc",
        "kind": kind,
        "choices": ("For", "Against", "Abstain"),
        "tally": (("For", 700.0), ("Against", 250.0), ("Abstain", 50.0)),
        "total": 1000.0,
        "quorum": 800.0,
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(days=2),
        "voters": 12,
    }
    fields.update(changes)
    return VoteEvent(**fields)


def embeds(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for m in messages for e in m.get("embeds", [])]


def link_buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (c["label"], c["url"])
        for row in message.get("components", [])
        for c in row.get("components", [])
        if c.get("url")
    ]
