"""/summarize on a forum debate, end to end: the console front end, the fake Discourse, the
real openai client against the local OpenAI-compatible fake, and the store on both databases."""

from __future__ import annotations

import html
import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from cogs.debates.models import Post, Summary
from summarizer.asks import extract_asks
from summarizer.checks import names_an_amount, same_person
from summarizer.schema import DebateSummary
from summarizer.text import prose
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.openai_server import FakeOpenAI, parse_prompt
from tests.summarizer.reference import reference_counter
from tests.support.apps import make_settings, running_app

BUDGET = 8000


@dataclass
class Stack:
    app: App
    forum: Forum
    discourse: FakeDiscourse
    llm: FakeOpenAI

    @property
    def topic_url(self) -> str:
        topic = self.forum.topics[self.forum.debate_topic_id or 0]
        return f"{self.discourse.base_url}/t/{topic.slug}/{topic.id}"

    async def run(self, line: str, role: Role = Role.STEWARD) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()


@pytest.fixture
async def stack(tmp_path: Path, db_url: str) -> AsyncIterator[Stack]:
    forum = generate_forum(seed=0)
    discourse = FakeDiscourse(forum, limits=RateLimits.off())
    await discourse.start()
    llm = FakeOpenAI(count_tokens=reference_counter("gpt-4o-mini"), max_prompt_tokens=BUDGET)
    await llm.start()
    injection = forum.posts_by_id[forum.injection_post_id or 0]
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
    llm.untrusted = {html.escape(injection.raw, quote=False)}
    try:
        async with running_app(settings) as app:
            yield Stack(app, forum, discourse, llm)
    finally:
        await llm.stop()
        await discourse.stop()
    assert llm.violations == [], "every request: within budget, schema asked, posts delimited"


async def test_summarize_a_forum_debate_with_checked_citations(stack: Stack) -> None:
    synced = await stack.run("/sync")
    assert "new posts" in synced

    reply = await stack.run(f"/summarize {stack.topic_url}", Role.MEMBER)

    assert "Debate: " in reply and "TL;DR" in reply
    for heading in ("Positions", "Key arguments", "Open questions"):
        assert heading in reply
    assert "**For**" in reply and "**Against**" in reply
    assert "@everyone" not in reply
    assert re.search(r"gpt-4o-mini · prompt debate-v2 · \d+ posts · \d+ calls", reply)
    kinds = stack.llm.calls_by_kind()
    assert kinds["map"] == 1 and kinds["update"] >= 2, "the debate is larger than the budget"
    assert all(r.prompt_tokens <= BUDGET for r in stack.llm.requests)
    # Links stay out of the prompts; the opening post goes to every later part.
    for request in stack.llm.requests:
        assert "http" not in request.body["messages"][1]["content"]
        assert parse_prompt(request.body).posts[0].id == "1"

    # Every citation points to a stored post that contains the quoted words.
    async with stack.app.db.read() as session:
        summary_row = (await session.exec(select(Summary))).one()
        posts = {f"P{p.id}": p for p in (await session.exec(select(Post))).all()}
    summary = DebateSummary.model_validate(summary_row.content["summary"])
    assert summary.citations()
    for citation in summary.citations():
        text = prose(posts[citation.post_id].text).text
        assert " ".join(citation.quote.split()).lower() in " ".join(text.split()).lower()
    # The model's answer gets the offline summary's checks: the proposer is not against, and the
    # TL;DR says what the proposal asks for.
    opening = min(posts.values(), key=lambda p: p.number or 0)
    proposer = stack.forum.users[stack.forum.posts_by_id[int(opening.external_id)].user_id]
    for position in summary.positions:
        if position.stance == "against":
            assert not any(same_person(h, proposer.username) for h in position.holders)
    assert names_an_amount(summary.tldr, extract_asks(prose(opening.text).own))
    # ... and the reply links each point to those posts.
    linked = {post.url for post in posts.values() if f"]({post.url})" in reply}
    assert linked and linked <= {posts[c.post_id].url for c in summary.citations()}

    usage = await stack.run("/usage")
    assert re.search(
        r"/summarize · gpt-4o-mini: \d+ calls · [\d,]+ prompt \+ [\d,]+ completion", usage
    )
    assert "$" in usage


async def test_resummarizing_after_new_posts_reuses_cached_chunks(stack: Stack) -> None:
    await stack.run("/sync")
    await stack.run(f"/summarize {stack.topic_url}")
    first_tokens = stack.llm.total_prompt_tokens

    stack.forum.advance(minutes=10)
    stack.forum.add_posts(stack.forum.debate_topic_id or 0, 20)
    await stack.run("/sync")
    reply = await stack.run(f"/summarize {stack.topic_url}")

    assert "+20 posts since the last summary" in reply
    assert re.search(r"1 calls, \d+ cached", reply), "one call: the new posts"
    assert stack.llm.total_prompt_tokens - first_tokens < first_tokens / 10


async def test_a_failing_model_falls_back_to_the_offline_summarizer_and_says_so(
    stack: Stack,
) -> None:
    await stack.run("/sync")
    stack.llm.fail_next(500, count=50)
    reply = await stack.run(f"/summarize {stack.topic_url}")
    assert "Extractive summary" in reply
    assert "the language model failed" in reply
    assert "TL;DR" in reply


async def test_a_community_can_switch_model_use_off(stack: Stack) -> None:
    await stack.run("/sync")
    await stack.run("/config set ai off", Role.ADMIN)
    reply = await stack.run(f"/summarize {stack.topic_url}")
    assert "Offline extractive summarizer" in reply
    assert "model use is off for this community" in reply
    assert stack.llm.requests == []


async def test_sources_and_bad_targets(stack: Stack) -> None:
    await stack.run("/sync")
    sources = await stack.run("/sources", Role.MEMBER)
    assert re.search(r"discourse: http://127\.0\.0\.1:\d+: \d+ posts · synced \d{4}-", sources)
    unknown = await stack.run("/summarize https://elsewhere.example/t/x/1", Role.MEMBER)
    assert "is not a forum of this community" in unknown
    not_topic = await stack.run("/summarize https://elsewhere.example/about", Role.MEMBER)
    assert "is not a forum topic URL" in not_topic
    # The generated forum's posts are from 2025: nothing is that recent.
    recent = await stack.run(f"/summarize {stack.topic_url} 1d", Role.MEMBER)
    assert "No messages or posts there in the last 1d; try a longer window." in recent
    bad_since = await stack.run(f"/summarize {stack.topic_url} soon", Role.MEMBER)
    assert "Option `since`: must be a duration like 7d, a date like 2025-04-29" in bad_since
    member_sync = await stack.run("/sync", Role.MEMBER)
    assert "/sync is for stewards only." in member_sync


async def test_forum_add_syncs_a_new_forum_at_once(tmp_path: Path, db_url: str) -> None:
    small = generate_forum(seed=1, topics=2, debate_posts=0)
    fake = FakeDiscourse(small)
    await fake.start()
    try:
        async with running_app(make_settings(tmp_path, db_url)) as app:
            stack = Stack(app, small, fake, FakeOpenAI())
            added = await stack.run(f"/forum add {fake.base_url}")
            assert "Forum added" in added and "new posts" in added
            again = await stack.run(f"/forum add {fake.base_url}")
            assert " 0 new posts" in again, "adding twice stores nothing twice"
    finally:
        await fake.stop()
