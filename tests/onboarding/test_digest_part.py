"""Onboarding's part of a digest, from members onboarded through the fake Discord's real client
and the console, and roles the rules gave and took through the outbox: who joined with which
skills, which roles changed and why, within [start, end) only, never a forgotten member, in a
fixed handful of queries."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.digest_parts import DigestPart, DigestRequest, Reader, Section
from bot.storage.models import Community, RoleChangeRecord
from cogs.onboarding.digest_part import (
    MOST_CHANGES,
    MOST_PEOPLE,
    Newcomer,
    OnboardingDigest,
    Person,
    RoleMove,
    newcomers_item,
    person,
    roles_item,
)
from cogs.onboarding.models import ContributorProfile
from cogs.onboarding.verification import ROLE_CHECK_JOB
from tests.fakes.discord_gateway import FakeRole
from tests.fakes.discord_server import FakeDiscord
from tests.onboarding.support import FULL_FLOW
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock
from tests.support.frontends import discord_frontend
from tests.support.world import discord_text

CONTRIBUTOR_ROLE = "710000000000000001"
BUILDER_ROLE = "710000000000000002"
START = datetime(2026, 12, 2, tzinfo=UTC)
END = datetime(2026, 12, 9, tzinfo=UTC)


@dataclass
class Town:
    app: App
    discord: FakeDiscord
    clock: ManualClock

    async def on_discord(self, name: str, options: dict[str, Any], user: str) -> str:
        record = await self.discord.invoke(name, options, user=user)
        return discord_text(await record.wait_done(timeout=10))

    async def onboard_on_discord(self, user: str, answers: list[str]) -> None:
        assert "step 1 of 7" in await self.on_discord("onboard", {}, user)
        for value in answers:
            said = await self.on_discord("onboard", {"action": "answer", "value": value}, user)
            assert "Sorry" not in said, said
        assert "Welcome aboard" in said

    async def on_console(self, line: str) -> str:
        out = io.StringIO()
        await ConsoleFrontEnd(self.app, stdin=io.StringIO(), stdout=out).handle_line(line)
        return out.getvalue()

    async def check_roles(self) -> None:
        """The scheduled re-check, then the outbox carries the changes out (recorded as done)."""
        await self.app.scheduler.run_now(ROLE_CHECK_JOB)
        await self.app.outbox.drain()

    def at(self, moment: datetime) -> None:
        self.clock.current = moment

    async def community_id(self) -> int:
        async with self.app.db.read() as session:
            found = await session.exec(select(Community.id).where(Community.slug == "test-dao"))
            community_id = found.one()
        assert community_id is not None
        return community_id

    async def part(self, start: datetime = START, end: datetime = END) -> DigestPart:
        """What the registered source gives the digests feature."""
        request = DigestRequest(await self.community_id(), start, end, Reader("discord", "1"))
        parts = {p.source: p for p in await self.app.digest_parts.gather(request)}
        return parts["onboarding"]

    async def queries(self, start: datetime, end: datetime) -> list[str]:
        """The statements one part takes (the outbox's poller, running meanwhile, aside)."""
        request = DigestRequest(await self.community_id(), start, end, Reader("discord", None))
        with counted(self.app) as statements:
            await OnboardingDigest(self.app.db).digest_part(request)
        return [s for s in statements if "outbox_message" not in s]


@pytest.fixture
async def town(tmp_path: Path, db_url: str) -> AsyncIterator[Town]:
    clock = ManualClock(datetime(2026, 12, 1, 12, tzinfo=UTC))
    rules = [
        {"name": "Contributor", "discord_role_id": CONTRIBUTOR_ROLE, "onboarded": True},
        {"name": "Builder", "discord_role_id": BUILDER_ROLE, "skill": "solidity"},
    ]
    async with FakeDiscord() as fake:
        fake.guild.roles.append(FakeRole(CONTRIBUTOR_ROLE, "Contributor", 0, 1))
        fake.guild.roles.append(FakeRole(BUILDER_ROLE, "Builder", 0, 1))
        community = {
            "slug": "test-dao",
            "name": "Test DAO",
            "discord_guild_ids": [fake.guild.id],
        }
        settings = make_settings(
            tmp_path,
            db_url,
            communities=[community],
            console={"community": "test-dao"},
            onboarding={"roles": rules},
        )
        async with running_app(settings, clock=clock) as app:
            app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=io.StringIO()))
            async with discord_frontend(app, fake):
                yield Town(app, fake, clock)
        assert fake.unhandled == []


ALICE = ["Alice", "solidity, security", "Europe/Berlin", "20", "alice-dev", "audits", "yes"]
BOB = ["Bob", "design, writing", "UTC", "5", "bob-gh", "logos", "no"]
DAVE = ["Dave", "data, research", "UTC", "10", "skip", "skip", "yes"]
CAROL = ["Carol", "governance, legal", "UTC", "5", "skip", "skip", "yes"]


@contextmanager
def counted(app: App) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_people_of_the_period_with_skills_roles_and_reasons(town: Town) -> None:
    alice_id = town.discord.user("alice").id
    bob_id = town.discord.user("bob").id
    # Before the period: Alice onboards and gets both roles.
    await town.onboard_on_discord("alice", ALICE)
    await town.check_roles()
    assert {c.user_id for c in town.discord.role_changes} == {alice_id}

    town.at(START)  # the first instant of the period counts
    await town.onboard_on_discord("bob", BOB)
    town.at(START + timedelta(days=1))
    assert "Welcome aboard" in "".join([await town.on_console(line) for line in FULL_FLOW])
    await town.check_roles()  # Bob and Ada become Contributors (Ada is on the console: no role)
    town.at(START + timedelta(days=2))
    said = await town.on_discord(
        "profile", {"action": "set", "field": "skills", "value": "design"}, "alice"
    )
    assert "Saved: skills" in said
    await town.check_roles()  # Alice no longer lists solidity: Builder is taken back

    # Dave joins, onboards, gets a role, then asks to be forgotten: he is in no digest.
    town.at(START + timedelta(days=3))
    await town.discord.member_join("dave")
    await town.onboard_on_discord("dave", DAVE)
    await town.check_roles()
    town.at(START + timedelta(days=4))
    forgot = await town.on_discord("forget", {"confirm": "confirm"}, "dave")
    assert "Forgotten" in forgot
    await town.app.outbox.drain()

    # At the period's end: not in this digest, in the next.
    town.at(END)
    await town.onboard_on_discord("carol", CAROL)
    await town.check_roles()

    part = await town.part()
    assert part.problems == () and part.series == ()
    assert {item.section for item in part.items} == {Section.PEOPLE}
    newcomers, roles = sorted(part.items, key=lambda item: -item.rank)

    assert newcomers.text == (
        f"2 new contributors: [Bob](https://discord.com/users/{bob_id}) (design, writing) "
        "and Ada Lovelace (solidity, security)."
    )
    assert newcomers.at == START + timedelta(days=1)
    for absent in ("Alice", "Dave", "Carol"):
        assert absent not in newcomers.text

    assert roles.text == (
        "Roles (1 granted, 1 removed): "
        f"+Contributor for [Bob](https://discord.com/users/{bob_id}) (completed /onboard); "
        f"−Builder for [Alice](https://discord.com/users/{alice_id}) "
        "(needs the skill solidity in their /profile)."
    )
    assert roles.at == START + timedelta(days=2)
    assert "Dave" not in roles.text and "forgotten" not in roles.text
    assert newcomers.key != roles.key and all(item.key for item in part.items)

    # Dave's grant and revoke happened in the period and are still on record, unnamed.
    async with town.app.db.read() as session:
        records = (await session.exec(select(RoleChangeRecord))).all()
    unnamed = [r for r in records if r.user_id == "forgotten"]
    assert sorted(r.action for r in unnamed) == ["grant", "revoke"]
    assert all(START <= _utc(r.delivered_at) < END for r in unnamed)

    # The next week: Carol, at what was the end.
    following = await town.part(END, END + timedelta(days=7))
    texts = [item.text for item in following.items]
    assert texts[0].startswith("1 new contributor: [Carol]")
    assert texts[1].startswith("Roles (1 granted): +Contributor for [Carol]")
    assert following.items[0].url == f"https://discord.com/users/{town.discord.user('carol').id}"

    # As many queries for a busy period as for a quiet one, which says nothing.
    busy = await town.queries(START, END)
    assert len(busy) <= 4, busy
    quiet = await town.part(END + timedelta(days=30), END + timedelta(days=31))
    assert quiet.items == ()
    assert len(await town.queries(END + timedelta(days=30), END + timedelta(days=31))) == len(busy)


def _utc(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def test_typed_names_never_ping_nor_open_markdown() -> None:
    profile = ContributorProfile(
        community_id=1,
        platform="telegram",
        user_id="42",
        display_name="Eve @everyone <@&5> [click](https://evil.example) **loud**",
        github="eve",
        shared=["skills", "github"],
    )
    shown = person("telegram", "42", profile)
    assert "@everyone" not in shown.name and "<@&5>" not in shown.name
    assert "[" not in shown.name and "](" not in shown.name and "**" not in shown.name
    assert shown.url == "https://github.com/eve"
    hidden = person("telegram", "42", profile.model_copy(update={"shared": ["skills"]}))
    assert hidden.url is None
    nameless = person("discord", "123", None)
    assert nameless.name == "member 123 on Discord"
    assert nameless.url == "https://discord.com/users/123"


def test_the_source_is_named_onboarding() -> None:
    assert OnboardingDigest.name == "onboarding"


def test_a_crowded_period_names_the_first_and_counts_the_rest() -> None:
    request = DigestRequest(1, START, END, Reader("console"))
    people = [Person("console", str(n), f"P{n}", None) for n in range(MOST_PEOPLE + 3)]
    joined = newcomers_item([Newcomer(p, ("data",), START) for p in people], request)
    assert joined.text.startswith(f"{MOST_PEOPLE + 3} new contributors: P0 (data), P1 (data)")
    assert joined.text.endswith(f"P{MOST_PEOPLE - 1} (data) and 3 more.")
    moves = [RoleMove(p, "Contributor", n % 2 == 0, "", START) for n, p in enumerate(people)]
    changed = roles_item(moves, request)
    assert changed.text.startswith("Roles (7 granted, 6 removed): +Contributor for P0; −")
    assert changed.text.endswith(f"; and {len(people) - MOST_CHANGES} more.")
    assert changed.text.count("Contributor for") == MOST_CHANGES
