"""The one outbound HTTP client: everything Steward fetches goes through `HttpClient`.

One place holds the rules, so no feature can forget one: a timeout on every attempt, retries with
backoff that honour the server's requested wait (up to a cap), a cap on response size, redirects
followed here so that credentials never leave their origin, and, for URLs typed into chat, no
connection to this machine or a private network (see `bot.http_guard`).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any, TypedDict, Unpack

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from multidict import CIMultiDict
from yarl import URL

from bot.http_guard import (
    AddressRules,
    GuardedResolver,
    PrivateAddress,
    is_valid_host_name,
    literal_address,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
WAIT_STATUSES = frozenset({429, 503})  # the statuses whose Retry-After we honour
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "api-username", "cookie", "x-api-key"}
)
MAX_BACKOFF = 30.0
CHUNK_SIZE = 64 * 1024
Origin = tuple[str, str, int | None]


@dataclass(frozen=True)
class HttpPolicy:
    timeout: float = 20.0  # seconds, whole attempt (connect + read)
    connect_timeout: float = 10.0
    attempts: int = 4  # tries per request when retrying is on
    backoff: float = 0.5  # base of exponential backoff with jitter, capped at MAX_BACKOFF
    max_retry_after: float = 300.0  # longest Retry-After / wait_seconds we are willing to wait
    max_response_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    allow_private: tuple[str, ...] = ()  # IPs, CIDRs ("10.0.0.0/8") or host names
    user_agent: str = "Steward (+https://github.com/steward-bot)"


class HttpError(aiohttp.ClientError):
    """A fetch failed; `str(exc)` is a short sentence fit to show a user.

    `url` never carries the query string or userinfo, where API keys tend to hide.
    """

    def __init__(
        self, message: str, *, url: str, status: int | None = None, retryable: bool = False
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.retryable = retryable


class BlockedAddress(HttpError):
    def __init__(self, host: str, *, url: str) -> None:
        super().__init__(f"refused: {host} points at this machine or a private network", url=url)


class WaitTooLong(HttpError):
    """The server asked us to come back later than `HttpPolicy.max_retry_after`."""

    def __init__(self, host: str, wait: float, *, url: str, status: int) -> None:
        super().__init__(
            f"{host} asked to wait {wait:.0f} s", url=url, status=status, retryable=True
        )
        self.wait = wait


class ResponseTooLarge(HttpError):
    def __init__(self, host: str, limit: int, *, url: str) -> None:
        super().__init__(f"{host} sent more than {_size(limit)}", url=url)


class BadResponse(HttpError):
    """The body is not what was asked for (invalid JSON, undecodable text)."""


class HttpStatusError(HttpError):
    def __init__(self, host: str, status: int, *, url: str, retryable: bool) -> None:
        try:
            message = f"{host} answered {status} {HTTPStatus(status).phrase}"
        except ValueError:  # a status Python has no name for
            message = f"{host} answered {status}"
        super().__init__(message, url=url, status=status, retryable=retryable)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]  # case-insensitive (aiohttp's CIMultiDictProxy)
    body: bytes
    url: str  # the final URL, after redirects

    def json(self) -> Any:
        if _nested_too_deep(self.body):
            url = URL(self.url)
            message = f"{_host(url)} answered with JSON nested over {MAX_JSON_DEPTH} levels"
            raise BadResponse(message, url=_shown(url))
        try:
            return jsonlib.loads(self.body)
        except (ValueError, RecursionError) as exc:  # also UnicodeDecodeError; deep nesting
            url = URL(self.url)
            raise BadResponse(f"{_host(url)} answered with invalid JSON", url=_shown(url)) from exc

    def text(self) -> str:
        """The body in its declared charset (else UTF-8); one bad byte does not spoil a page."""
        match = re.search(r"charset=\"?([\w.:-]+)", self.headers.get("Content-Type", ""), re.I)
        try:
            return self.body.decode(match[1] if match else "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class _Hop:
    """One request on the way to the final response, with its headers for that origin."""

    method: str
    url: URL
    headers: CIMultiDict[str]
    body: bytes | None
    untrusted: bool
    limits: aiohttp.ClientTimeout
    max_bytes: int


class RequestOptions(TypedDict, total=False):
    params: Mapping[str, str | int | float] | None
    headers: Mapping[str, str] | None
    credentials: Mapping[str, str] | None
    untrusted: bool
    retry: bool
    accept: Collection[int]
    timeout: float | None
    max_bytes: int | None


class HttpClient:
    """Opens its aiohttp sessions lazily in the running loop; use it with `async with`."""

    def __init__(
        self,
        policy: HttpPolicy = HttpPolicy(),
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.policy = policy
        self.requests = 0  # HTTP requests actually sent, retries and redirects included
        self._clock = clock
        self._sleep = sleep
        self._rules = AddressRules.from_allow_list(policy.allow_private)
        self._resolver = resolver
        self._owns_resolver = resolver is None
        self._sessions: dict[bool, aiohttp.ClientSession] = {}  # keyed by "untrusted"
        self._not_before: dict[Origin, float] = {}  # origin -> clock time its Retry-After ends

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()
        if self._owns_resolver and self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    async def get_json(self, url: str, **options: Unpack[RequestOptions]) -> Any:
        return (await self.request("GET", url, **options)).json()

    async def post_json(self, url: str, body: Any, **options: Unpack[RequestOptions]) -> Any:
        return (await self.request("POST", url, json=body, **options)).json()

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int | float] | None = None,
        headers: Mapping[str, str] | None = None,
        credentials: Mapping[str, str] | None = None,
        json: Any = None,
        data: bytes | None = None,
        untrusted: bool = False,
        retry: bool = True,
        accept: Collection[int] = (),
        timeout: float | None = None,  # noqa: ASYNC109 - per attempt, enforced by aiohttp
        max_bytes: int | None = None,
    ) -> HttpResponse:
        """Send a request and follow its redirects.

        `credentials` (and credential headers in `headers`) go only to the first URL's origin.
        `untrusted=True` is for URLs that came from chat: no private or local addresses.
        Statuses in `accept` are returned as they are, never retried or raised.
        `max_bytes` lowers the policy's cap on the body for this request (a page to index).
        """
        if json is not None and data is not None:
            raise ValueError("pass json or data, not both")
        target = _parse(url)
        if params:
            target = target.extend_query(params)
        plain: CIMultiDict[str] = CIMultiDict()
        secret: CIMultiDict[str] = CIMultiDict(credentials or {})
        for name, value in (headers or {}).items():
            (secret if name.lower() in CREDENTIAL_HEADERS else plain)[name] = value
        if target.raw_user is not None:  # http://user:pass@host/ is a credential too
            try:
                basic = aiohttp.encode_basic_auth(target.user or "", target.password or "")
            except ValueError as exc:  # a ":" in the user name
                raise HttpError("the URL's user name is not valid", url=_shown(target)) from exc
            secret["Authorization"] = basic
            target = target.with_user(None)
        body = data
        if json is not None:
            body = jsonlib.dumps(json).encode()
            plain.setdefault("Content-Type", "application/json")

        limits = aiohttp.ClientTimeout(
            total=self.policy.timeout if timeout is None else timeout,
            connect=self.policy.connect_timeout,
        )
        origin = _origin(target)
        for _redirect in range(self.policy.max_redirects + 1):
            self._check(target, untrusted)
            if _origin(target) != origin:
                secret.clear()  # and never restored, even if a later hop comes back
            sent_headers = CIMultiDict(plain)
            sent_headers.extend(secret)
            cap = min(max_bytes or self.policy.max_response_bytes, self.policy.max_response_bytes)
            hop = _Hop(method, target, sent_headers, body, untrusted, limits, cap)
            response = await self._send(hop, retry, accept)
            location = response.headers.get("Location")
            if location is None or not _is_redirect(response) or response.status in accept:
                return response
            target = _redirect_target(target, location)
            if (response.status == 303 and method != "HEAD") or (
                response.status in (301, 302) and method == "POST"
            ):
                method, body = "GET", None  # as browsers do; 307 and 308 keep both
                plain.popall("Content-Type", None)
        raise HttpError(
            f"{_host(target)} redirected more than {self.policy.max_redirects} times",
            url=_shown(target),
        )

    def _check(self, url: URL, untrusted: bool) -> None:
        """Scheme and host rules, for the first URL and again for every redirect hop."""
        if url.scheme not in ("http", "https"):
            raise HttpError("refused: only http and https URLs are fetched", url=_shown(url))
        host = url.raw_host or ""
        if not host:
            raise HttpError("the URL has no host", url=_shown(url))
        if literal_address(host) is None and not is_valid_host_name(host):
            raise HttpError(f"{_clip(host)} is not a valid host name", url=_shown(url))
        if untrusted:
            try:
                self._rules.check_literal(host)
            except PrivateAddress as exc:
                raise BlockedAddress(_host(url), url=_shown(url)) from exc

    async def _send(self, hop: _Hop, retry: bool, accept: Collection[int]) -> HttpResponse:
        """One hop: retried on connection failures, timeouts and 429/5xx when `retry` is on."""
        host, shown, origin = _host(hop.url), _shown(hop.url), _origin(hop.url)
        attempts = max(1, self.policy.attempts) if retry else 1
        for attempt in range(attempts):
            if attempt == 0:  # a fresh call respects a Retry-After another call was given
                await self._cool_down(origin)
            try:
                response = await self._attempt(hop)
            except HttpError as exc:
                if not exc.retryable or attempt == attempts - 1:
                    raise
                problem, wait = str(exc), self._backoff(attempt)
            else:
                status = response.status
                if 200 <= status < 300 or status in accept or _is_redirect(response):
                    return response
                if status not in RETRY_STATUSES:
                    raise HttpStatusError(host, status, url=shown, retryable=False)
                asked = _asked_wait(response) if status in WAIT_STATUSES else None
                if asked is not None and asked > self.policy.max_retry_after:
                    raise WaitTooLong(host, asked, url=shown, status=status)
                if asked is not None:
                    self._defer(origin, asked)
                if attempt == attempts - 1:
                    raise HttpStatusError(host, status, url=shown, retryable=True)
                problem = f"status {status}"
                wait = asked if asked is not None else self._backoff(attempt)
            log.warning(
                "HTTP %s %s: %s; try %d of %d in %.1f s",
                hop.method, shown, problem, attempt + 2, attempts, wait,
            )  # fmt: skip
            await self._sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _attempt(self, hop: _Hop) -> HttpResponse:
        """One request and its capped body; aiohttp's failures become HttpError."""
        host, shown = _host(hop.url), _shown(hop.url)
        try:
            async with self._session(hop.untrusted).request(
                hop.method,
                hop.url,
                headers=hop.headers,
                data=hop.body,
                allow_redirects=False,
                timeout=hop.limits,
            ) as response:
                content = await self._read_capped(hop, response)
                return HttpResponse(response.status, response.headers, content, str(response.url))
        except HttpError:
            raise
        except PrivateAddress as exc:  # raised by GuardedResolver inside the connector
            raise BlockedAddress(host, url=shown) from exc
        except aiohttp.ClientSSLError as exc:
            raise HttpError(f"secure connection to {host} failed", url=shown) from exc
        except aiohttp.InvalidURL as exc:
            raise HttpError(f"{host} is not a valid host", url=shown) from exc
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            message = f"{host} did not answer within {hop.limits.total:g} s"
            raise HttpError(message, url=shown, retryable=True) from exc
        except aiohttp.ClientError as exc:
            raise HttpError(f"could not reach {host}", url=shown, retryable=True) from exc

    async def _read_capped(self, hop: _Hop, response: aiohttp.ClientResponse) -> bytes:
        """Read in chunks and stop at the cap: a hostile server may send gigabytes."""
        limit = hop.max_bytes
        declared = response.content_length if hop.method != "HEAD" else None
        if declared is not None and declared > limit:
            response.close()
            raise ResponseTooLarge(_host(hop.url), limit, url=_shown(hop.url))
        content = bytearray()
        async for chunk in response.content.iter_chunked(CHUNK_SIZE):
            content += chunk
            if len(content) > limit:
                response.close()  # drop the connection rather than drain the rest
                raise ResponseTooLarge(_host(hop.url), limit, url=_shown(hop.url))
        return bytes(content)

    def _session(self, untrusted: bool) -> aiohttp.ClientSession:
        """Created on first use, in the running loop; the untrusted one checks every address."""
        if (session := self._sessions.get(untrusted)) is not None:
            return session
        if self._resolver is None:
            self._resolver = DefaultResolver()
        resolver = GuardedResolver(self._resolver, self._rules) if untrusted else self._resolver
        tracing = aiohttp.TraceConfig()
        tracing.on_request_headers_sent.append(self._count_request)
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=resolver),
            cookie_jar=aiohttp.DummyCookieJar(),  # nothing carried from one fetch to the next
            headers={"User-Agent": self.policy.user_agent},
            trace_configs=[tracing],
            trust_env=False,  # a proxy from the environment would resolve names past the guard
        )
        self._sessions[untrusted] = session
        return session

    async def _count_request(
        self,
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestHeadersSentParams,
    ) -> None:
        self.requests += 1

    def _defer(self, origin: Origin, seconds: float) -> None:
        """Remember a server's requested wait, forgetting those that have ended."""
        now = self._clock()
        self._not_before = {key: end for key, end in self._not_before.items() if end > now}
        self._not_before[origin] = max(now + seconds, self._not_before.get(origin, now))

    async def _cool_down(self, origin: Origin) -> None:
        remaining = self._not_before.get(origin, 0.0) - self._clock()
        if remaining > 0:
            await self._sleep(remaining)

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, so that many clients do not retry in step."""
        return min(MAX_BACKOFF, self.policy.backoff * 2.0**attempt) * random.uniform(0.5, 1.0)


# Deeper than any API answers; much deeper nesting overflows the C stack of json's scanner once a
# library has raised the recursion limit (py_ecc sets it to 100,000): a crash, not an error.
MAX_JSON_DEPTH = 1000
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def _nested_too_deep(body: bytes) -> bool:
    if body.count(b"[") + body.count(b"{") <= MAX_JSON_DEPTH:
        return False  # too few brackets to nest that deep: the common, cheap case
    depth = 0
    for byte in _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKET):
        depth += 1 if byte in b"[{" else -1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


def _parse(url: str) -> URL:
    shown = re.sub(r"//[^/?#]*@", "//", url.split("?", 1)[0])  # no userinfo, no query
    try:
        return URL(url)
    except UnicodeError as exc:  # the idna codec refuses an over-long international name
        raise HttpError(f"{_clip(shown)} has no valid host name", url=shown) from exc
    except (ValueError, TypeError) as exc:
        raise HttpError(f"{_clip(shown)} is not a valid URL", url=shown) from exc


def _is_redirect(response: HttpResponse) -> bool:
    return response.status in REDIRECT_STATUSES and "Location" in response.headers


def _redirect_target(current: URL, location: str) -> URL:
    try:
        return current.join(URL(location)).with_fragment(None)
    except ValueError as exc:
        message = f"{_host(current)} redirected to an invalid URL"
        raise HttpError(message, url=_shown(current)) from exc


def _asked_wait(response: HttpResponse) -> float | None:
    """The longer of Retry-After and Discourse's `extras.wait_seconds`, if the server asked."""
    waits = [_retry_after(response.headers), _discourse_wait(response.body)]
    return max((wait for wait in waits if wait is not None), default=None)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After", "").strip()
    if value.isascii() and value.isdigit():
        return float(value)
    when = _http_date(value)
    if when is None:
        return None
    now = _http_date(headers.get("Date", "")) or datetime.now(UTC)  # the server's clock if given
    return max(0.0, (when - now).total_seconds())


def _http_date(value: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _discourse_wait(body: bytes) -> float | None:
    try:
        document = jsonlib.loads(body)
    except (ValueError, RecursionError):
        return None
    extras = document.get("extras") if isinstance(document, dict) else None
    wait = extras.get("wait_seconds") if isinstance(extras, dict) else None
    if isinstance(wait, int | float) and not isinstance(wait, bool) and wait >= 0:
        return float(wait)
    return None


def _origin(url: URL) -> Origin:
    return (url.scheme, url.raw_host or "", url.port)


def _host(url: URL) -> str:
    return _clip(url.host or url.scheme or "the server")


def _shown(url: URL) -> str:
    """The URL without userinfo, query or fragment: safe for logs and messages."""
    if url.raw_user is not None:
        url = url.with_user(None)
    return str(url.with_query(None).with_fragment(None))


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _size(limit: int) -> str:
    megabytes = limit / (1024 * 1024)
    return f"{megabytes:g} MB" if megabytes >= 1 else f"{limit} bytes"
