"""/match on a directory of 50 generated profiles: the clear answer comes first, with reasons;
members who opted out never appear; the steward's time zone breaks a tie."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import App
from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.commands.spec import Role
from bot.events import ChatMessage
from bot.storage.models import Community
from cogs.onboarding.models import ContributorProfile
from cogs.onboarding.ranking import overlap_hours, skills_in
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.onboarding.generated import PLANTED, profiles
from tests.onboarding.support import FULL_FLOW, Console
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock

RANKED = re.compile(r"^(\d+)\. (.+) \((\d\.\d\d)\): (.*)$", re.MULTILINE)


async def seed(app: App, extra: list[ContributorProfile] = ()) -> int:  # type: ignore[assignment]
    async with app.db.transaction() as session:
        community = (await session.exec(Community.__table__.select())).first()  # type: ignore[attr-defined]
    community_id = int(community.id)
    async with app.db.transaction() as session:
        for profile in [*profiles(community_id, app.clock.now()), *extra]:
            session.add(profile)
    return community_id


def ranking(output: str) -> list[tuple[str, str]]:
    return [(m.group(2), m.group(4)) for m in RANKED.finditer(output)]


async def test_the_clear_answer_comes_first_for_each_task(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url), clock=ManualClock()) as app:
        await seed(app)
        steward = Console(app, Role.STEWARD)
        await steward.script(FULL_FLOW)  # the steward's own profile: Europe/Berlin
        for planted in PLANTED:
            output = await steward.say(f'/match "{planted.task}" 3')
            ranked = ranking(output)
            assert ranked, output
            assert ranked[0][0] == planted.name, output
            assert len(ranked) <= 3
            reasons = ranked[0][1]
            assert "skills:" in reasons and "wants to work on" in reasons
            assert "of your working day shared" in reasons and "h a week" in reasons


async def test_opted_out_members_never_appear(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url), clock=ManualClock()) as app:
        community = (await app.communities.all())[0].id
        hidden = ContributorProfile(
            community_id=community,
            platform="discord",
            user_id="555",
            display_name="Perfect But Private",
            skills=["solidity", "security"],
            interests="audit smart contracts vault reentrancy",
            timezone="Europe/Berlin",
            hours_per_week=40,
            matching=False,
        )
        await seed(app, [hidden])
        steward = Console(app, Role.STEWARD)
        for planted in PLANTED:
            output = await steward.say(f'/match "{planted.task}" 20')
            assert "Perfect But Private" not in output
        # A member cannot run /match at all.
        assert "for stewards only" in await Console(app).say('/match "audit" 3')


async def test_the_stewards_time_zone_breaks_a_tie(tmp_path: Path, db_url: str) -> None:
    async with running_app(make_settings(tmp_path, db_url), clock=ManualClock()) as app:
        community = (await app.communities.all())[0].id
        twins = [
            ContributorProfile(
                community_id=community,
                platform="discord",
                user_id=user_id,
                display_name=name,
                skills=["design"],
                interests="logo work",
                timezone=zone,
                hours_per_week=10,
                onboarded_at=app.clock.now() - timedelta(days=10),
            )
            for user_id, name, zone in (
                ("1", "Aaa Far", "Pacific/Auckland"),
                ("2", "Zzz Near", "Europe/Madrid"),
            )
        ]
        async with app.db.transaction() as session:
            session.add_all(twins)
        steward = Console(app, Role.STEWARD)
        without_zone = ranking(await steward.say('/match "a new logo" 2'))
        assert [name for name, _ in without_zone] == ["Aaa Far", "Zzz Near"]  # by name
        await steward.script(FULL_FLOW)  # Europe/Berlin
        with_zone = ranking(await steward.say('/match "a new logo" 2'))
        assert [name for name, _ in with_zone] == ["Zzz Near", "Aaa Far"]


def test_task_words_point_to_skills() -> None:
    known = ["solidity", "security", "data", "frontend", "translation"]
    assert set(skills_in("Audit the contracts", known)) == {"security", "solidity"}
    assert set(skills_in("charts of treasury dashboards", known)) == {"data", "frontend"}
    assert set(skills_in("Translating the FAQ", known)) == {"translation"}
    assert skills_in("bake a cake", known) == {}


def test_working_days_overlap() -> None:
    from datetime import UTC, datetime

    day = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert overlap_hours("Europe/Berlin", "Europe/Paris", day) == 9
    assert overlap_hours("Europe/Berlin", "UTC", day) == 8
    assert overlap_hours("Europe/Berlin", "Pacific/Auckland", day) == 0


async def test_what_members_said_here_counts(tmp_path: Path, db_url: str) -> None:
    """Messages in the ingested chat on the task's subject rank a member up, with the reason;
    three such messages make a member without the skill a candidate."""
    group = Space("telegram", "-1001", "Test DAO")
    chat = ChannelRef("telegram", "-1001", "Test DAO")
    community = {"slug": "test-dao", "name": "Test DAO", "telegram_chat_ids": [group.id]}
    # The steward asks from the console of the same community.
    settings = make_settings(
        tmp_path, db_url, communities=[community], console={"community": "test-dao"}
    )
    async with running_app(settings, clock=ManualClock()) as app:
        community_id = next(c.id for c in await app.communities.all() if c.slug == "test-dao")
        people = [("101", "Abe Quiet", ["data"]), ("102", "Zed Vocal", ["data"])]
        people.append(("103", "Kim Nodata", ["writing"]))
        async with app.db.transaction() as session:
            for user_id, name, skills in people:
                session.add(
                    ContributorProfile(
                        community_id=community_id,
                        platform="telegram",
                        user_id=user_id,
                        display_name=name,
                        skills=skills,
                        interests="",
                        timezone="Europe/Madrid",
                        hours_per_week=10,
                        onboarded_at=app.clock.now() - timedelta(days=10),
                        matching=True,
                    )
                )
        lines = [
            ("102", "the oracle prices lag on the dashboard again"),
            ("102", "I can rebuild the oracle panel this week"),
            ("103", "oracle deviation alerts should be public"),
            ("103", "here is my oracle notebook"),
            ("103", "Oracle feeds: compare Chainlink and Pyth?"),
            ("101", "gm"),
        ]
        for number, (author, text) in enumerate(lines, start=1):
            await app.events.publish(
                ChatMessage(
                    platform="telegram",
                    space=group,
                    channel=chat,
                    message_id=str(number),
                    author_id=author,
                    author_name=author,
                    text=text,
                    created_at=app.clock.now() - timedelta(hours=number),
                )
            )
        steward = Console(app, Role.STEWARD)
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            ranked = ranking(await steward.say('/match "oracle price dashboard" 5'))
            if len(ranked) == 3 or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)
        names = [name for name, _ in ranked]
        assert names[:2] == ["Zed Vocal", "Abe Quiet"], ranked
        assert "2 messages here, 2 on this subject" in ranked[0][1]
        assert "1 message here" in ranked[1][1] and "on this subject" not in ranked[1][1]
        assert names[2] == "Kim Nodata" and "3 messages here, 3 on this subject" in ranked[2][1]


async def test_forum_posts_count_for_the_member_who_gave_their_forum_username(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    author, writer = [u.username for u in forum.users.values() if u.username != "system"][:2]
    topic = forum.add_topic("Oracle choice for the v2 vaults", raw="Which oracle?", author=author)
    for text in (
        "Our oracle must survive a sequencer outage.",
        "I compared three oracle designs for price feeds last month.",
        "The TWAP oracle lags too much for liquidations.",
    ):
        forum.add_posts(topic.id, raw=text, author=writer)
    discourse = FakeDiscourse(forum, limits=RateLimits.off())
    await discourse.start()
    try:
        forums = {"forums": [{"url": discourse.base_url, "requests_per_minute": 60_000}]}
        settings = make_settings(tmp_path, db_url, debates=forums)
        async with running_app(settings, clock=ManualClock()) as app:
            community_id = (await app.communities.all())[0].id
            async with app.db.transaction() as session:
                session.add(
                    ContributorProfile(
                        community_id=community_id,
                        platform="console",
                        user_id="quill",
                        display_name="Quill",
                        skills=["writing"],
                        timezone="Europe/Madrid",
                        hours_per_week=10,
                        matching=True,
                    )
                )
            monkeypatch.setenv("USER", "quill")  # the console's member is $USER
            quill = Console(app)
            url = f"{discourse.base_url}/u/{writer}/summary"
            saved = await quill.say(f"/profile set forum {url}")
            assert f"Forum: {writer}" in saved, saved
            refused = await quill.say("/profile set forum <@everyone>")
            assert "is not a forum username" in refused
            monkeypatch.setenv("USER", "sam")
            steward = Console(app, Role.STEWARD)
            await steward.say(f"/summarize {discourse.base_url}/t/{topic.slug}/{topic.id}")
            ranked = ranking(await steward.say('/match "oracle price feeds" 5'))
            assert [name for name, _ in ranked] == ["Quill"], ranked
            assert "3 messages here, 3 on this subject" in ranked[0][1]
    finally:
        await discourse.stop()
