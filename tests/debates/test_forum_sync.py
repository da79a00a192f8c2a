"""Discourse ingestion through our client against the fake forum, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.errors import UpstreamError
from bot.http import HttpClient, HttpPolicy
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.discourse import DiscourseClient
from cogs.debates.forum_sync import ForumSync
from cogs.debates.models import Post, Source, Thread
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.support.apps import feature_migrations

POLICY = HttpPolicy(backoff=0.01, allow_private=("127.0.0.1",))


@dataclass
class Setup:
    db: Database
    forum: Forum
    fake: FakeDiscourse
    http: HttpClient
    source: Source
    others: list[HttpClient] = field(default_factory=list)

    def client(self, attempts: int | None = None, **options: object) -> DiscourseClient:
        """A client on the shared HTTP policy; `attempts` makes one with fewer tries."""
        http = self.http
        if attempts is not None:
            http = HttpClient(replace(POLICY, attempts=attempts))
            self.others.append(http)
        defaults: dict[str, object] = {"requests_per_minute": 60_000}
        defaults.update(options)
        return DiscourseClient(self.fake.base_url, http, **defaults)  # type: ignore[arg-type]

    async def sync(self, **options: object) -> object:
        async with self.db.read() as session:
            source = await session.get(Source, self.source.id)
        assert source is not None
        return await ForumSync(self.db, self.client(**options), source).run()


@pytest.fixture
async def setup(db_url: str) -> AsyncIterator[Setup]:
    forum = generate_forum(seed=0)
    fake = FakeDiscourse(forum, limits=RateLimits.off())
    await fake.start()
    db = Database(db_url)
    await db.migrate(feature_migrations())
    from bot.commands.community import CORE_SETTINGS, CommunityService

    await CommunityService(db, [], CORE_SETTINGS).sync_configured("local")
    async with db.transaction() as session:
        source = await store.ensure_source(session, 1, "discourse", fake.base_url, "forum")
    try:
        async with HttpClient(POLICY) as http:
            setup = Setup(db, forum, fake, http, source)
            yield setup
            for other in setup.others:
                await other.close()
    finally:
        await db.close()
        await fake.stop()
    assert fake.unhandled == []


async def stored_posts(db: Database, topic_id: int) -> dict[str, Post]:
    async with db.read() as session:
        query = (
            select(Post)
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .where(Thread.external_id == str(topic_id))
        )
        return {p.external_id: p for p in (await session.exec(query)).all()}


def public_posts(forum: Forum) -> dict[int, list[int]]:
    """What an anonymous reader of /latest sees; like Discourse, /latest leaves out the
    "About the … category" definition topics."""
    return {
        topic.id: [p.id for p in topic.posts if p.visible]
        for topic in forum.topics.values()
        if forum.can_see_topic(topic, None) and not topic.is_definition
    }


async def test_a_first_sync_stores_every_public_post_once(setup: Setup) -> None:
    report = await setup.sync()

    expected = public_posts(setup.forum)
    async with setup.db.read() as session:
        total = (await session.exec(select(func.count(col(Post.id))))).one()
        threads = (await session.exec(select(Thread.external_id))).all()
    assert total == sum(len(ids) for ids in expected.values())
    assert sorted(int(t) for t in threads) == sorted(expected)
    assert report.new == total  # type: ignore[attr-defined]

    debate = setup.forum.topics[setup.forum.debate_topic_id]
    posts = await stored_posts(setup.db, debate.id)
    assert len(posts) == len([p for p in debate.posts if p.visible]) >= 590
    liked = max((p for p in debate.posts if p.visible), key=lambda p: p.likes)
    assert posts[str(liked.id)].likes >= liked.likes > 0
    quoting = next(p for p in debate.posts if p.visible and p.quotes)
    assert " wrote:" in posts[str(quoting.id)].text
    replying = next(p for p in debate.posts if p.visible and p.reply_to_post_number)
    assert posts[str(replying.id)].reply_to == str(replying.reply_to_post_number)
    # Long topics: the first 20 posts come with the topic, the rest in batches of 20.
    batches = setup.fake.request_count(f"/t/{debate.id}/posts")
    assert batches == -(-(len(posts) - 20) // 20)


async def test_a_resync_fetches_only_what_is_new_or_edited(setup: Setup) -> None:
    await setup.sync()
    before = len(setup.fake.requests)
    quiet = await setup.sync()
    assert quiet.topics_synced == 0  # type: ignore[attr-defined]
    assert len(setup.fake.requests) - before <= 3, "an unchanged forum costs a list page or two"

    forum = setup.forum
    debate = forum.topics[forum.debate_topic_id]
    forum.advance(minutes=30)
    recent = [p for p in debate.posts if p.visible][-5]
    forum.edit_post(recent.id, recent.raw + "\n\nEdit: I now support a 10% cap instead.")
    doomed = [p for p in debate.posts if p.visible][-3]
    forum.delete_post(doomed.id, by="staff")
    forum.advance(minutes=5)
    new = forum.add_posts(debate.id, 20)
    before = len(setup.fake.requests)

    report = await setup.sync()

    assert report.new == 20  # type: ignore[attr-defined]
    assert report.updated >= 1 and report.deleted == 1  # type: ignore[attr-defined]
    assert len(setup.fake.requests) - before <= 8
    posts = await stored_posts(setup.db, debate.id)
    assert posts[str(recent.id)].text.endswith("I now support a 10% cap instead.")
    assert posts[str(doomed.id)].deleted
    assert all(str(p.id) in posts for p in new)


async def test_rate_limits_are_honoured_and_the_sync_completes(setup: Setup) -> None:
    setup.fake.burst_429(2, wait_seconds=0.05)
    report = await setup.sync()
    requests = setup.fake.requests
    assert [r.status for r in requests[:3]] == [429, 429, 200]
    # Each retry came only after the wait the forum asked for.
    assert requests[1].at - requests[0].at >= 0.05
    assert requests[2].at - requests[1].at >= 0.05
    expected = public_posts(setup.forum)
    assert report.new == sum(len(ids) for ids in expected.values())  # type: ignore[attr-defined]


async def test_an_interrupted_sync_resumes_where_it_stopped(setup: Setup) -> None:
    # Fail in the middle of the listing, newest first as /latest serves it.
    listed = sorted(public_posts(setup.forum), key=lambda t: setup.forum.topics[t].bumped_at)
    middle = listed[len(listed) // 2]
    setup.fake.fail_next(f"/t/{middle}.json", status=503, count=50)
    with pytest.raises(UpstreamError, match="503"):
        await setup.sync(attempts=2)
    async with setup.db.read() as session:
        done = (await session.exec(select(Thread.external_id, Thread.bumped_at))).all()
    finished = {external_id for external_id, bumped in done if bumped is not None}
    assert finished, "topics before the failure were committed"

    setup.fake.clear_faults()
    counts_before = {t: setup.fake.request_count(f"/t/{t}.json") for t in finished}
    await setup.sync()

    for topic_id in finished:
        assert setup.fake.request_count(f"/t/{topic_id}.json") == counts_before[topic_id], (
            "a finished topic is not fetched again"
        )
    expected = public_posts(setup.forum)
    async with setup.db.read() as session:
        total = (await session.exec(select(func.count(col(Post.id))))).one()
    assert total == sum(len(ids) for ids in expected.values()), "nothing lost, nothing twice"


async def test_an_unreachable_forum_is_a_clear_upstream_error(setup: Setup, tmp_path: Path) -> None:
    async with HttpClient(replace(POLICY, attempts=2)) as http:
        client = DiscourseClient("http://127.0.0.1:9", http)
        with pytest.raises(UpstreamError, match="forum"):
            await client.latest(0)


async def test_a_forum_can_be_limited_to_some_categories(setup: Setup) -> None:
    async with setup.db.transaction() as session:
        source = await session.get(Source, setup.source.id)
        assert source is not None
        source.options = {"categories": ["treasury"]}
    await setup.sync()

    treasury = setup.forum.category_by_slug("treasury")
    assert treasury is not None
    expected = {
        t for t in public_posts(setup.forum) if setup.forum.topics[t].category_id == treasury.id
    }
    async with setup.db.read() as session:
        threads = {int(t) for t in (await session.exec(select(Thread.external_id))).all()}
    assert expected and threads == expected
