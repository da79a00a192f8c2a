"""The proposals part of a digest, built from what the followers stored: Snapshot votes from the
fake hub (polled by the real follower, voters recorded by the real job), drafts made with
/draft new from a topic of the fake Discourse and edited from the console; on both databases."""

from __future__ import annotations

import io
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.digest_parts import DigestItem, DigestPart, DigestRequest, Reader, Section
from cogs.proposals.digest_part import ProposalsDigest
from cogs.proposals.runtime import Proposals
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.snapshot import FakeSnapshot
from tests.support.apps import make_settings, running_app

HOUR = 3600
DAY = 24 * HOUR
VOTER = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
OTHER = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
THIRD = "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB"
ME = os.environ.get("USER", "you")  # the console's caller


@dataclass
class Stack:
    app: App
    hub: FakeSnapshot
    forum: Forum
    topic_url: str

    @property
    def proposals(self) -> Proposals:
        runtime = self.app.runtimes["proposals"]
        assert isinstance(runtime, Proposals)
        return runtime

    async def run(self, line: str) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()

    async def poll(self) -> None:
        self.hub.now = time.time()
        await self.proposals.votes.snapshot.poll("local")
        await self.proposals.digest_votes.record("local")

    async def request(self, reader: Reader, *, days: int = 7) -> DigestRequest:
        community = await self.app.communities.by_slug("local")
        assert community is not None
        end = datetime.now(UTC)
        return DigestRequest(community.id, end - timedelta(days=days), end, reader)

    async def part(self, reader: Reader) -> DigestPart:
        """The part as the digests feature gathers it, through the registry."""
        parts = await self.app.digest_parts.gather(await self.request(reader))
        (part,) = [p for p in parts if p.source == "proposals"]
        assert part.problems == ()
        return part


MEMBER = Reader("console", ME, (VOTER,))
CHANNEL = Reader("console")


@pytest.fixture
async def stack(tmp_path: Path, db_url: str) -> AsyncIterator[Stack]:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    author = next(u.username for u in forum.users.values() if u.username != "system")
    topic = forum.add_topic(
        "[Grant] Fund the documentation sprint",
        raw="We request 12,000 USDC for a documentation sprint. Two writers, one month.",
        author=author,
    )
    discourse = FakeDiscourse(forum, limits=RateLimits.off())
    await discourse.start()
    try:
        async with FakeSnapshot(now=time.time()) as hub:
            hub.add_space("dao.eth")
            settings = make_settings(
                tmp_path,
                db_url,
                debates={"forums": [{"url": discourse.base_url, "requests_per_minute": 60_000}]},
                proposals={
                    "snapshot": {"hub_url": hub.url, "spaces": {"local": ["dao.eth"]}},
                    "votes": {"poll_seconds": 3600},
                },
            )
            async with running_app(settings) as app:
                url = f"{discourse.base_url}/t/{topic.slug}/{topic.id}"
                yield Stack(app, hub, forum, url)
    finally:
        await discourse.stop()


def section(part: DigestPart, which: Section) -> list[DigestItem]:
    return [item for item in part.items if item.section is which]


async def test_votes_opened_and_closed_with_results_and_quorum(stack: Stack) -> None:
    now = time.time()
    hub = stack.hub
    passed = hub.add_proposal(
        "dao.eth",
        title="Fund the docs sprint",
        start=int(now - 3 * DAY),
        end=int(now + DAY),
        quorum=100.0,
    )
    short = hub.add_proposal(
        "dao.eth",
        title="Rename the DAO @everyone",
        start=int(now - 3 * DAY),
        end=int(now + DAY),
        quorum=500.0,
    )
    still_open = hub.add_proposal(
        "dao.eth", title="Hire an auditor", start=int(now - 2 * DAY), end=int(now + 5 * DAY)
    )
    old = hub.add_proposal(
        "dao.eth", title="Last month's vote", start=int(now - 40 * DAY), end=int(now + DAY)
    )
    await stack.poll()  # all seen while active
    for proposal, scores in ((passed, [80.0, 30.0, 0.0]), (short, [10.0, 90.0, 0.0])):
        proposal["end"] = int(now - DAY)
        hub.set_scores(proposal["id"], scores, final=True)
    old["end"] = int(now - 20 * DAY)
    hub.set_scores(old["id"], [5.0, 0.0, 0.0], final=True)
    await stack.poll()

    part = await stack.part(CHANNEL)
    votes = {item.key: item for item in section(part, Section.VOTES)}
    assert set(votes) == {
        f"proposals:closed:snapshot:{passed['id']}",
        f"proposals:closed:snapshot:{short['id']}",
        f"proposals:opened:snapshot:{still_open['id']}",
    }
    won = votes[f"proposals:closed:snapshot:{passed['id']}"]
    assert "Passed: For 73%" in won.text and "(For 73%, Against 27%, Abstain 0%)" in won.text
    assert "Quorum reached (110 of 100)" in won.text
    assert won.url == passed["link"]
    lost = votes[f"proposals:closed:snapshot:{short['id']}"]
    assert "No quorum: 100 of 500 needed" in lost.text and "(For 10%, Against 90%" in lost.text
    assert "@everyone" not in lost.text and "@\u200beveryone" in lost.text
    opened = votes[f"proposals:opened:snapshot:{still_open['id']}"]
    assert "Voting opened on **Hire an auditor**" in opened.text and "ends in 4 days" in opened.text
    (coming,) = section(part, Section.COMING_UP)
    assert coming.key == f"proposals:ending:snapshot:{still_open['id']}"
    assert coming.url == still_open["link"]
    assert section(part, Section.NEEDS_YOU) == []


async def test_a_vote_ending_soon_needs_the_member_until_their_wallet_votes(stack: Stack) -> None:
    now = time.time()
    proposal = stack.hub.add_proposal(
        "dao.eth", title="Fund the docs sprint", start=int(now - DAY), end=int(now + 20 * HOUR)
    )
    stack.hub.add_vote(proposal["id"], OTHER, choice=1, vp=10.0)
    await stack.poll()
    key = f"snapshot:{proposal['id']}"

    (needed,) = section(await stack.part(MEMBER), Section.NEEDS_YOU)
    assert needed.key == f"proposals:vote:{key}" and needed.url == proposal["link"]
    assert "ends in 19 h" in needed.text and "0x5aAe…eAed" in needed.text

    # A channel's digest names nobody: the vote is only coming up.
    channel = await stack.part(CHANNEL)
    assert section(channel, Section.NEEDS_YOU) == []
    assert [i.key for i in section(channel, Section.COMING_UP)] == [f"proposals:ending:{key}"]

    stack.hub.add_vote(proposal["id"], VOTER.lower(), choice=2, vp=5.0)
    await stack.poll()
    voted = await stack.part(MEMBER)
    assert section(voted, Section.NEEDS_YOU) == []
    assert [i.key for i in section(voted, Section.COMING_UP)] == [f"proposals:ending:{key}"]
    # Another member whose wallet has not voted still sees it.
    other = await stack.part(Reader("console", "someone", (THIRD,)))
    assert [i.key for i in section(other, Section.NEEDS_YOU)] == [f"proposals:vote:{key}"]


async def test_a_failing_draft_needs_its_author_and_its_timeline_is_coming_up(
    stack: Stack,
) -> None:
    made = await stack.run(f"/draft new {stack.topic_url}")
    assert "New draft #1" in made, made
    today = datetime.now(UTC).date()
    soon, later, past = (
        today + timedelta(days=3),
        today + timedelta(days=12),
        today - timedelta(days=2),
    )
    far = today + timedelta(days=90)
    timeline = (
        f"- {soon.isoformat()}: first chapters\\n"
        f"- {later:%B} {later.day}: all chapters reviewed\\n"
        f"- {past.day} {past:%B %Y}: kickoff\\n"
        f"- {far.isoformat()}: retrospective\\n- Q3: maybe a second sprint"
    )
    edited = await stack.run(f'/draft edit timeline "{timeline}"')
    assert "version 2" in edited.lower() or "Draft #1" in edited, edited

    part = await stack.part(MEMBER)
    (failing,) = section(part, Section.NEEDS_YOU)
    assert failing.key == "proposals:draft:1" and failing.url == stack.topic_url
    assert "Your draft #1" in failing.text and "fails the sections check" in failing.text
    assert "still has a TODO" in failing.text and "/draft check id=1" in failing.text

    deadlines = [
        i for i in section(part, Section.COMING_UP) if i.key.startswith("proposals:deadline")
    ]
    assert [i.key for i in deadlines] == [
        f"proposals:deadline:1:{soon.isoformat()}",
        f"proposals:deadline:1:{later.isoformat()}",
    ]
    assert deadlines[0].text.startswith(f"{soon:%b} {soon.day}, from the timeline of draft #1")
    assert deadlines[1].text.startswith(f"{later:%b} {later.day}, from the timeline of draft #1")
    assert deadlines[0].at == datetime(soon.year, soon.month, soon.day, 12, tzinfo=UTC)
    assert "first chapters" in deadlines[0].text and deadlines[0].url == stack.topic_url

    # Someone else's digest has the timeline but not the draft's problems.
    others = await stack.part(Reader("console", "someone", (OTHER,)))
    assert section(others, Section.NEEDS_YOU) == []
    assert len([i for i in section(others, Section.COMING_UP) if "deadline" in i.key]) == 2


async def test_twenty_proposals_take_a_few_queries(stack: Stack) -> None:
    now = time.time()
    for number in range(20):
        stack.hub.add_proposal(
            "dao.eth",
            title=f"Proposal {number}",
            start=int(now - 3 * DAY),
            end=int(now + (number + 1) * 5 * HOUR),
            quorum=10.0,
        )
    await stack.poll()
    await stack.run(f"/draft new {stack.topic_url}")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = stack.app.db.engine.sync_engine
    request = await stack.request(MEMBER)
    event.listen(engine, "before_cursor_execute", count)
    try:
        part = await ProposalsDigest(stack.proposals).digest_part(request)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(section(part, Section.NEEDS_YOU)) == 10  # 9 votes within 48 h, and the draft
    assert len(section(part, Section.VOTES)) == 20
    assert 1 <= len(statements) <= 6, statements
