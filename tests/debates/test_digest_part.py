"""The debates part of a digest from a forum synced from the fake Discourse: the hottest topics of
the period ranked by new posts and new people, two sentences each with the topic's link, stored
summaries reused, one model call (on the local OpenAI fake) per debate without one, its tokens in
/usage, and the posts per day of the chart."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from bot.digest_parts import DigestPart, DigestRequest, Reader, Section
from cogs.debates.models import Post, Summary
from tests.fakes.discourse_forum import DEFAULT_NOW, Forum, Topic, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.openai_server import FakeOpenAI
from tests.summarizer.reference import reference_counter
from tests.support.apps import make_settings, running_app

BUDGET = 8000
START = DEFAULT_NOW + timedelta(hours=1)  # the period: two days after the forum's history
END = START + timedelta(days=2)
HOT_OPENING = (
    "We propose funding a security audit of the bridge for 40,000 USDC. "
    "The audit would take six weeks and cover both contracts. "
    "Two firms have quoted and we prefer the cheaper one."
)


@dataclass
class Stack:
    app: App
    forum: Forum
    discourse: FakeDiscourse
    llm: FakeOpenAI
    hot: Topic
    warm: Topic
    old: Topic

    def url(self, topic: Topic) -> str:
        return f"{self.discourse.base_url}/t/{topic.slug}/{topic.id}"

    async def run(self, line: str, role: Role = Role.STEWARD) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()

    async def digest(self, *, allow_model: bool = True) -> DigestPart:
        community = await self.app.communities.all()
        request = DigestRequest(
            community[0].id, START, END, Reader("console", "steward"), allow_model=allow_model
        )
        parts = await self.app.digest_parts.gather(request)
        return next(p for p in parts if p.source == "debates")


def people(forum: Forum, count: int, skip: int = 0) -> list[str]:
    return [u.username for u in forum.users.values() if u.id > 0][skip : skip + count]


def add_activity(forum: Forum) -> tuple[Topic, Topic, Topic]:
    """In the period: a hot topic (opening and 7 replies from 6 people, all new to it), a warm
    one (3 posts from 2 people) and one new post in an old topic by someone who wrote there."""
    old = next(
        t
        for t in forum.topics.values()
        if len(t.live_posts) >= 3 and not forum.categories[t.category_id].read_restricted
    )
    old_author = forum.users[old.live_posts[1].user_id].username
    forum.now = START + timedelta(hours=2)
    authors = people(forum, 6)
    hot = forum.add_topic(
        "Bridge security audit", raw=HOT_OPENING, author=authors[0], category_id=old.category_id
    )
    for author in authors[1:4]:
        forum.add_posts(hot.id, author=author, raw=f"I support the audit, {author} here.")
    warm_authors = people(forum, 2, skip=10)
    warm = forum.add_topic(
        "Meeting times",
        raw="Can we move the call to Thursdays? Tuesdays clash with another DAO.",
        author=warm_authors[0],
        category_id=old.category_id,
    )
    forum.now = START + timedelta(days=1, hours=3)
    for author in (*authors[4:], authors[1]):
        forum.add_posts(hot.id, author=author, raw="Ping @everyone: the audit scope needs a vote.")
    forum.add_posts(warm.id, author=warm_authors[1], raw="Thursdays work for me.")
    forum.add_posts(warm.id, author=warm_authors[0], raw="Great, Thursdays it is.")
    forum.add_posts(old.id, author=old_author, raw="A late note on this older thread.")
    forum.now = END + timedelta(hours=5)
    return hot, warm, old


@pytest.fixture
async def stack(tmp_path: Path, db_url: str) -> AsyncIterator[Stack]:
    forum = generate_forum(seed=0, topics=6, debate_posts=0)
    hot, warm, old = add_activity(forum)
    discourse = FakeDiscourse(forum, limits=RateLimits.off())
    await discourse.start()
    llm = FakeOpenAI(count_tokens=reference_counter("gpt-4o-mini"), max_prompt_tokens=BUDGET)
    await llm.start()
    llm.untrusted = {"Ping @everyone: the audit scope needs a vote."}
    settings = make_settings(
        tmp_path,
        db_url,
        llm={
            "api_key": "test-key",
            "base_url": llm.base_url,
            "model": "gpt-4o-mini",
            "context_budget": BUDGET,
            "attempts": 2,
            "timeout": 5,
        },
        debates={"forums": [{"url": discourse.base_url, "requests_per_minute": 60_000}]},
    )
    try:
        async with running_app(settings) as app:
            stack = Stack(app, forum, discourse, llm, hot, warm, old)
            assert "new posts" in await stack.run("/sync")
            yield stack
    finally:
        await llm.stop()
        await discourse.stop()
    assert llm.violations == [], "every request: within budget, schema asked, posts delimited"


def sentences(text: str) -> list[str]:
    said = text.split(". ", 1)[1] if ". " in text else ""
    return [s for s in re.split(r"(?<=[.!?…])\s+(?=[“A-Z])", said) if s]


async def test_offline_the_hottest_topics_rank_first_with_two_sentences_and_links(
    stack: Stack,
) -> None:
    part = await stack.digest(allow_model=False)

    assert stack.llm.requests == [], "no model call when the digest may not use one"
    assert part.model_calls == 0 and part.prompt_tokens == 0
    items = [i for i in part.items if i.section is Section.DEBATES]
    assert [i.url for i in items] == [
        stack.url(stack.hot),
        stack.url(stack.warm),
        stack.url(stack.old),
    ]
    assert "**Bridge security audit** · 7 new posts from 6 people (6 new)." in items[0].text
    assert "3 new posts from 2 people (2 new)." in items[1].text
    assert "1 new post from 1 person (0 new)." in items[2].text
    assert items[0].rank > items[1].rank > items[2].rank
    for item in items:
        assert 1 <= len(sentences(item.text)) <= 2, item.text
    # Offline, the sentences are the posts' own words or the offline summary's, never a ping.
    assert "@everyone" not in " ".join(i.text for i in items)
    assert "Thursdays" in items[1].text


async def test_activity_counts_the_posts_of_each_day(stack: Stack) -> None:
    part = await stack.digest(allow_model=False)

    (series,) = part.series
    assert series.chart == "activity" and series.unit == "posts"
    assert series.label == stack.discourse.base_url.split("//")[1]
    async with stack.app.db.read() as session:
        days = (
            await session.exec(
                select(func.date(Post.created_at), func.count(col(Post.id)))
                .where(Post.created_at >= START, Post.created_at < END)
                .group_by(func.date(Post.created_at))
            )
        ).all()
    expected = {datetime.fromisoformat(str(d)[:10]).date(): n for d, n in days}
    got = {when.date(): int(count) for when, count in series.points}
    assert [when.tzinfo for when, _ in series.points] == [UTC] * len(series.points)
    assert got == {d: expected.get(d, 0) for d in got}
    assert sum(got.values()) == 11 and len(got) == 3, "every day of the period, empty ones too"


async def test_stored_summaries_are_reused_and_others_cost_one_call_each(stack: Stack) -> None:
    await stack.run(f"/summarize {stack.url(stack.hot)}")
    async with stack.app.db.read() as session:
        stored = (await session.exec(select(Summary))).one()
    tldr = str(stored.content["summary"]["tldr"])  # type: ignore[index]
    before = len(stack.llm.requests)

    part = await stack.digest()

    calls = stack.llm.requests[before:]
    assert len(calls) == 2 == part.model_calls, "one call for each debate without a summary"
    prompts = [r.body["messages"][1]["content"] for r in calls]
    assert any("Meeting times" in p for p in prompts) and not any("Bridge" in p for p in prompts)
    assert part.prompt_tokens == sum(r.prompt_tokens for r in calls) > 0
    assert part.completion_tokens > 0
    hot = part.items[0]
    first = re.split(r"(?<=[.!?])\s+", " ".join(tldr.split()))[0]
    assert first[:60] in hot.text, "the hot topic says its stored summary's TL;DR"

    usage = await stack.run("/usage")
    assert re.search(r"/digest · gpt-4o-mini: 2 calls · [\d,]+ prompt", usage), usage

    again = await stack.digest()
    assert len(stack.llm.requests) == before + 2, "the summaries made are stored and reused"
    assert again.model_calls == 0
    assert [i.text for i in again.items] == [i.text for i in part.items]


async def test_no_model_call_when_the_community_turned_model_use_off(stack: Stack) -> None:
    said = await stack.run("/config set ai off", Role.ADMIN)
    assert "off" in said, said

    part = await stack.digest()

    assert stack.llm.requests == [] and part.model_calls == 0
    assert len(part.items) == 3 and all(". " in i.text for i in part.items)
