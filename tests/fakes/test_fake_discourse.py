"""The fake Discourse, driven with a plain aiohttp client the way a forum ingester would."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.fakes.discourse_forum import (
    DELETED_BY_AUTHOR,
    INJECTION_TEXT,
    Forum,
    Topic,
    generate_forum,
    iso,
)
from tests.fakes.discourse_server import FakeDiscourse, RateLimits

JSON = dict[str, Any]
STAFF = {"Api-Key": "key", "Api-Username": "system"}
ACCEPT_JSON = {"Accept": "application/json"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

# Field names of a post in /t/{id}.json, as in the recorded response of a real Discourse
# (reference/discourse-api/t_2108_post_452.json), leaving out the solved and voting plugins'.
REAL_TOPIC_POST_KEYS = frozenset(
    {
        "id", "name", "username", "avatar_template", "created_at", "cooked", "post_number",
        "post_type", "posts_count", "updated_at", "reply_count", "reply_to_post_number",
        "quote_count", "incoming_link_count", "reads", "readers_count", "score", "yours",
        "topic_id", "topic_slug", "display_username", "primary_group_name", "flair_name",
        "flair_url", "flair_bg_color", "flair_color", "flair_group_id", "badges_granted",
        "version", "can_edit", "can_delete", "can_recover", "can_see_hidden_post", "can_wiki",
        "read", "user_title", "bookmarked", "actions_summary", "moderator", "admin", "staff",
        "user_id", "hidden", "trust_level", "deleted_at", "user_deleted", "edit_reason",
        "can_view_edit_history", "wiki", "mentioned_users", "post_url",
    }
)  # fmt: skip
# /posts.json items add these (reference/discourse-api/posts.json) and drop "read".
REAL_LATEST_POST_EXTRA = frozenset(
    {"topic_title", "topic_html_title", "category_id", "raw", "excerpt", "truncated"}
)
REAL_TOPIC_KEYS = frozenset(
    {
        "post_stream", "timeline_lookup", "tags", "tags_descriptions", "fancy_title", "id",
        "title", "posts_count", "created_at", "views", "reply_count", "like_count",
        "last_posted_at", "visible", "closed", "archived", "has_summary", "archetype", "slug",
        "category_id", "word_count", "deleted_at", "user_id", "featured_link", "pinned_globally",
        "pinned_at", "pinned_until", "image_url", "slow_mode_seconds", "draft", "draft_key",
        "draft_sequence", "unpinned", "pinned", "current_post_number", "highest_post_number",
        "deleted_by", "actions_summary", "expandable_first_post", "chunk_size", "bookmarked",
        "topic_timer", "message_bus_last_id", "participant_count", "show_read_indicator",
        "thumbnails", "slow_mode_enabled_until", "details", "bookmarks",
    }
)  # fmt: skip


class ManualClock:
    """The server's rate-limit clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def forum() -> Forum:
    return generate_forum(seed=0)


@pytest_asyncio.fixture
async def fake(forum: Forum) -> AsyncIterator[FakeDiscourse]:
    server = FakeDiscourse(forum, api_keys={"key": "system"}, limits=RateLimits.off())
    await server.start()
    yield server
    await server.stop()


@pytest_asyncio.fixture
async def http(fake: FakeDiscourse) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(fake.base_url) as session:
        yield session


async def get(
    http: aiohttp.ClientSession,
    path: str,
    *,
    params: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    status: int = 200,
) -> JSON:
    async with http.get(path, params=params, headers=headers) as response:
        assert response.status == status, await response.text()
        body: JSON = await response.json()
        return body


def public_topics(forum: Forum) -> list[Topic]:
    return [
        t
        for t in forum.topics.values()
        if not t.is_definition and not forum.categories[t.category_id].read_restricted
    ]


def council_topic(forum: Forum) -> Topic:
    council = forum.category_by_slug("council")
    assert council is not None
    return next(t for t in forum.topics.values() if t.category_id == council.id)


def debate(forum: Forum) -> Topic:
    assert forum.debate_topic_id is not None
    return forum.topics[forum.debate_topic_id]


# ----- lists -------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_latest_paging_follows_more_topics_url_and_sees_each_public_topic_once(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    seen: list[int] = []
    bumped: list[str] = []
    url: str | None = "/latest.json?per_page=5"
    while url is not None:
        # The next-page URLs come without .json, so ask for JSON the way the docs say.
        data = await get(http, url, headers=ACCEPT_JSON)
        topic_list = data["topic_list"]
        topics = topic_list["topics"]
        seen += [t["id"] for t in topics]
        bumped += [t["bumped_at"] for t in topics]
        poster_ids = {p["user_id"] for t in topics for p in t["posters"]}
        assert poster_ids <= {u["id"] for u in data["users"]}
        url = topic_list.get("more_topics_url")
        if url is not None:
            assert len(topics) == topic_list["per_page"] == 5  # only full pages link onwards
            assert url.startswith("/latest?") and ".json" not in url
            assert "per_page=5" in url and "no_definitions=true" in url
    assert len(seen) == len(set(seen))
    assert set(seen) == {t.id for t in public_topics(forum)}
    assert bumped == sorted(bumped, reverse=True)


@pytest.mark.asyncio
async def test_category_lists_include_subcategories_and_page_the_same_way(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    governance = forum.category_by_slug("governance")
    proposals = forum.category_by_slug("proposals")
    assert governance is not None and proposals is not None
    ids: list[int] = []
    url: str | None = f"/c/governance/{governance.id}.json?per_page=2"
    while url is not None:
        data = await get(http, url, headers=ACCEPT_JSON)
        ids += [t["id"] for t in data["topic_list"]["topics"]]
        url = data["topic_list"].get("more_topics_url")
    assert ids[0] == governance.definition_topic_id  # the "About" topic is pinned first
    expected = {
        t.id for t in forum.topics.values() if t.category_id in (governance.id, proposals.id)
    }
    assert set(ids) == expected and len(ids) == len(expected)

    categories = await get(http, "/categories.json")
    slugs = [c["slug"] for c in categories["category_list"]["categories"]]
    assert "governance" in slugs and "proposals" not in slugs  # subcategories are nested
    gov = next(c for c in categories["category_list"]["categories"] if c["slug"] == "governance")
    assert gov["subcategory_ids"] == [proposals.id]


# ----- the 600-post debate -----------------------------------------------------------------------


@pytest.mark.asyncio
async def test_big_topic_first_chunk_then_the_rest_by_post_ids(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    topic = debate(forum)
    data = await get(http, f"/t/{topic.id}.json")
    assert data.keys() >= REAL_TOPIC_KEYS
    stream: list[int] = data["post_stream"]["stream"]
    first = data["post_stream"]["posts"]
    assert len(stream) == 600 == data["posts_count"] == data["highest_post_number"]
    assert stream == [p.id for p in topic.posts]
    assert [p["id"] for p in first] == stream[:20] and data["chunk_size"] == 20
    assert "suggested_topics" not in data  # Discourse leaves them out while a next page exists

    fetched: dict[int, JSON] = {p["id"]: p for p in first}
    missing = [post_id for post_id in stream if post_id not in fetched]
    for start in range(0, len(missing), 20):
        batch = missing[start : start + 20]
        params = [("post_ids[]", str(i)) for i in batch] + [("include_raw", "true")]
        page = await get(http, f"/t/{topic.id}/posts.json", params=params)
        assert page.keys() == {"post_stream", "id"} and page["id"] == topic.id
        posts = page["post_stream"]["posts"]
        assert [p["id"] for p in posts] == batch
        fetched.update((p["id"], p) for p in posts)
    assert sorted(fetched) == sorted(stream)
    for post_id, post in fetched.items():
        truth = forum.posts_by_id[post_id]
        assert post["post_number"] == truth.post_number
        assert post["cooked"] == truth.cooked
        if "raw" in post:
            assert post["raw"] == truth.raw
    assert "raw" not in first[0]  # only with include_raw


@pytest.mark.asyncio
async def test_a_topic_read_at_its_last_post_has_its_last_chunk_and_the_whole_stream(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    """GET /t/{id}/{post_number}.json, as reference/discourse-api/t_2108_post_452.json shows
    it: the topic with the 20 posts up to that number and the ids of all its posts. A sync
    reads a changed topic this way to get its new posts and the stream in one request."""
    topic = debate(forum)
    forum.advance(minutes=5)
    forum.add_posts(topic.id, 3)
    edited = forum.edit_post(topic.posts[-6].id, "Edited after the fact, with a new stance.")
    highest = topic.highest_post_number

    data = await get(http, f"/t/{topic.id}/{highest}.json")

    assert data.keys() >= REAL_TOPIC_KEYS
    assert data["current_post_number"] == highest == data["highest_post_number"] == 603
    posts = data["post_stream"]["posts"]
    assert [p["post_number"] for p in posts] == list(range(highest - 19, highest + 1))
    assert data["post_stream"]["stream"] == [p.id for p in topic.posts]
    # Each post says which version it is, so an edit on this page is seen without more.
    shown = next(p for p in posts if p["id"] == edited.id)
    assert shown["version"] == 2 and shown["updated_at"] == iso(edited.updated_at)
    assert shown["cooked"] == edited.cooked
    # A number past the end (or a slug-less path) still answers with the last chunk.
    beyond = await get(http, f"/t/{topic.id}/99999999.json")
    assert [p["id"] for p in beyond["post_stream"]["posts"]] == [p["id"] for p in posts]


@pytest.mark.asyncio
async def test_posts_carry_quotes_likes_and_reactions_in_the_real_shapes(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    topic = debate(forum)
    quoting = next(p for p in topic.posts if p.quotes and p.reply_to_post_number)
    username, number, topic_id = quoting.quotes[0]
    post = await get(http, f"/posts/{quoting.id}.json")
    assert post.keys() >= REAL_TOPIC_POST_KEYS - {"read"}
    assert f'[quote="{username}, post:{number}, topic:{topic_id}"]' in post["raw"]
    aside = (
        f'<aside class="quote no-group" data-username="{username}" data-post="{number}" '
        f'data-topic="{topic_id}">\n<div class="title">\n<div class="quote-controls"></div>\n'
    )
    assert aside in post["cooked"] and "<blockquote>\n<p>" in post["cooked"]
    assert post["quote_count"] == 1
    assert quoting.reply_to_post_number is not None
    replied = topic.posts[quoting.reply_to_post_number - 1]
    assert post["reply_to_user"]["id"] == replied.user_id
    assert TIMESTAMP.match(post["created_at"]) and TIMESTAMP.match(post["updated_at"])

    liked = max(topic.posts, key=lambda p: p.likes)
    unliked = next(p for p in topic.posts if p.likes == 0 and not p.reactions)
    liked_json = await get(http, f"/posts/{liked.id}.json")
    assert liked_json["actions_summary"] == [{"id": 2, "count": liked.likes}]
    assert {"id": "heart", "type": "emoji", "count": liked.likes} in liked_json["reactions"]
    assert liked_json["reaction_users_count"] == liked.likes + sum(liked.reactions.values())
    assert liked_json["current_user_reaction"] is None
    unliked_json = await get(http, f"/posts/{unliked.id}.json")
    assert unliked_json["actions_summary"] == [] and unliked_json["reactions"] == []
    # A signed-in reader also learns what it may do; the count is still under id 2.
    as_staff = await get(http, f"/posts/{liked.id}.json", headers=STAFF)
    assert as_staff["actions_summary"][0] == {"id": 2, "count": liked.likes, "can_act": True}

    topic_view = await get(http, f"/t/{topic.id}.json")
    for item in topic_view["post_stream"]["posts"]:
        assert item.keys() >= REAL_TOPIC_POST_KEYS
        assert ("reply_to_user" in item) == (item["reply_to_post_number"] is not None)


@pytest.mark.asyncio
async def test_latest_posts_page_by_before_through_every_visible_post(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    ids: list[int] = []
    params: dict[str, str] = {}
    while True:
        page = await get(http, "/posts.json", params=params)
        posts = page["latest_posts"]
        if not posts:
            break
        assert len(posts) <= 50
        assert posts[0].keys() >= REAL_LATEST_POST_EXTRA and "read" not in posts[0]
        ids += [p["id"] for p in posts]
        params = {"before": str(posts[-1]["id"])}
    public = {c.id for c in forum.categories.values() if not c.read_restricted}
    expected = sorted(
        (
            p.id
            for p in forum.posts_by_id.values()
            if p.deleted_at is None
            and p.post_type == 1
            and forum.topics[p.topic_id].category_id in public
        ),
        reverse=True,
    )
    assert ids == expected


# ----- changes between syncs ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_new_replies_bump_the_topic_and_extend_the_stream(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    topic = debate(forum)
    forum.advance(hours=2)
    new = forum.add_posts(topic.id, 3)
    latest = await get(http, "/latest.json")
    top = latest["topic_list"]["topics"][0]
    assert top["id"] == topic.id and top["bumped_at"] == iso(forum.now)
    assert top["highest_post_number"] == 603 == top["posts_count"]
    view = await get(http, f"/t/{topic.id}.json")
    assert view["post_stream"]["stream"][-3:] == [p.id for p in new]
    newest = await get(http, "/posts.json")
    assert [p["id"] for p in newest["latest_posts"][:3]] == [p.id for p in reversed(new)]
    assert all(p.stance in ("for", "against", "alternative", "neutral") for p in new)


@pytest.mark.asyncio
async def test_likes_and_new_topics_show_up(forum: Forum, http: aiohttp.ClientSession) -> None:
    topic = debate(forum)
    post = next(p for p in topic.posts if p.likes == 0 and not p.reactions)
    forum.advance(hours=1)
    forum.like(post.id, 3)
    forum.react(post.id, "rocket", 2)
    liked = await get(http, f"/posts/{post.id}.json")
    assert liked["actions_summary"] == [{"id": 2, "count": 3}]
    assert [r["id"] for r in liked["reactions"]] == ["heart", "rocket"]
    assert liked["updated_at"] == iso(post.updated_at) != iso(forum.now)  # likes don't touch it

    created = forum.add_topic(
        "Proposal: publish delegate votes weekly", category_id=topic.category_id, replies=2
    )
    latest = await get(http, "/latest.json")
    top = latest["topic_list"]["topics"][0]
    assert top["id"] == created.id and top["posts_count"] == 3
    assert top["slug"] == "proposal-publish-delegate-votes-weekly"
    assert top["created_at"] == iso(forum.now)


@pytest.mark.asyncio
async def test_edits_change_version_updated_at_and_cooked_but_do_not_bump(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    topic = debate(forum)
    post = topic.posts[100]
    before = await get(http, f"/posts/{post.id}.json")
    bumped = topic.bumped_at
    forum.advance(hours=1)
    forum.edit_post(post.id, post.raw + "\n\nEdit: runway is **47** months, not 46.")
    after = await get(http, f"/posts/{post.id}.json")
    assert after["version"] == before["version"] + 1
    assert after["updated_at"] == iso(forum.now) != before["updated_at"]
    assert after["cooked"] != before["cooked"] and "<strong>47</strong>" in after["cooked"]
    assert after["created_at"] == before["created_at"]
    assert topic.bumped_at == bumped  # PostRevisor bumps only for the last post

    forum.advance(seconds=60)  # within the 5-minute grace period: a "ninja edit"
    forum.edit_post(post.id, after["raw"] + " Typo fixed.")
    ninja = await get(http, f"/posts/{post.id}.json")
    assert ninja["version"] == after["version"] and ninja["updated_at"] == iso(forum.now)

    last = topic.posts[-1]
    forum.advance(hours=1)
    forum.edit_post(last.id, last.raw + "\n\nUpdated with the final numbers.")
    assert topic.bumped_at == forum.now


@pytest.mark.asyncio
async def test_deletes_by_author_then_by_the_stub_job_and_by_staff(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    topic = debate(forum)
    withdrawn, removed = topic.posts[50], topic.posts[60]
    forum.advance(minutes=5)
    forum.delete_post(withdrawn.id)
    shown = await get(http, f"/posts/{withdrawn.id}.json")
    assert shown["user_deleted"] is True and shown["deleted_at"] is None
    assert shown["cooked"] == f"<p>{DELETED_BY_AUTHOR}</p>" and shown["raw"] == DELETED_BY_AUTHOR
    view = await get(http, f"/t/{topic.id}.json")
    assert withdrawn.id in view["post_stream"]["stream"]

    withdrawn_at = forum.now
    forum.advance(hours=25)  # delete_removed_posts_after: 24 h
    forum.delete_post(removed.id, by="staff")
    view = await get(http, f"/t/{topic.id}.json")
    assert withdrawn.id not in view["post_stream"]["stream"]
    assert removed.id not in view["post_stream"]["stream"]
    assert view["posts_count"] == 598
    await get(http, f"/posts/{removed.id}.json", status=404)
    anonymous = await get(
        http, f"/t/{topic.id}/posts.json", params=[("post_ids[]", str(removed.id))]
    )
    assert anonymous["post_stream"]["posts"] == []

    staff_view = await get(http, f"/posts/{removed.id}.json", headers=STAFF)
    assert staff_view["deleted_at"] == iso(forum.now) and staff_view["user_deleted"] is False
    stub = await get(http, f"/posts/{withdrawn.id}.json", headers=STAFF)
    assert stub["deleted_at"] == iso(withdrawn_at + dt.timedelta(hours=24))
    assert stub["user_deleted"] is True


# ----- errors, limits, faults ------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_429_burst_sends_retry_after_and_wait_seconds(
    fake: FakeDiscourse, http: aiohttp.ClientSession
) -> None:
    fake.burst_429(2, wait_seconds=0.2)
    for _ in range(2):
        async with http.get("/latest.json") as response:
            assert response.status == 429
            assert response.headers["Retry-After"] == "1"  # whole seconds, rounded up
            body = await response.json()
        assert body["error_type"] == "rate_limit" and body["errors"]
        assert body["extras"]["wait_seconds"] == 0.2
    await asyncio.sleep(body["extras"]["wait_seconds"])
    await get(http, "/latest.json")


@pytest.mark.asyncio
async def test_the_admin_api_limit_trips_after_60_a_minute_for_all_keys(forum: Forum) -> None:
    clock = ManualClock()
    keys = {"key": "system", "all-users": None}
    server = FakeDiscourse(forum, api_keys=keys, limits=RateLimits(), clock=clock)
    await server.start()
    try:
        async with aiohttp.ClientSession(server.base_url) as http:
            for _ in range(60):
                await get(http, "/posts/1.json", headers=STAFF)
            async with http.get("/posts/1.json", headers=STAFF) as response:
                assert response.status == 429
                assert response.headers["Retry-After"] == "60"
                assert response.headers["Discourse-Rate-Limit-Error-Code"] == (
                    "admin_api_key_rate_limit"
                )
                body = await response.json()
            assert body["error_type"] == "rate_limit" and body["extras"]["wait_seconds"] == 60
            # One bucket per site: another key and user are limited too; anonymous is not.
            other = {"Api-Key": "all-users", "Api-Username": "gov_guru"}
            await get(http, "/posts/1.json", headers=other, status=429)
            await get(http, "/posts/1.json")
            clock.now += 30
            async with http.get("/posts/1.json", headers=STAFF) as response:
                assert response.status == 429 and response.headers["Retry-After"] == "30"
            clock.now += 30
            await get(http, "/posts/1.json", headers=STAFF)
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_anonymous_requests_get_the_per_ip_limits_as_plain_text(forum: Forum) -> None:
    clock = ManualClock()
    limits = RateLimits(ip_per_10_seconds=5, ip_per_minute=8)
    server = FakeDiscourse(forum, limits=limits, clock=clock)
    await server.start()
    try:
        async with aiohttp.ClientSession(server.base_url) as http:
            for _ in range(5):
                await get(http, "/posts/1.json")
            async with http.get("/posts/1.json") as response:
                assert response.status == 429 and response.headers["Retry-After"] == "10"
                assert response.content_type == "text/plain"
                assert "ip_10_secs_limit" in await response.text()
            clock.now += 10
            for _ in range(3):
                await get(http, "/posts/1.json")
            async with http.get("/posts/1.json") as response:
                assert response.status == 429
                assert response.headers["Discourse-Rate-Limit-Error-Code"] == "ip_60_secs_limit"
                assert response.headers["Retry-After"] == "50"
    finally:
        await server.stop()


@pytest.mark.asyncio
async def test_keys_are_checked_and_never_recorded(
    fake: FakeDiscourse, http: aiohttp.ClientSession
) -> None:
    denied = await get(http, "/latest.json", headers={"Api-Key": "wrong"}, status=403)
    assert denied == {
        "errors": ["You are not permitted to view the requested resource."],
        "error_type": "invalid_access",
    }
    mismatch = {"Api-Key": "key", "Api-Username": "gov_guru"}  # the key belongs to system
    await get(http, "/latest.json", headers=mismatch, status=403)
    await get(http, "/latest.json", headers=STAFF)
    assert fake.requests[-1].username == "system"
    assert all(r.headers.get("Api-Key") in (None, "[redacted]") for r in fake.requests)
    assert fake.request_count("/latest") == 3


@pytest.mark.asyncio
async def test_private_category_is_hidden_from_anonymous_readers(
    forum: Forum, http: aiohttp.ClientSession
) -> None:
    secret = council_topic(forum)
    council = forum.categories[secret.category_id]
    latest = await get(http, "/latest.json?per_page=100")
    assert secret.id not in {t["id"] for t in latest["topic_list"]["topics"]}
    categories = await get(http, "/categories.json")
    assert "council" not in {c["slug"] for c in categories["category_list"]["categories"]}
    await get(http, f"/c/council/{council.id}.json", status=404)
    await get(http, f"/t/{secret.id}.json", status=404)
    # Actions other than topics#show let Discourse's InvalidAccess through as a 403.
    await get(http, f"/t/{secret.id}/posts.json", status=403)
    await get(http, f"/posts/{secret.posts[0].id}.json", status=403)
    everything = await get(http, "/posts.json")
    assert all(p["topic_id"] != secret.id for p in everything["latest_posts"])

    staff = await get(http, f"/t/{secret.id}.json", headers=STAFF)
    assert staff["post_stream"]["stream"] == [p.id for p in secret.posts]
    listed = await get(http, f"/c/council/{council.id}.json", headers=STAFF)
    assert secret.id in {t["id"] for t in listed["topic_list"]["topics"]}


@pytest.mark.asyncio
async def test_failures_delays_unknown_routes_and_content_negotiation(
    forum: Forum, fake: FakeDiscourse, http: aiohttp.ClientSession
) -> None:
    fake.fail_next("/latest", status=502)
    async with http.get("/latest.json") as response:
        assert response.status == 502 and response.content_type == "text/html"
    await get(http, "/latest.json")

    topic = debate(forum)
    fake.delay(f"/t/{topic.id}", 5.0, count=1)
    with pytest.raises(TimeoutError):
        async with http.get(
            f"/t/{topic.id}.json", timeout=aiohttp.ClientTimeout(total=0.1)
        ) as response:
            await response.read()

    missing = await get(http, "/admin/users/list/active.json", status=404)
    assert missing["error_type"] == "not_found"
    assert [r.path for r in fake.unhandled] == ["/admin/users/list/active.json"]

    by_header = await get(http, f"/t/{topic.slug}/{topic.id}", headers=ACCEPT_JSON)
    assert by_header["id"] == topic.id
    async with http.get(f"/t/{topic.id}") as response:
        assert response.content_type == "text/html"  # the app shell, as for a browser
    async with http.get(f"/t/wrong-slug/{topic.id}.json?include_raw=true") as response:
        assert response.history and response.history[0].status == 301
        body = await response.json()
    assert str(response.url).endswith(f"/t/{topic.slug}/{topic.id}.json?include_raw=true")
    assert "raw" in body["post_stream"]["posts"][0]


# ----- the generated forum ----------------------------------------------------------------------


def test_the_debate_reads_like_a_dao_debate(forum: Forum) -> None:
    topic = debate(forum)
    posts = topic.posts
    assert topic.title == "[RFC] Move 20% of the treasury into a diversified stablecoin basket"
    stances = Counter(p.stance for p in posts)
    assert all(stances[s] >= 60 for s in ("for", "against", "alternative", "neutral"))
    positions = {p.position for p in posts}
    assert {"diversify", "keep_eth", "staggered", "dai_only", "lst"} <= positions

    injection = forum.posts_by_id[forum.injection_post_id or 0]
    assert injection.raw == INJECTION_TEXT and injection.topic_id == topic.id
    assert '<span class="mention">@everyone</span>' in injection.cooked

    for post in posts:
        for username, number, topic_id in post.quotes:
            assert topic_id == topic.id and number < post.post_number
            assert forum.users[posts[number - 1].user_id].username == username
        if post.reply_to_post_number is not None:
            assert post.reply_to_post_number < post.post_number
    assert sum(1 for p in posts if p.quotes) >= 60
    assert sum(1 for p in posts if p.reply_to_post_number) >= 200
    assert sum(1 for p in posts if '<pre data-code-wrap="' in p.cooked) >= 5
    assert sum(1 for p in posts if 'class="mention" href="/u/' in p.cooked) >= 20
    assert sum(1 for p in posts if p.raw.rstrip().endswith("?")) >= 50
    links = Counter(
        host
        for p in posts
        for host in ("snapshot.org", "etherscan.io", "dune.com")
        if host in p.raw
    )
    assert min(links.values()) >= 5 and len(links) == 3
    assert sum(1 for p in posts if p.likes >= 40) >= 4
    assert sum(1 for p in posts if p.likes == 0) >= 200
    assert sum(1 for p in posts if p.reactions) >= 50


def test_generation_is_deterministic_and_builds_10000_posts() -> None:
    again, other = generate_forum(seed=0), generate_forum(seed=1)
    first = generate_forum(seed=0)
    assert [p.raw for p in first.posts_by_id.values()] == [
        p.raw for p in again.posts_by_id.values()
    ]
    assert [p.raw for p in first.posts_by_id.values()] != [
        p.raw for p in other.posts_by_id.values()
    ]

    # How fast is for bench/, not for a test on a shared machine.
    big = Forum.big(posts=10_000)
    assert sum(1 for t in big.topics.values() if not t.is_definition for _ in t.posts) == 10_000
    assert len(big.topics) > 100
    ids = list(big.posts_by_id)
    assert ids == sorted(ids)
    created = [big.posts_by_id[i].created_at for i in ids]
    assert created == sorted(created)  # ids follow time across topics, as on a live forum


# ----- new topics --------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_new_topic_is_created_with_the_api_key_and_then_served(
    forum: Forum, fake: FakeDiscourse, http: aiohttp.ClientSession
) -> None:
    general = forum.category_by_slug("general")
    assert general is not None
    body = {
        "title": "Fund the documentation sprint",
        "raw": "We ask 12,000 USDC for two writers.",
        "category": general.id,
    }
    async with http.post("/posts.json", json=body, headers=STAFF) as response:
        assert response.status == 200
        post = await response.json()
    assert post["post_number"] == 1 and post["username"] == "system"
    topic = await get(http, f"/t/{post['topic_id']}.json")
    assert topic["title"] == body["title"] and topic["category_id"] == general.id
    # The same title again is refused as Discourse refuses it.
    async with http.post("/posts.json", json=body, headers=STAFF) as response:
        assert response.status == 422
        assert await response.json() == {
            "action": "create_post",
            "errors": ["Title has already been used"],
        }


@pytest.mark.asyncio
async def test_new_topics_need_a_key_a_raw_and_long_enough_text(
    http: aiohttp.ClientSession,
) -> None:
    async with http.post("/posts.json", json={"title": "x" * 20, "raw": "y" * 30}) as response:
        assert response.status == 403
        assert (await response.json())["error_type"] == "not_logged_in"
    async with http.post("/posts.json", data={"title": "x" * 20}, headers=STAFF) as response:
        assert response.status == 400
        assert (await response.json())["error_type"] == "invalid_parameters"
    short = {"title": "Too short", "raw": "tiny"}
    async with http.post("/posts.json", json=short, headers=STAFF) as response:
        assert response.status == 422
        assert (await response.json())["errors"] == [
            "Title is too short (minimum is 15 characters)",
            "Body is too short (minimum is 20 characters)",
        ]


@pytest.mark.asyncio
async def test_a_body_over_max_post_length_is_refused_in_discourses_words(
    http: aiohttp.ClientSession,
) -> None:
    long = {"title": "A long enough title here", "raw": "x" * 32_001}
    async with http.post("/posts.json", json=long, headers=STAFF) as response:
        assert response.status == 422
        assert (await response.json())["errors"] == [
            "Body is limited to 32000 characters; you entered 32001."
        ]
