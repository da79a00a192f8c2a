"""A local fake of a Discourse forum's read API, serving a generated DAO forum.

Usage::

    forum = generate_forum(seed=0)                     # tests/fakes/discourse_forum.py
    fake = FakeDiscourse(forum, api_keys={"key": "system"})
    await fake.start()
    async with aiohttp.ClientSession(fake.base_url) as http:
        latest = await (await http.get("/latest.json")).json()
    forum.add_posts(forum.debate_topic_id, 5)          # mutate between syncs
    await fake.stop()

Endpoints (GET; ``.json`` or ``Accept: application/json``, otherwise a bare HTML page as the
real site's app shell would be): ``/latest``, ``/c/{slug}/{id}`` (also nested slugs and
``/l/latest``), ``/categories``, ``/t/{id}``, ``/t/{slug}/{id}``, ``/t/{id}/{post_number}``,
``/t/{id}/posts`` (``post_ids[]`` or ``post_number`` + ``asc``), ``/posts`` (``before``),
``/posts/{id}``. POST ``/posts.json`` creates a topic (tests/fakes/discourse_topics.py; its
parameters are kept in ``fake.created_topics``). Anything else: 404 JSON, recorded in
``fake.unhandled``.

Behaviour follows discourse/discourse where it was checked (see the report of this fixture):
``more_topics_url`` only when a page is full, without ``.json``, carrying the list options;
``stream`` holds every visible post id, deleted posts are left out (staff may add
``show_deleted=true``); ``/posts.json?before=N`` gives up to 50 visible posts with id < N;
``include_raw`` counts when present at all (Rails' ``!!params[:include_raw]``); a private
category is a 404 for ``/t`` and ``/c`` but a 403 for ``/posts/{id}`` and ``/t/{id}/posts``.

Auth and limits: ``api_keys`` maps a key to its user (``None`` = an "all users" key, which takes
``Api-Username``). Unknown keys or usernames give 403 ``invalid_access``. One site-wide bucket
limits all admin-key requests (``max_admin_api_reqs_per_minute``, 429 JSON with ``Retry-After``
and ``extras.wait_seconds``); anonymous requests get the per-IP limits (200/min, 50/10 s; 429
``text/plain``, as Discourse's middleware answers). ``RateLimits.off()`` for benchmarks.

Faults: ``burst_429(count, wait_seconds)``, ``fail_next(path_substring, status, count)``,
``delay(path_substring, seconds, count=None)``, ``clear_faults()``.

Record: ``fake.requests`` (:class:`RecordedRequest`), ``fake.request_count(path_prefix)``,
``fake.unhandled``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import MultiMapping

from tests.fakes.discourse_forum import Category, Forum, Post, Topic, User, excerpt, iso
from tests.fakes.discourse_topics import TopicSettings, create_topic

JSON = dict[str, Any]

CHUNK_SIZE = 20  # TopicView.chunk_size
TOPICS_PER_PAGE = 30  # SiteSetting.topics_per_page
MAX_PER_PAGE = 100
LATEST_POSTS_PAGE = 50  # LatestPostsQuery::PAGE_SIZE
NOT_FOUND = "The requested URL or resource could not be found."
INVALID_ACCESS = "You are not permitted to view the requested resource."
SECRET_HEADERS = frozenset({"api-key", "user-api-key", "authorization", "cookie"})
# PostActionType ids a logged-in reader may act on besides the like (2): off_topic,
# inappropriate, spam, notify_user, notify_moderators.
FLAG_TYPES = (3, 4, 8, 6, 7)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Discourse's global request limits; a real site sets them in its environment."""

    enabled: bool = True
    admin_api_per_minute: int = 60  # DISCOURSE_MAX_ADMIN_API_REQS_PER_MINUTE, one bucket per site
    ip_per_minute: int = 200  # DISCOURSE_MAX_REQS_PER_IP_PER_MINUTE
    ip_per_10_seconds: int = 50  # DISCOURSE_MAX_REQS_PER_IP_PER_10_SECONDS

    @classmethod
    def off(cls) -> RateLimits:
        return cls(enabled=False)


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # secrets replaced by "[redacted]"
    status: int
    at: float  # the server's clock (monotonic seconds)
    username: str | None = None  # the API user the request acted as, None if anonymous


@dataclass(slots=True)
class _Fault:
    substring: str
    count: int | None  # None: until cleared
    status: int = 0
    seconds: float = 0.0


class _Window:
    """Discourse's RateLimiter: at most ``limit`` actions in any ``seconds`` window.

    A refused request is not counted, so a client that waits ``Retry-After`` gets through.
    """

    def __init__(self, limit: int, seconds: float) -> None:
        self.limit, self.seconds = limit, seconds
        self.stamps: collections.deque[float] = collections.deque()

    def wait(self, now: float) -> float:
        """Seconds until allowed (0 means allowed, and the action is counted)."""
        while self.stamps and now - self.stamps[0] >= self.seconds:
            self.stamps.popleft()
        if len(self.stamps) >= self.limit:
            return self.stamps[0] + self.seconds - now
        self.stamps.append(now)
        return 0.0


class _Error(Exception):
    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


class _Unhandled(_Error):
    """No route matched: answered like Discourse's 404 and kept in ``fake.unhandled``."""


def _dump(data: object) -> str:
    # Rails escapes these in JSON (escape_html_entities_in_json); the recorded responses show it.
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _json(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        text=_dump(data),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def _error(status: int, message: str, error_type: str, **extra: object) -> _Error:
    body: JSON = {"errors": [message], "error_type": error_type, **extra}
    return _Error(_json(body, status))


def _not_found() -> _Error:
    return _error(404, NOT_FOUND, "not_found")


def _invalid_access() -> _Error:
    return _error(403, INVALID_ACCESS, "invalid_access")


def _invalid_param(name: str) -> _Error:
    message = f"You supplied invalid parameters to the request: {name}"
    return _error(400, message, "invalid_parameters")


def _redirect(location: str) -> _Error:
    return _Error(web.Response(status=301, headers={"Location": location}))


def _is_posts(path: str) -> bool:
    return path.rstrip("/") in ("/posts", "/posts.json")


def _rate_limited_json(wait: float, error_code: str, *, exact: bool = False) -> web.Response:
    """ApplicationController's answer to RateLimiter::LimitExceeded. Discourse sends whole
    seconds in both places; ``exact`` keeps a fractional wait in the body for fast tests."""
    seconds = max(1, math.ceil(wait))
    shown: float | int = wait if exact and wait != int(wait) else seconds
    message = (
        f"You’ve performed this action too many times. Please wait {seconds} seconds before "
        "trying again."
    )
    body = {"errors": [message], "error_type": "rate_limit", "extras": {"wait_seconds": shown}}
    headers = {"Retry-After": str(seconds), "Discourse-Rate-Limit-Error-Code": error_code}
    return _json(body, 429, headers)


def _rate_limited_text(wait: float, error_code: str) -> web.Response:
    seconds = max(1, math.ceil(wait))
    text = (
        "Slow down, you're making too many requests.\n"
        f"Please retry again in {seconds} seconds.\n"
        f"Error code: {error_code}.\n"
    )
    headers = {"Retry-After": str(seconds), "Discourse-Rate-Limit-Error-Code": error_code}
    return web.Response(text=text, status=429, content_type="text/plain", headers=headers)


_APP_SHELL = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Meridian DAO Forum'
    "</title></head><body><noscript>This site needs JavaScript.</noscript></body></html>\n"
)
_FAULT_PAGES = {
    500: "<html><body><h1>500 Internal Server Error</h1></body></html>\n",
    502: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx</center></body></html>\n",
    503: "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
    "<h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body>"
    "</html>\n",
}

# Routes, matched against the path without ``.json``.
_ROUTES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"/latest", "latest"),
        (r"/about", "about"),
        (r"/categories", "categories"),
        (r"/c/(?P<path>(?:[^/]+/)*?[^/]+)/(?P<id>\d+)(?:/l/latest)?", "category"),
        (r"/c/(?P<id>\d+)", "category"),
        (r"/t/(?P<id>\d+)/posts", "topic_posts"),
        (r"/t/(?P<id>\d+)", "topic"),
        (r"/t/(?P<id>\d+)/(?P<post_number>\d+)", "topic"),
        (r"/t/(?P<slug>[^/]+)/(?P<id>\d+)", "topic"),
        (r"/t/(?P<slug>[^/]+)/(?P<id>\d+)/(?P<post_number>\d+)", "topic"),
        (r"/posts", "latest_posts"),
        (r"/posts/(?P<id>\d+)", "post"),
    )
)


@dataclass(slots=True)
class _Ctx:
    """One request: who asks and the per-topic numbers computed once for it."""

    viewer: User | None
    query: MultiMapping[str]
    query_string: str
    path: str
    json: bool
    reply_counts: dict[int, collections.Counter[int | None]] = field(default_factory=dict)


class FakeDiscourse:
    def __init__(
        self,
        forum: Forum,
        *,
        api_keys: Mapping[str, str | None] | None = None,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        topic_settings: TopicSettings | None = None,
    ) -> None:
        self.forum = forum
        self.topic_settings = topic_settings or TopicSettings()
        self.api_keys = dict(api_keys) if api_keys is not None else None
        self.limits = limits or RateLimits()
        self.clock = clock
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        # The parameters of every POST /posts.json, accepted or not.
        self.created_topics: list[JSON] = []
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._closing = asyncio.Event()
        self._admin_window = _Window(self.limits.admin_api_per_minute, 60)
        self._ip_windows: dict[str, tuple[_Window, _Window]] = {}
        self._burst: list[float] = []
        self._failures: list[_Fault] = []
        self._delays: list[_Fault] = []

    # ----- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        self._closing.clear()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing.set()  # wakes delayed handlers so shutdown does not wait them out
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ----- limits, faults and records --------------------------------------------------------
    def set_limits(self, limits: RateLimits) -> None:
        self.limits = limits
        self._admin_window = _Window(limits.admin_api_per_minute, 60)
        self._ip_windows.clear()

    def burst_429(self, count: int, wait_seconds: float = 1.0) -> None:
        """The next ``count`` requests get a 429. ``Retry-After`` is the integer ceiling of
        ``wait_seconds``; ``extras.wait_seconds`` carries it exactly, so tests can wait less
        than a second."""
        self._burst.extend([wait_seconds] * count)

    def fail_next(self, path_substring: str, status: int = 500, count: int = 1) -> None:
        """The next ``count`` requests whose path and query contain ``path_substring`` get
        ``status`` with an HTML error page, as the app server or the proxy in front sends."""
        self._failures.append(_Fault(path_substring, count, status=status))

    def delay(self, path_substring: str, seconds: float, count: int | None = None) -> None:
        """Hold matching requests ``seconds`` before answering (``count`` times, or until
        :meth:`clear_faults`)."""
        self._delays.append(_Fault(path_substring, count, seconds=seconds))

    def clear_faults(self) -> None:
        self._burst.clear()
        self._failures.clear()
        self._delays.clear()

    def request_count(self, path_prefix: str | None = None) -> int:
        if path_prefix is None:
            return len(self.requests)
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    # ----- request pipeline ------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        username: str | None = None
        unhandled = False
        try:
            response = await self._faults(request)
            if response is None:
                viewer = self._authenticate(request)
                username = viewer.username if viewer else None
                response = self._rate_limit(request, viewer)
                if response is None and request.method == "POST" and _is_posts(request.path):
                    response = await self._create_topic(request, viewer)
                response = response or self._route(request, viewer)
        except _Unhandled as error:
            response, unhandled = error.response, True
        except _Error as error:
            response = error.response
        record = RecordedRequest(
            method=request.method,
            path=request.path,
            query={k: request.query.getall(k) for k in request.query},
            headers={
                k: "[redacted]" if k.lower() in SECRET_HEADERS else v
                for k, v in request.headers.items()
            },
            status=response.status,
            at=self.clock(),
            username=username,
        )
        self.requests.append(record)
        if unhandled:
            self.unhandled.append(record)
        return response

    async def _faults(self, request: web.Request) -> web.Response | None:
        target = request.path_qs
        for fault in self._delays:
            if fault.substring in target and fault.count != 0:
                if fault.count is not None:
                    fault.count -= 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), fault.seconds)
        if self._burst:
            return _rate_limited_json(self._burst.pop(0), "admin_api_key_rate_limit", exact=True)
        for fault in self._failures:
            if fault.substring in target and fault.count:
                fault.count -= 1
                page = _FAULT_PAGES.get(fault.status, f"<html><body>{fault.status}</body></html>")
                return web.Response(text=page, status=fault.status, content_type="text/html")
        return None

    def _authenticate(self, request: web.Request) -> User | None:
        key = request.headers.get("Api-Key")
        if key is None:
            return None
        if self.api_keys is None or key not in self.api_keys:
            raise _invalid_access()
        bound = self.api_keys[key]
        asked = request.headers.get("Api-Username")
        if bound is not None and asked is not None and asked.lower() != bound.lower():
            raise _invalid_access()
        user = self.forum.user(asked or bound or "system")
        if user is None:
            raise _invalid_access()
        return user

    def _rate_limit(self, request: web.Request, viewer: User | None) -> web.Response | None:
        if not self.limits.enabled:
            return None
        now = self.clock()
        if viewer is not None:
            # Admin-key requests skip the per-IP limiters (Discourse rolls them back) and share
            # one site-wide bucket, whichever key or username they use.
            wait = self._admin_window.wait(now)
            return _rate_limited_json(wait, "admin_api_key_rate_limit") if wait else None
        ip = request.remote or "127.0.0.1"
        if ip not in self._ip_windows:
            self._ip_windows[ip] = (
                _Window(self.limits.ip_per_10_seconds, 10),
                _Window(self.limits.ip_per_minute, 60),
            )
        ten, minute = self._ip_windows[ip]
        if wait := ten.wait(now):
            return _rate_limited_text(wait, "ip_10_secs_limit")
        if wait := minute.wait(now):
            # As in Discourse, the 10-second limiter has already counted this request.
            return _rate_limited_text(wait, "ip_60_secs_limit")
        return None

    def _route(self, request: web.Request, viewer: User | None) -> web.Response:
        path = request.path.rstrip("/") or "/"
        is_json = path.endswith(".json")
        if is_json:
            path = path[: -len(".json")]
        wants_json = is_json or "application/json" in request.headers.get("Accept", "")
        for pattern, name in _ROUTES:
            match = pattern.fullmatch(path)
            if match is None or request.method not in ("GET", "HEAD"):
                continue
            if not wants_json:
                return web.Response(text=_APP_SHELL, content_type="text/html")
            ctx = _Ctx(viewer, request.query, request.query_string, path, is_json)
            handler: Callable[[_Ctx, dict[str, str]], JSON] = getattr(self, f"_r_{name}")
            return _json(handler(ctx, {k: v for k, v in match.groupdict().items() if v}))
        raise _Unhandled(_json({"errors": [NOT_FOUND], "error_type": "not_found"}, 404))

    async def _create_topic(self, request: web.Request, viewer: User | None) -> web.Response:
        """POST /posts(.json): a new topic (see tests/fakes/discourse_topics.py)."""
        params: JSON
        if request.content_type == "application/json":
            try:
                loaded = await request.json()
            except ValueError:
                raise _error(400, "Invalid JSON body", "invalid_parameters") from None
            params = loaded if isinstance(loaded, dict) else {}
        else:
            params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        answer = create_topic(self.forum, viewer, params, self.topic_settings)
        self.created_topics.append(params)
        return _json(answer.body, answer.status)

    # ----- the site ----------------------------------------------------------------------------
    def _r_about(self, ctx: _Ctx, _: dict[str, str]) -> JSON:
        """AboutController#index as AboutSerializer renders it (the fields a client reads)."""
        forum = self.forum
        visible = [t for t in forum.topics.values() if forum.can_see_topic(t, ctx.viewer)]
        return {
            "about": {
                "title": forum.title,
                "description": forum.description,
                "locale": "en",
                "version": "3.5.0",
                "https": True,
                "can_see_about_stats": True,
                "site_creation_date": "2021-03-01T12:00:00.000Z",
                "moderator_ids": [],
                "admin_ids": [],
                "category_moderators": [],
                "stats": {
                    "topics_count": len(visible),
                    "posts_count": sum(t.posts_count for t in visible),
                    "users_count": len(forum.users),
                },
            }
        }

    # ----- topic lists -------------------------------------------------------------------------
    def _r_latest(self, ctx: _Ctx, _: dict[str, str]) -> JSON:
        topics = [
            t
            for t in self.forum.topics.values()
            if not t.is_definition and self.forum.can_see_topic(t, ctx.viewer)
        ]
        return self._topic_list(ctx, topics, "/latest", {"no_definitions": "true"})

    def _r_category(self, ctx: _Ctx, params: dict[str, str]) -> JSON:
        category = self.forum.categories.get(int(params["id"]))
        if category is None or not self.forum.can_see_category(category.id, ctx.viewer):
            raise _not_found()
        real = "/".join(self.forum.category_path(category))
        if params.get("path") != real:
            # ListController#set_category sends wrong or missing slugs to the canonical path.
            tail = "/l/latest" if ctx.path.endswith("/l/latest") else ""
            query = f"?{ctx.query_string}" if ctx.query_string else ""
            raise _redirect(f"/c/{real}/{category.id}{tail}{'.json' if ctx.json else ''}{query}")
        ids = {category.id} | {
            c.id for c in self.forum.categories.values() if c.parent_id == category.id
        }
        topics = [t for t in self.forum.topics.values() if t.category_id in ids]
        topics = [t for t in topics if self.forum.can_see_topic(t, ctx.viewer)]
        # The next-page URL keeps the form asked for (with or without /l/latest), like Rails'
        # path helper for the action that served the list.
        return self._topic_list(ctx, topics, ctx.path, {}, pinned=category)

    def _topic_list(
        self,
        ctx: _Ctx,
        topics: list[Topic],
        path: str,
        fixed: dict[str, str],
        pinned: Category | None = None,
    ) -> JSON:
        query = ctx.query
        per_page = _int_param(query, "per_page", TOPICS_PER_PAGE)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        page = max(_int_param(query, "page", 0), 0)
        order = query.get("order", "default")
        ascending = query.get("ascending") == "true"
        keys: dict[str, Callable[[Topic], Any]] = {
            "default": lambda t: t.bumped_at,
            "activity": lambda t: t.bumped_at,
            "created": lambda t: t.created_at,
            "views": lambda t: t.views,
            "posts": lambda t: t.posts_count,
            "likes": lambda t: t.like_count,
            "op_likes": lambda t: t.posts[0].likes,
            "posters": lambda t: len({p.user_id for p in t.live_posts}),
            "category": lambda t: t.category_id,
        }
        key = keys.get(order, keys["default"])
        topics = sorted(topics, key=lambda t: (key(t), t.id), reverse=not ascending)
        if pinned is not None and pinned.definition_topic_id and order == "default":
            # A category's "About" topic is pinned to the top of its own list.
            topics.sort(key=lambda t: t.id != pinned.definition_topic_id)
        chunk = topics[page * per_page : (page + 1) * per_page]
        topic_list: JSON = {"can_create_topic": ctx.viewer is not None}
        if len(chunk) == per_page:
            options = dict(fixed)
            for name in ("order", "ascending", "per_page"):
                if name in query:
                    options[name] = query[name]
            options["page"] = str(page + 1)
            topic_list["more_topics_url"] = (
                path + "?" + "&".join(f"{k}={v}" for k, v in sorted(options.items()))
            )
        topic_list["per_page"] = per_page
        topic_list["top_tags"] = _top_tags(topics)
        topic_list["topics"] = [
            self._topic_item(t, pinned=pinned is not None and t.id == pinned.definition_topic_id)
            for t in chunk
        ]
        user_ids = {p["user_id"] for t in topic_list["topics"] for p in t["posters"]}
        return {
            "users": [_list_user(self.forum.users[uid]) for uid in sorted(user_ids)],
            "primary_groups": [],
            "flair_groups": [],
            "topic_list": topic_list,
        }

    def _topic_item(self, topic: Topic, *, pinned: bool = False, embed: bool = False) -> JSON:
        last = topic.last_post
        item: JSON = {
            "id": topic.id,
            "title": topic.title,
            "fancy_title": topic.fancy_title,
            "slug": topic.slug,
            "posts_count": topic.posts_count,
            "reply_count": topic.reply_count,
            "highest_post_number": topic.highest_post_number,
            "image_url": None,
            "created_at": iso(topic.created_at),
            "last_posted_at": iso(topic.last_posted_at),
            "bumped": topic.bumped_at > topic.created_at,
            "bumped_at": iso(topic.bumped_at),
            "archetype": "regular",
            "unseen": False,
            "pinned": pinned,
            "unpinned": None,
        }
        if pinned:
            item["excerpt"] = excerpt(topic.posts[0].cooked, 200)[0]
        item.update(
            {
                "visible": True,
                "closed": topic.closed,
                "archived": topic.archived,
                "bookmarked": None,
                "liked": None,
                "tags": list(topic.tags),
                "tags_descriptions": {},
                "views": topic.views,
                "like_count": topic.like_count,
                "has_summary": topic.posts_count >= 50,
                "last_poster_username": self.forum.users[last.user_id].username,
                "category_id": topic.category_id,
                "pinned_globally": False,
                "featured_link": None,
                "op_like_count": topic.posts[0].likes,
                "posters": self._posters(topic, embed),
            }
        )
        return item

    def _posters(self, topic: Topic, embed: bool) -> list[JSON]:
        """TopicPosters: the original poster, up to three frequent ones, the most recent."""
        live = topic.live_posts
        op, last = topic.user_id, topic.last_post.user_id
        counts = collections.Counter(p.user_id for p in live if p.user_id not in (op, last))
        order = [op] + [uid for uid, _ in counts.most_common(3)] + ([last] if last != op else [])
        out: list[JSON] = []
        for uid in order:
            if uid == op:
                description = "Original Poster" + (", Most Recent Poster" if last == op else "")
            elif uid == last:
                description = "Most Recent Poster"
            else:
                description = "Frequent Poster"
            extras = None
            if uid == last:
                extras = "latest single" if len(order) == 1 else "latest"
            entry: JSON = {"extras": extras, "description": description}
            if embed:
                entry["user"] = _list_user(self.forum.users[uid])
            else:
                entry.update({"user_id": uid, "primary_group_id": None, "flair_group_id": None})
            out.append(entry)
        return out

    def _r_categories(self, ctx: _Ctx, _: dict[str, str]) -> JSON:
        with_subs = ctx.query.get("include_subcategories") == "true"
        visible = [
            c
            for c in self.forum.categories.values()
            if self.forum.can_see_category(c.id, ctx.viewer)
        ]
        top = sorted((c for c in visible if c.parent_id is None), key=lambda c: c.position)
        categories = []
        for category in top:
            item = self._category(category, ctx, visible)
            if with_subs:
                subs = [c for c in visible if c.parent_id == category.id]
                item["subcategory_list"] = [self._category(c, ctx, visible) for c in subs]
            categories.append(item)
        return {
            "category_list": {
                "can_create_category": bool(ctx.viewer and ctx.viewer.staff),
                "can_create_topic": ctx.viewer is not None,
                "categories": categories,
            }
        }

    def _category(self, category: Category, ctx: _Ctx, visible: list[Category]) -> JSON:
        forum = self.forum
        topics = [
            t for t in forum.topics.values() if t.category_id == category.id and not t.is_definition
        ]
        now = forum.now

        def since(days: int) -> int:
            return sum(1 for t in topics if (now - t.created_at).days < days)

        definition = forum.topics.get(category.definition_topic_id or 0)
        text, _ = excerpt(f"<p>{_html_escape(category.description)}</p>", 300)
        children = [c.id for c in visible if c.parent_id == category.id]
        return {
            "id": category.id,
            "name": category.name,
            "color": category.color,
            "text_color": category.text_color,
            "slug": category.slug,
            "topic_count": len(topics),
            "post_count": sum(t.posts_count for t in topics),
            "position": category.position,
            "description": _html_escape(category.description),
            "description_text": category.description,
            "description_excerpt": text,
            "topic_url": f"/t/{definition.slug}/{definition.id}" if definition else None,
            "read_restricted": category.read_restricted,
            "permission": 1 if ctx.viewer is not None and ctx.viewer.staff else None,
            "notification_level": 1,
            "can_edit": bool(ctx.viewer and ctx.viewer.staff),
            "topic_template": None,
            "has_children": bool(children),
            "subcategory_count": len(children),
            "sort_order": None,
            "sort_ascending": None,
            "show_subcategory_list": False,
            "num_featured_topics": 3,
            "default_view": None,
            "subcategory_list_style": "rows_with_featured_topics",
            "default_top_period": "all",
            "default_list_filter": "all",
            "minimum_required_tags": 0,
            "navigate_to_first_post_after_read": False,
            "topics_day": since(1),
            "topics_week": since(7),
            "topics_month": since(30),
            "topics_year": since(365),
            "topics_all_time": len(topics),
            "is_uncategorized": category.slug == "uncategorized",
            "subcategory_ids": children,
            "uploaded_logo": None,
            "uploaded_logo_dark": None,
            "uploaded_background": None,
            "uploaded_background_dark": None,
        }

    # ----- topics ------------------------------------------------------------------------------
    def _visible_topic(self, ctx: _Ctx, topic_id: int, *, not_found: bool) -> Topic:
        topic = self.forum.topics.get(topic_id)
        if topic is None:
            raise _not_found()
        if not self.forum.can_see_topic(topic, ctx.viewer):
            # TopicsController#show turns InvalidAccess into a 404 (detailed_404 is off by
            # default); the other actions let it through as a 403.
            raise _not_found() if not_found else _invalid_access()
        return topic

    def _stream(self, ctx: _Ctx, topic: Topic) -> list[Post]:
        staff = ctx.viewer is not None and ctx.viewer.staff
        show_deleted = staff and ctx.query.get("show_deleted") == "true"
        return [
            p
            for p in topic.posts
            if (p.deleted_at is None or show_deleted) and (p.post_type != 4 or staff)
        ]

    def _r_topic(self, ctx: _Ctx, params: dict[str, str]) -> JSON:
        topic = self._visible_topic(ctx, int(params["id"]), not_found=True)
        if "slug" in params and params["slug"] != topic.slug:
            self._redirect_topic(ctx, topic, params.get("post_number"))
        stream = self._stream(ctx, topic)
        page = _int_param(ctx.query, "page", 1)
        post_number = int(params.get("post_number", "0"))
        if post_number > 0:
            chunk = _near(stream, post_number)
        else:
            if page > 1 and (page - 1) * CHUNK_SIZE >= len(stream):
                last_page = max(1, (len(stream) - 1) // CHUNK_SIZE + 1)
                suffix = ".json" if ctx.json else ""
                query = f"?page={last_page}" if last_page > 1 else ""
                raise _redirect(f"/t/{topic.slug}/{topic.id}{suffix}{query}")
            start = (max(page, 1) - 1) * CHUNK_SIZE
            chunk = stream[start : start + CHUNK_SIZE]
        include_raw = "include_raw" in ctx.query
        highest = topic.highest_post_number
        has_next = bool(chunk) and chunk[-1].post_number < highest
        op, last = topic.posts[0], topic.last_post
        data: JSON = {
            "post_stream": {
                "posts": [self._post(p, topic, ctx, raw=include_raw) for p in chunk],
                "stream": [p.id for p in stream],
            },
            "timeline_lookup": self._timeline(stream),
        }
        if not has_next:
            data["suggested_topics"] = self._suggested(ctx, topic)
        data.update(
            {
                "tags": list(topic.tags),
                "tags_descriptions": {},
                "fancy_title": topic.fancy_title,
                "id": topic.id,
                "title": topic.title,
                "posts_count": topic.posts_count,
                "created_at": iso(topic.created_at),
                "views": topic.views,
                "reply_count": topic.reply_count,
                "like_count": topic.like_count,
                "last_posted_at": iso(topic.last_posted_at),
                "visible": True,
                "closed": topic.closed,
                "archived": topic.archived,
                "has_summary": topic.posts_count >= 50,
                "archetype": "regular",
                "slug": topic.slug,
                "category_id": topic.category_id,
                "word_count": topic.word_count,
                "deleted_at": None,
                "user_id": topic.user_id,
                "featured_link": None,
                "pinned_globally": False,
                "pinned_at": None,
                "pinned_until": None,
                "image_url": None,
                "slow_mode_seconds": 0,
                "draft": None,
                "draft_key": f"topic_{topic.id}",
                "draft_sequence": None if ctx.viewer is None else 0,
                "unpinned": None,
                "pinned": False,
                "current_post_number": min(max(post_number, 1), highest),
                "highest_post_number": highest,
                "deleted_by": None,
                "actions_summary": [
                    {"id": i, "count": 0, "hidden": False, "can_act": ctx.viewer is not None}
                    for i in (4, 8, 10, 7)
                ],
                "expandable_first_post": False,
                "chunk_size": CHUNK_SIZE,
                "bookmarked": False,
                "topic_timer": None,
                "message_bus_last_id": len(topic.posts) + sum(p.version - 1 for p in stream),
                "participant_count": len({p.user_id for p in topic.live_posts}),
                "show_read_indicator": False,
                "thumbnails": None,
                "slow_mode_enabled_until": None,
                "details": {
                    "can_edit": bool(ctx.viewer and ctx.viewer.staff),
                    "notification_level": 1,
                    "participants": self._participants(topic),
                    "created_by": _basic_user(self.forum.users[op.user_id]),
                    "last_poster": _basic_user(self.forum.users[last.user_id]),
                    "links": self._topic_links(topic),
                },
                "bookmarks": [],
            }
        )
        return data

    def _redirect_topic(self, ctx: _Ctx, topic: Topic, post_number: str | None) -> None:
        url = f"/t/{topic.slug}/{topic.id}"
        if post_number:
            url += f"/{post_number}"
        if ctx.json:
            url += ".json"
        kept = [(k, ctx.query[k]) for k in ("page", "print", "include_raw") if k in ctx.query]
        if kept:
            url += "?" + "&".join(f"{k}={v}" for k, v in kept)
        raise _redirect(url)

    def _r_topic_posts(self, ctx: _Ctx, params: dict[str, str]) -> JSON:
        topic = self._visible_topic(ctx, int(params["id"]), not_found=False)
        staff = ctx.viewer is not None and ctx.viewer.staff
        wanted = ctx.query.getall("post_ids[]", []) + ctx.query.getall("post_ids", [])
        if wanted:
            ids = {_to_i(v) for v in wanted}
            # Staff see deleted posts when asking by id (with_deleted for can_see_deleted_posts).
            posts = [p for p in topic.posts if p.id in ids and (p.deleted_at is None or staff)]
        elif "post_number" in ctx.query:
            number = _to_i(ctx.query["post_number"])
            stream = self._stream(ctx, topic)
            if ctx.query.get("asc") == "true":
                posts = [p for p in stream if p.post_number > number][:CHUNK_SIZE]
            else:
                posts = [p for p in stream if p.post_number < number][-CHUNK_SIZE:][::-1]
        else:
            posts = self._stream(ctx, topic)[:CHUNK_SIZE]
        include_raw = "include_raw" in ctx.query
        return {
            "post_stream": {"posts": [self._post(p, topic, ctx, raw=include_raw) for p in posts]},
            "id": topic.id,
        }

    def _timeline(self, stream: list[Post]) -> list[list[int]]:
        """[index in stream, days ago] at each change of day, like TopicView#timeline_lookup."""
        out: list[list[int]] = []
        now = self.forum.now
        for index, post in enumerate(stream, start=1):
            days = max(0, (now - post.created_at).days)
            if not out or out[-1][1] != days:
                out.append([index, days])
        return out

    def _suggested(self, ctx: _Ctx, topic: Topic) -> list[JSON]:
        candidates = [
            t
            for t in self.forum.topics.values()
            if t.id != topic.id and not t.is_definition and self.forum.can_see_topic(t, ctx.viewer)
        ]
        candidates.sort(
            key=lambda t: (t.category_id != topic.category_id, -t.bumped_at.timestamp())
        )
        return [self._topic_item(t, embed=True) for t in candidates[:5]]

    def _participants(self, topic: Topic) -> list[JSON]:
        counts = collections.Counter(p.user_id for p in topic.live_posts)
        out = []
        for uid, count in counts.most_common(24):
            user = self.forum.users[uid]
            entry = {
                **_basic_user(user),
                "post_count": count,
                "primary_group_name": None,
                "flair_name": None,
                "flair_url": None,
                "flair_color": None,
                "flair_bg_color": None,
                "flair_group_id": None,
            }
            if user.admin:
                entry["admin"] = True
            if user.moderator:
                entry["moderator"] = True
            entry["trust_level"] = user.trust_level
            out.append(entry)
        return out

    def _topic_links(self, topic: Topic) -> list[JSON]:
        seen: dict[str, JSON] = {}
        for post in topic.live_posts:
            for url in post.links:
                if url in seen:
                    seen[url]["clicks"] += 1
                    continue
                domain = re.sub(r"^https?://", "", url).split("/")[0]
                seen[url] = {
                    "url": url,
                    "title": self.forum.cooker.oneboxes.get(url, (None, ""))[0],
                    "internal": domain == self.forum.host,
                    "attachment": False,
                    "reflection": False,
                    "clicks": len(url) % 7,
                    "user_id": post.user_id,
                    "domain": domain,
                    "root_domain": ".".join(domain.split(".")[-2:]),
                }
        return sorted(seen.values(), key=lambda link: -link["clicks"])[:50]

    # ----- posts -------------------------------------------------------------------------------
    def _r_latest_posts(self, ctx: _Ctx, _: dict[str, str]) -> JSON:
        before = _to_i(ctx.query.get("before", "0"))
        out: list[JSON] = []
        for post_id in sorted(self.forum.posts_by_id, reverse=True):
            if before > 0 and post_id >= before:
                continue
            post = self.forum.posts_by_id[post_id]
            topic = self.forum.topics[post.topic_id]
            if post.deleted_at is not None or post.hidden or post.post_type != 1:
                continue
            if not self.forum.can_see_topic(topic, ctx.viewer):
                continue
            out.append(self._post(post, topic, ctx, raw=True, listing=True))
            if len(out) == LATEST_POSTS_PAGE:
                break
        return {"latest_posts": out}

    def _r_post(self, ctx: _Ctx, params: dict[str, str]) -> JSON:
        post = self.forum.posts_by_id.get(int(params["id"]))
        if post is None:
            raise _not_found()
        staff = ctx.viewer is not None and ctx.viewer.staff
        if post.deleted_at is not None and not staff:
            raise _not_found()
        topic = self.forum.topics[post.topic_id]
        if not self.forum.can_see_topic(topic, ctx.viewer):
            raise _invalid_access()
        return self._post(post, topic, ctx, raw=True)

    def _post(
        self, post: Post, topic: Topic, ctx: _Ctx, *, raw: bool, listing: bool = False
    ) -> JSON:
        forum = self.forum
        user = forum.users[post.user_id]
        if topic.id not in ctx.reply_counts:
            ctx.reply_counts[topic.id] = collections.Counter(
                p.reply_to_post_number for p in topic.live_posts
            )
        reply_count = ctx.reply_counts[topic.id][post.post_number]
        cooked = post.cooked
        data: JSON = {
            "id": post.id,
            "name": user.name,
            "username": user.username,
            "avatar_template": user.avatar_template,
            "created_at": iso(post.created_at),
            "cooked": cooked,
            "post_number": post.post_number,
            "post_type": post.post_type,
            "posts_count": topic.posts_count,
            "updated_at": iso(post.updated_at),
            "reply_count": reply_count,
            "reply_to_post_number": post.reply_to_post_number,
            "quote_count": len(set(post.quotes)),
            "incoming_link_count": post.incoming_link_count,
            "reads": post.reads,
            "readers_count": max(0, post.reads - 1),
            "score": round(
                post.likes * 15 + reply_count * 5 + post.reads * 0.2 + post.incoming_link_count * 5,
                3,
            ),
            "yours": ctx.viewer is not None and ctx.viewer.id == user.id,
            "topic_id": topic.id,
            "topic_slug": topic.slug,
        }
        if listing:
            data.update(
                {
                    "topic_title": topic.title,
                    "topic_html_title": topic.fancy_title,
                    "category_id": topic.category_id,
                }
            )
        data.update(
            {
                "display_username": user.name,
                "primary_group_name": None,
                "flair_name": None,
                "flair_url": None,
                "flair_bg_color": None,
                "flair_color": None,
                "flair_group_id": None,
                "badges_granted": [],
                "version": post.version,
                "can_edit": False,
                "can_delete": False,
                "can_recover": False,
                "can_see_hidden_post": False,
                "can_wiki": False,
            }
        )
        links = [url for url in dict.fromkeys(post.links)]
        if links and not listing:
            data["link_counts"] = [
                {
                    "url": url,
                    "internal": forum.host in url.split("/")[2],
                    "reflection": False,
                    "title": forum.cooker.oneboxes.get(url, (None, ""))[0],
                    "clicks": len(url) % 7,
                }
                for url in links
            ]
        if not listing:
            data["read"] = True
        data["user_title"] = user.title
        if post.reply_to_post_number is not None:
            target = next(
                (p for p in topic.posts if p.post_number == post.reply_to_post_number), None
            )
            if target is not None:
                data["reply_to_user"] = _basic_user(forum.users[target.user_id])
        data["bookmarked"] = False
        if raw:
            data["raw"] = post.raw
        data.update(
            {
                "actions_summary": self._actions_summary(post, ctx.viewer),
                "moderator": user.moderator,
                "admin": user.admin,
                "staff": user.staff,
                "user_id": user.id,
                "hidden": post.hidden,
                "trust_level": user.trust_level,
                "deleted_at": iso(post.deleted_at) if post.deleted_at else None,
                "user_deleted": post.user_deleted,
                "edit_reason": post.edit_reason,
                "can_view_edit_history": True,
                "wiki": post.wiki,
            }
        )
        if post.deleted_at is not None and post.deleted_by_id is not None:
            data["deleted_by"] = _basic_user(forum.users[post.deleted_by_id])
        if post.action_code:
            data["action_code"] = post.action_code
        if listing:
            data["excerpt"], data["truncated"] = excerpt(cooked)
        data["mentioned_users"] = [
            _basic_user(u) for name in dict.fromkeys(post.mentions) if (u := forum.user(name))
        ]
        data["post_url"] = f"/t/{topic.slug}/{topic.id}/{post.post_number}"
        if forum.reactions_plugin:
            # The heart is the like; the plugin lists it with the other emoji, most used first.
            counts = dict(post.reactions)
            if post.likes:
                counts["heart"] = post.likes
            data["reactions"] = [
                {"id": emoji, "type": "emoji", "count": count}
                for emoji, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            ]
            data["current_user_reaction"] = None
            data["reaction_users_count"] = post.likes + sum(post.reactions.values())
            data["current_user_used_main_reaction"] = False
        return data

    def _actions_summary(self, post: Post, viewer: User | None) -> list[JSON]:
        """Likes are ``id`` 2; anonymous readers see only counts, users also what they can do."""
        if viewer is None:
            return [{"id": 2, "count": post.likes}] if post.likes else []
        own = viewer.id == post.user_id
        like: JSON = {"id": 2}
        if post.likes:
            like["count"] = post.likes
        like["can_act"] = not own
        if own and not post.likes:
            return []
        flags = [] if own else [{"id": i, "can_act": True} for i in FLAG_TYPES]
        return [like, *flags]


# ----- helpers ---------------------------------------------------------------------------------


def _near(stream: list[Post], post_number: int) -> list[Post]:
    """TopicView#filter_posts_near: a chunk around ``post_number`` (5 before it), kept full."""
    if not stream:
        return []
    index = min(range(len(stream)), key=lambda i: abs(stream[i].post_number - post_number))
    start = max(0, index - CHUNK_SIZE // 4)
    start = max(0, min(start, len(stream) - CHUNK_SIZE))
    return stream[start : start + CHUNK_SIZE]


def _to_i(value: str) -> int:
    """Ruby's String#to_i: leading digits, else 0."""
    match = re.match(r"\s*(-?\d+)", value)
    return int(match[1]) if match else 0


def _int_param(query: MultiMapping[str], name: str, default: int) -> int:
    if name not in query:
        return default
    value = query[name]
    if not re.fullmatch(r"-?\d+", value):
        raise _invalid_param(name)
    return int(value)


def _top_tags(topics: list[Topic]) -> list[str]:
    counts = collections.Counter(tag for t in topics for tag in t.tags)
    return [tag for tag, _ in counts.most_common(10)]


def _basic_user(user: User) -> JSON:
    return {
        "id": user.id,
        "username": user.username,
        "name": user.name,
        "avatar_template": user.avatar_template,
    }


def _list_user(user: User) -> JSON:
    data = _basic_user(user)
    if user.admin:
        data["admin"] = True
    if user.moderator:
        data["moderator"] = True
    data["trust_level"] = user.trust_level
    return data


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
