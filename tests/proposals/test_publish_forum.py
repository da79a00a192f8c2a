"""Publishing a draft to the fake Discourse: the key headers, the category, once only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bot.app import App
from bot.errors import UpstreamError
from cogs.proposals.publish_forum import ForumRefused
from cogs.proposals.publish_models import Publication
from cogs.proposals.publish_service import AlreadyPublished, Publisher, PublishingService
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.support.apps import make_settings, running_app

KEY = "forum-write-key"
TITLE = "Fund the documentation sprint"
BODY = "## Summary\n\nPay two writers for a month: 12,000 USDC.\n"


@pytest.fixture
def forum() -> Forum:
    return generate_forum(seed=1)


@pytest_asyncio.fixture
async def discourse(forum: Forum) -> AsyncIterator[FakeDiscourse]:
    fake = FakeDiscourse(forum, api_keys={KEY: None}, limits=RateLimits.off())
    await fake.start()
    yield fake
    await fake.stop()


@pytest_asyncio.fixture
async def app(
    tmp_path: Path, db_url: str, discourse: FakeDiscourse, forum: Forum
) -> AsyncIterator[App]:
    governance = forum.category_by_slug("governance")
    assert governance is not None
    proposals = {
        "forum": {
            "url": discourse.base_url,
            "api_key_env": "FORUM_KEY",
            "api_username": "system",
            "categories": {"local": governance.id},
        }
    }
    settings = make_settings(tmp_path, db_url, {"FORUM_KEY": KEY}, proposals=proposals)
    async with running_app(settings) as running:
        yield running


async def publisher(app: App) -> Publisher:
    community = await app.communities.by_slug("local")
    assert community is not None
    return Publisher(community.id, "local", "console:steward")


def service(app: App) -> PublishingService:
    publishing = app.runtimes["proposals"].publishing.service
    assert isinstance(publishing, PublishingService)
    return publishing


async def test_a_draft_becomes_a_topic_with_the_key_headers_and_only_once(
    app: App, discourse: FakeDiscourse, forum: Forum
) -> None:
    who = await publisher(app)
    published = await service(app).publish_forum(who, 7, 3, TITLE, BODY)
    (sent,) = [r for r in discourse.requests if r.method == "POST"]
    assert sent.path == "/posts.json" and sent.username == "system"
    assert sent.headers["Api-Key"] == "[redacted]" and sent.headers["Api-Username"] == "system"
    (params,) = discourse.created_topics
    topic = forum.topics[int(published.external_id)]
    assert topic.title == TITLE and topic.posts[0].raw == BODY
    assert params["category"] == topic.category_id
    assert forum.categories[topic.category_id].slug == "governance"
    assert published.url == f"{discourse.base_url}/t/{topic.slug}/{topic.id}"
    assert (published.draft_id, published.draft_version, published.target) == (7, 3, "forum")

    with pytest.raises(AlreadyPublished) as again:
        await service(app).publish_forum(who, 7, 4, TITLE, BODY)
    assert published.url in str(again.value)
    assert len(discourse.created_topics) == 1


async def test_the_forums_refusal_is_shown_in_its_words_and_frees_the_draft(
    app: App, discourse: FakeDiscourse, forum: Forum
) -> None:
    who = await publisher(app)
    with pytest.raises(ForumRefused) as refused:
        await service(app).publish_forum(who, 8, 1, "Too short", "tiny")
    assert str(refused.value) == (
        "The forum refused the topic: Title is too short (minimum is 15 characters); "
        "Body is too short (minimum is 20 characters)"
    )
    assert await service(app).publication(who.community_id, 8, "forum") is None
    published = await service(app).publish_forum(who, 8, 2, TITLE, BODY)
    assert isinstance(published, Publication) and published.url


async def test_a_rate_limited_forum_is_not_retried_and_the_draft_stays_free(
    app: App, discourse: FakeDiscourse
) -> None:
    who = await publisher(app)
    discourse.burst_429(1, wait_seconds=0.1)
    with pytest.raises(UpstreamError) as failed:
        await service(app).publish_forum(who, 9, 1, TITLE, BODY)
    assert failed.value.service == "the forum" and "429" in str(failed.value)
    assert discourse.created_topics == []  # one request, refused; no retry behind our back
    assert await service(app).publication(who.community_id, 9, "forum") is None
    published = await service(app).publish_forum(who, 9, 1, TITLE, BODY)
    assert published.url and len(discourse.created_topics) == 1
