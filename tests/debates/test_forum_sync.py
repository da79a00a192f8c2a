"""Discourse ingestion through our client against the fake forum, on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from bot.errors import UpstreamError
from bot.http import HttpClient, HttpPolicy
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.discourse import DiscourseClient
from cogs.debates.forum_sync import EDIT_RECHECK, EDIT_WINDOW, ForumSync, SyncReport
from cogs.debates.models import Post, Source, Thread
from tests.fakes.discourse_forum import Category, Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.support.apps import feature_migrations
from tests.support.clock import ManualClock

POLICY = HttpPolicy(backoff=0.01, allow_private=("127.0.0.1",))


@dataclass
class Setup:
    db: Database
    forum: Forum
    fake: FakeDiscourse
    http: HttpClient
    source: Source
    clock: ManualClock
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

    async def sync(self, full: bool = False, **options: object) -> SyncReport:
        async with self.db.read() as session:
            source = await session.get(Source, self.source.id)
        assert source is not None
        return await ForumSync(self.db, self.client(**options), source, self.clock).run(full)

    def advance(self, delta: timedelta) -> None:
        """Time passes for the forum and for Steward alike."""
        self.forum.now = self.forum.now + delta
        self.clock.advance(delta)

    def paths_since(self, count: int) -> list[str]:
        return [r.path for r in self.fake.requests[count:]]


@asynccontextmanager
async def forum_setup(db_url: str, forum: Forum) -> AsyncIterator[Setup]:
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
            setup = Setup(db, forum, fake, http, source, ManualClock(forum.now))
            yield setup
            for other in setup.others:
                await other.close()
    finally:
        await db.close()
        await fake.stop()
    assert fake.unhandled == []


@pytest.fixture
async def setup(db_url: str) -> AsyncIterator[Setup]:
    async with forum_setup(db_url, generate_forum(seed=0)) as ready:
        yield ready


@pytest.fixture
async def big(db_url: str) -> AsyncIterator[Setup]:
    """A forum whose debate has 2,000 posts over three weeks."""
    async with forum_setup(db_url, generate_forum(seed=0, topics=4, debate_posts=2000)) as ready:
        yield ready


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
    assert report.new == total

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


async def test_a_resync_fetches_what_is_new_and_rechecks_recent_posts_hourly(
    setup: Setup,
) -> None:
    await setup.sync()
    before = len(setup.fake.requests)
    quiet = await setup.sync()
    assert quiet.topics_synced == 0
    assert setup.paths_since(before) == ["/latest.json"], "an unchanged forum costs one request"

    forum = setup.forum
    debate = forum.topics[forum.debate_topic_id or 0]
    setup.advance(timedelta(minutes=30))
    recent = [p for p in debate.posts if p.visible][-25]
    forum.edit_post(recent.id, recent.raw + "\n\nEdit: I now support a 10% cap instead.")
    doomed = [p for p in debate.posts if p.visible][-3]
    forum.delete_post(doomed.id, by="staff")
    setup.advance(timedelta(minutes=5))
    new = forum.add_posts(debate.id, 20)
    before = len(setup.fake.requests)

    report = await setup.sync()

    # The page at the last post holds the 20 new posts; the stream shows the deletion.
    assert (report.new, report.deleted) == (20, 1)
    last = f"/t/{debate.id}/{debate.highest_post_number}.json"
    assert setup.paths_since(before) == ["/latest.json", last]
    posts = await stored_posts(setup.db, debate.id)
    assert posts[str(doomed.id)].deleted
    assert all(str(p.id) in posts for p in new)
    assert not posts[str(recent.id)].text.endswith("10% cap instead."), "not on that page"

    # Within the hour the edit waits; then the posts of the last two days are read again.
    setup.advance(EDIT_RECHECK)
    recheck = await setup.sync()
    # One request per 20 posts written in the last two days, in each topic that has some.
    window = {
        topic_id: [
            p
            for p in forum.topics[topic_id].posts
            if p.visible and p.created_at >= forum.now - EDIT_WINDOW
        ]
        for topic_id in public_posts(forum)
    }
    assert recheck.updated == 1
    assert recheck.rechecked == sum(len(posts) for posts in window.values())
    assert recheck.requests == 1 + sum(math.ceil(len(posts) / 20) for posts in window.values())
    posts = await stored_posts(setup.db, debate.id)
    assert posts[str(recent.id)].text.endswith("I now support a 10% cap instead.")
    before = len(setup.fake.requests)
    await setup.sync()
    assert setup.paths_since(before) == ["/latest.json"], "and not again within the hour"


async def test_one_new_post_costs_two_requests_however_long_the_topic(big: Setup) -> None:
    await big.sync()
    debate = big.forum.topics[big.forum.debate_topic_id or 0]
    recent = [p for p in debate.posts if p.created_at >= big.forum.now - EDIT_WINDOW]
    # Re-reading the last two days at each change cost categories, list, topic and the batches.
    old_cost = 3 + math.ceil(len(recent) / 20)
    assert len(debate.posts) == 2000 and old_cost >= 10

    big.advance(timedelta(minutes=5))
    [new] = big.forum.add_posts(debate.id, 1)
    before = len(big.fake.requests)
    report = await big.sync()

    assert report.new == 1 and report.requests == len(big.fake.requests) - before <= 3
    assert big.paths_since(before) == ["/latest.json", f"/t/{debate.id}/2001.json"]
    assert str(new.id) in await stored_posts(big.db, debate.id)


async def test_an_edit_on_the_last_page_is_stored_with_the_next_post(big: Setup) -> None:
    await big.sync()
    debate = big.forum.topics[big.forum.debate_topic_id or 0]
    big.advance(timedelta(minutes=10))
    edited = big.forum.edit_post(debate.posts[-4].id, "On reflection: a 10% cap, no more.")
    assert edited.version == 2, "a new version, which does not bump the topic"
    big.advance(timedelta(minutes=1))
    big.forum.add_posts(debate.id, 1)

    report = await big.sync()

    assert (report.new, report.updated, report.requests) == (1, 1, 2)
    posts = await stored_posts(big.db, debate.id)
    assert posts[str(edited.id)].text == "On reflection: a 10% cap, no more."
    stored_at = posts[str(edited.id)].updated_at
    assert stored_at.replace(tzinfo=None) == edited.updated_at.replace(tzinfo=None)


async def test_an_edit_to_an_older_post_of_a_quiet_topic_is_caught_within_the_hour(
    big: Setup,
) -> None:
    await big.sync()
    forum = big.forum
    debate = forum.topics[forum.debate_topic_id or 0]
    big.advance(timedelta(minutes=20))
    # Written a day ago, far from the last page; the topic is not bumped by either change.
    older = next(p for p in debate.posts if p.created_at >= forum.now - timedelta(days=1))
    assert older.post_number < len(debate.posts) - 40
    forum.edit_post(older.id, "Edited a day later: I now oppose the whole RFC.")
    spam = next(p for p in debate.posts if p.post_number > older.post_number + 5)
    forum.delete_post(spam.id, by="staff")

    soon = await big.sync()
    assert soon.updated == 0 and soon.requests == 1, "nothing bumped, nothing fetched"

    big.advance(EDIT_RECHECK)
    later = await big.sync()
    assert (later.updated, later.deleted) == (1, 1)
    posts = await stored_posts(big.db, debate.id)
    assert posts[str(older.id)].text == "Edited a day later: I now oppose the whole RFC."
    assert posts[str(spam.id)].deleted


async def test_edits_older_than_the_window_wait_for_a_full_sync(setup: Setup) -> None:
    await setup.sync()
    forum = setup.forum
    debate = forum.topics[forum.debate_topic_id or 0]
    old = debate.posts[40]
    assert old.created_at < forum.now - EDIT_WINDOW
    forum.edit_post(old.id, "A late edit to an old post.")
    setup.advance(EDIT_RECHECK)

    hourly = await setup.sync()
    assert hourly.updated == 0
    full = await setup.sync(full=True)
    assert full.updated == 1
    posts = await stored_posts(setup.db, debate.id)
    assert posts[str(old.id)].text == "A late edit to an old post."


async def test_categories_are_read_once_a_day_or_when_a_topic_names_a_new_one(
    setup: Setup,
) -> None:
    await setup.sync()
    assert setup.fake.request_count("/categories") == 1
    forum = setup.forum
    debate = forum.topics[forum.debate_topic_id or 0]
    async with setup.db.read() as session:
        query = select(Thread.category).where(Thread.external_id == str(debate.id))
        assert (await session.exec(query)).one() == "Proposals", "subcategories are named too"

    setup.advance(timedelta(hours=2))
    forum.add_posts(debate.id, 1)
    await setup.sync()
    assert setup.fake.request_count("/categories") == 1

    forum.categories[10] = Category(10, "Research", "research", "0E76BD", "Papers.", 10)
    topic = forum.add_topic("A research note on staking yields", category_id=10)
    await setup.sync()
    assert setup.fake.request_count("/categories") == 2
    async with setup.db.read() as session:
        query = select(Thread.category).where(Thread.external_id == str(topic.id))
        assert (await session.exec(query)).one() == "Research"

    setup.advance(timedelta(days=1))
    await setup.sync()
    assert setup.fake.request_count("/categories") == 3


async def test_rate_limits_are_honoured_and_the_sync_completes(setup: Setup) -> None:
    setup.fake.burst_429(2, wait_seconds=0.05)
    report = await setup.sync()
    requests = setup.fake.requests
    assert [r.status for r in requests[:3]] == [429, 429, 200]
    # Each retry came only after the wait the forum asked for.
    assert requests[1].at - requests[0].at >= 0.05
    assert requests[2].at - requests[1].at >= 0.05
    expected = public_posts(setup.forum)
    assert report.new == sum(len(ids) for ids in expected.values())


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
