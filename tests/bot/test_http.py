"""The one HTTP client against real local servers: its address guard, redirects, retries and caps.

DNS and time are the only stand-ins (`FakeDns`, `FakeTime`); every request crosses a real socket,
and the autouse network guard fails any test whose client would leave this machine.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from aiohttp import web

from bot.http import (
    BadResponse,
    BlockedAddress,
    HttpClient,
    HttpError,
    HttpPolicy,
    HttpStatusError,
    ResponseTooLarge,
    WaitTooLong,
)
from tests.support import network_guard
from tests.support.http_support import (
    FakeDns,
    FakeTime,
    LocalServer,
    in_turn,
    redirect,
    respond,
    serve,
)

ALLOW_LOOPBACK = HttpPolicy(allow_private=("127.0.0.1",))
SECRETS = {"Api-Key": "forum-key", "Api-Username": "system", "Authorization": "Bearer token"}
ClientFactory = Callable[..., HttpClient]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def make_client(fake_time: FakeTime) -> AsyncIterator[ClientFactory]:
    """Clients that sleep on `fake_time`; all closed when the test ends."""
    clients: list[HttpClient] = []

    def make(policy: HttpPolicy = HttpPolicy(), resolver: FakeDns | None = None) -> HttpClient:
        client = HttpClient(policy, clock=fake_time.clock, sleep=fake_time.sleep, resolver=resolver)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def server() -> AsyncIterator[LocalServer]:
    async with serve({"/ok": respond(200, '{"ok": true}')}) as running:
        yield running


# --- addresses a chat URL may not reach -------------------------------------------------------

PRIVATE_HOSTS = [
    "127.0.0.1",
    "127.1",  # the short forms C resolvers accept ...
    "0x7f000001",
    "2130706433",
    "0177.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::127.0.0.1]",  # IPv4-compatible
    "[64:ff9b::7f00:1]",  # NAT64
    "[2002:7f00:1::]",  # 6to4
    "0.0.0.0",
    "0.1.2.3",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "[::]",
    "[fc00::1]",
    "[fe80::1]",
    "[ff02::1]",
]


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
async def test_untrusted_private_addresses_are_refused_before_any_connection(
    make_client: ClientFactory, server: LocalServer, host: str
) -> None:
    dns = FakeDns({})
    client = make_client(resolver=dns)
    with pytest.raises(BlockedAddress, match="points at this machine or a private network"):
        await client.request("GET", f"http://{host}:{server.port}/ok", untrusted=True)
    # Nothing was looked up or sent; a connect to a non-loopback address would also have failed
    # the test through the network guard.
    assert (server.seen, dns.queries, client.requests) == ([], [], 0)


async def test_the_allow_list_opens_exactly_what_the_operator_listed(
    make_client: ClientFactory, server: LocalServer
) -> None:
    url = f"http://127.0.0.1:{server.port}/ok"
    assert await make_client(ALLOW_LOOPBACK).get_json(url, untrusted=True) == {"ok": True}
    cidr = HttpPolicy(allow_private=("127.0.0.0/8",))
    assert await make_client(cidr).get_json(url, untrusted=True) == {"ok": True}
    # 127.0.0.1 being allowed does not open ::1, nor a name that also resolves to ::1.
    loopback_names = FakeDns({"localhost": ["127.0.0.1", "::1"]})
    client = make_client(ALLOW_LOOPBACK, resolver=loopback_names)
    with pytest.raises(BlockedAddress):
        await client.request("GET", f"http://[::1]:{server.port}/ok", untrusted=True)
    with pytest.raises(BlockedAddress):
        await client.request("GET", f"http://localhost:{server.port}/ok", untrusted=True)
    assert len(server.seen) == 2


async def test_localhost_is_refused_by_the_real_resolver_unless_allowed(
    make_client: ClientFactory, server: LocalServer
) -> None:
    url = f"http://localhost:{server.port}/ok"
    with pytest.raises(BlockedAddress, match="localhost"):
        await make_client().request("GET", url, untrusted=True)
    assert server.seen == []
    allowed = make_client(HttpPolicy(allow_private=("localhost",)))
    assert await allowed.get_json(url, untrusted=True) == {"ok": True}


async def test_ipv6_loopback_is_reachable_only_when_allowed(make_client: ClientFactory) -> None:
    async with serve({"/ok": respond(200, "[1]")}, host="::1") as ipv6_server:
        with pytest.raises(BlockedAddress):
            await make_client().request("GET", ipv6_server.url("/ok"), untrusted=True)
        allowed = make_client(HttpPolicy(allow_private=("::1",)))
        assert await allowed.get_json(ipv6_server.url("/ok"), untrusted=True) == [1]
        assert len(ipv6_server.seen) == 1


async def test_a_name_resolving_to_a_private_address_is_refused(
    make_client: ClientFactory, server: LocalServer
) -> None:
    dns = FakeDns({"intranet.example": ["10.0.0.5"], "box.example": ["127.0.0.1"]})
    client = make_client(resolver=dns)
    for name in ("intranet.example", "box.example"):
        with pytest.raises(BlockedAddress, match=name):
            await client.request("GET", f"http://{name}:{server.port}/ok", untrusted=True)
    assert dns.queries == ["intranet.example", "box.example"]
    assert (server.seen, client.requests) == ([], 0)


async def test_one_private_address_among_public_ones_refuses_the_name(
    make_client: ClientFactory, server: LocalServer
) -> None:
    # Connecting to the public address would trip the network guard, so the only way to pass is
    # to refuse the whole answer.
    dns = FakeDns({"mixed.example": ["93.184.215.14", "127.0.0.1"]})
    with pytest.raises(BlockedAddress):
        await make_client(resolver=dns).request(
            "GET", f"http://mixed.example:{server.port}/ok", untrusted=True
        )
    assert server.seen == []


async def test_dns_rebinding_cannot_redirect_the_connection(make_client: ClientFactory) -> None:
    """The checked answer is the one connected to: a second lookup never happens.

    127.0.0.2 plays the public address (allowed), 127.0.0.1 the private one; both listen on the
    same port. A client that resolved once to check and again to connect would reach 127.0.0.1.
    """
    dns = FakeDns({"rebind.example": ["127.0.0.2"]}, later={"rebind.example": ["127.0.0.1"]})
    client = make_client(HttpPolicy(allow_private=("127.0.0.2",)), resolver=dns)
    async with (
        serve({"/ok": respond(200, '"private"')}) as private,
        serve({"/ok": respond(200, '"public"')}, host="127.0.0.2", port=private.port) as public,
    ):
        url = f"http://rebind.example:{private.port}/ok"
        assert await client.get_json(url, untrusted=True) == "public"
    assert dns.queries == ["rebind.example"]
    assert (len(public.seen), private.seen) == (1, [])


async def test_every_redirect_hop_is_checked_again(
    make_client: ClientFactory, server: LocalServer
) -> None:
    targets = {
        "/to-lan": "http://10.0.0.1/",
        "/to-ipv6-loopback": f"http://[::1]:{server.port}/ok",
        "/to-localhost": f"http://localhost:{server.port}/ok",
        "/to-metadata": "http://169.254.169.254/latest/meta-data/",
    }
    async with serve({path: redirect(location) for path, location in targets.items()}) as start:
        client = make_client(ALLOW_LOOPBACK, resolver=FakeDns({"localhost": ["127.0.0.1", "::1"]}))
        for path in targets:
            with pytest.raises(BlockedAddress):
                await client.request("GET", start.url(path), untrusted=True)
        assert len(start.seen) == len(targets)
    assert server.seen == []


async def test_only_http_and_https_are_fetched(
    make_client: ClientFactory, server: LocalServer
) -> None:
    client = make_client(ALLOW_LOOPBACK)
    for url in ("file:///etc/passwd", f"gopher://127.0.0.1:{server.port}/", "ftp://example.org/"):
        for untrusted in (True, False):
            with pytest.raises(HttpError, match="only http and https") as caught:
                await client.request("GET", url, untrusted=untrusted)
            assert not isinstance(caught.value, BlockedAddress)
    async with serve({"/file": redirect("file:///etc/passwd")}) as start:
        with pytest.raises(HttpError, match="only http and https"):
            await client.request("GET", start.url("/file"))
    assert client.requests == 1


@pytest.mark.parametrize(
    "url",
    [
        "http://" + "a" * 5000 + "/",
        "http://" + "ü" * 5000 + "/",  # yarl's own idna encoding fails on this one
        "http://" + "a" * 64 + ".example/",  # one label over 63 characters
        "http://a..example/",
    ],
)
async def test_an_invalid_host_name_is_an_http_error_not_a_unicode_error(
    make_client: ClientFactory, url: str
) -> None:
    for untrusted in (True, False):
        with pytest.raises(HttpError, match="valid host name") as caught:
            await make_client().request("GET", url, untrusted=untrusted)
        assert not isinstance(caught.value, UnicodeError)
        assert len(str(caught.value)) < 120  # short enough to show in chat


async def test_trusted_requests_are_not_address_checked(
    make_client: ClientFactory, server: LocalServer
) -> None:
    client = make_client()
    assert await client.get_json(server.url("/ok")) == {"ok": True}
    # 0x7f000001 goes through the real resolver, which maps it to 127.0.0.1 without DNS.
    assert await client.get_json(f"http://0x7f000001:{server.port}/ok") == {"ok": True}


def test_the_network_guard_knows_numeric_loopback_forms() -> None:
    for host in ("0x7f000001", "127.1", "2130706433", "0177.0.0.1", "::1", "localhost"):
        assert network_guard._is_local(host), host
    for host in ("0x08080808", "8.8.8.8", "example.org", "10.1"):
        assert not network_guard._is_local(host), host


# --- credentials and redirects ----------------------------------------------------------------


async def test_credentials_never_follow_a_redirect_to_another_origin(
    make_client: ClientFactory,
) -> None:
    async with serve({"/landing": respond(200, "{}")}) as other:
        routes = {
            "/same": redirect("/landing"),
            "/landing": respond(200, "{}"),
            "/away": redirect(other.url("/landing")),
        }
        async with serve(routes) as origin:
            client = make_client()
            headers = {**SECRETS, "X-Trace": "kept"}
            await client.request(
                "GET", origin.url("/same"), headers=headers, credentials={"X-Api-Key": "k"}
            )
            landed = origin.seen[-1]
            assert landed.path == "/landing"
            for name in [*SECRETS, "X-Api-Key", "X-Trace"]:
                assert name in landed.headers, name

            await client.request(
                "GET", origin.url("/away"), headers=headers, credentials={"X-Api-Key": "k"}
            )
            elsewhere = other.seen[-1]
            for name in [*SECRETS, "X-Api-Key"]:
                assert name not in elsewhere.headers, name
            assert elsewhere.headers["X-Trace"] == "kept"


async def test_credentials_are_not_restored_when_a_redirect_chain_comes_back(
    make_client: ClientFactory,
) -> None:
    async def bounce(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": request.query["to"]})

    routes = {"/bounce": bounce, "/landing": respond()}
    async with serve(routes) as origin, serve(routes) as other:
        back_home = f"{other.url('/bounce')}?{urlencode({'to': origin.url('/landing')})}"
        await make_client().request(
            "GET", origin.url("/bounce"), params={"to": back_home}, headers=SECRETS
        )
    assert [seen.path for seen in origin.seen] == ["/bounce", "/landing"]
    assert "Api-Key" in origin.seen[0].headers
    for name in SECRETS:
        assert name not in other.seen[0].headers, name
        assert name not in origin.seen[1].headers, name


async def test_userinfo_is_a_credential_and_never_shown(make_client: ClientFactory) -> None:
    async with serve({"/missing": respond(404, "{}")}) as server:
        url = f"http://alice:s3cret@127.0.0.1:{server.port}/missing?api_key=hidden"
        with pytest.raises(HttpStatusError) as caught:
            await make_client().request("GET", url)
    assert server.seen[0].headers["Authorization"].startswith("Basic ")
    assert server.seen[0].query == {"api_key": "hidden"}
    assert caught.value.url == f"http://127.0.0.1:{server.port}/missing"
    assert "s3cret" not in str(caught.value) and "hidden" not in str(caught.value)


async def test_post_becomes_get_on_303_but_307_keeps_method_and_body(
    make_client: ClientFactory,
) -> None:
    routes = {
        "/see-other": redirect("/target", 303),
        "/found": redirect("/target", 302),
        "/temporary": redirect("/target", 307),
        "/permanent": redirect("/target", 308),
        "/target": respond(200, "{}"),
    }
    async with serve(routes) as server:
        client = make_client()
        for path in routes:
            if path != "/target":
                await client.post_json(server.url(path), {"vote": "yes"})
    landed = [(seen.method, seen.body) for seen in server.seen if seen.path == "/target"]
    body = json.dumps({"vote": "yes"}).encode()
    assert landed == [("GET", b""), ("GET", b""), ("POST", body), ("POST", body)]
    assert client.requests == 8


async def test_a_redirect_loop_ends_after_max_redirects(make_client: ClientFactory) -> None:
    async with serve({"/loop": redirect("/loop")}) as server:
        with pytest.raises(HttpError, match="redirected more than 3 times"):
            await make_client(HttpPolicy(max_redirects=3)).request("GET", server.url("/loop"))
    assert server.count("/loop") == 4


async def test_an_accepted_redirect_is_returned_not_followed(make_client: ClientFactory) -> None:
    async with serve({"/moved": redirect("/elsewhere", 301)}) as server:
        response = await make_client().request("GET", server.url("/moved"), accept=(301,))
    assert (response.status, response.headers["location"]) == (301, "/elsewhere")
    assert len(server.seen) == 1


# --- statuses, retries and waits ---------------------------------------------------------------


async def test_a_503_is_retried_with_jittered_backoff(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    async with serve({"/flaky": in_turn(respond(503), respond(200, "[42]"))}) as server:
        client = make_client()
        assert await client.get_json(server.url("/flaky")) == [42]
    assert server.count("/flaky") == client.requests == 2
    assert len(fake_time.sleeps) == 1 and 0.25 <= fake_time.sleeps[0] <= 0.5


async def test_a_lasting_500_raises_after_the_last_attempt(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    async with serve({"/down": respond(500)}) as server:
        with pytest.raises(HttpStatusError) as caught:
            await make_client().request("GET", server.url("/down"))
    assert (caught.value.status, caught.value.retryable) == (500, True)
    assert server.count("/down") == HttpPolicy().attempts
    first, second, third = fake_time.sleeps
    assert 0.25 <= first <= 0.5 and 0.5 <= second <= 1.0 and 1.0 <= third <= 2.0


async def test_retry_false_sends_once(make_client: ClientFactory, fake_time: FakeTime) -> None:
    async with serve({"/down": respond(502)}) as server:
        with pytest.raises(HttpStatusError, match="502 Bad Gateway"):
            await make_client().request("GET", server.url("/down"), retry=False)
    assert (server.count("/down"), fake_time.sleeps) == (1, [])


async def test_a_404_is_raised_at_once_unless_accepted(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    async with serve({"/gone": respond(404, '{"errors": ["not found"]}')}) as server:
        client = make_client()
        with pytest.raises(HttpStatusError, match="404 Not Found") as caught:
            await client.request("GET", server.url("/gone"))
        assert (caught.value.status, caught.value.retryable) == (404, False)
        response = await client.request("GET", server.url("/gone"), accept=(404,))
    assert (response.status, response.json()) == (404, {"errors": ["not found"]})
    assert (server.count("/gone"), fake_time.sleeps) == (2, [])


async def test_a_year_long_retry_after_ends_the_call_at_once(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    async with serve({"/limited": respond(429, "{}", {"Retry-After": "31536000"})}) as server:
        started = time.monotonic()
        with pytest.raises(WaitTooLong, match="asked to wait 31536000 s") as caught:
            await make_client().request("GET", server.url("/limited"))
        elapsed = time.monotonic() - started
    assert (caught.value.wait, caught.value.retryable, caught.value.status) == (31536000, True, 429)
    assert fake_time.sleeps == [] and elapsed < 1.0
    assert server.count("/limited") == 1


async def test_the_longer_of_retry_after_and_wait_seconds_is_honoured(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    limited = respond(429, '{"extras": {"wait_seconds": 7}}', {"Retry-After": "2"})
    async with serve({"/latest.json": in_turn(limited, respond(200, "[]"))}) as server:
        assert await make_client().get_json(server.url("/latest.json")) == []
    assert fake_time.sleeps == [7.0]


async def test_a_wait_seconds_over_the_cap_is_too_long(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    async with serve({"/t": respond(429, '{"extras": {"wait_seconds": 400}}')}) as server:
        with pytest.raises(WaitTooLong, match="asked to wait 400 s"):
            await make_client().request("GET", server.url("/t"))
    assert fake_time.sleeps == []


async def test_retry_after_as_an_http_date_counts_from_the_servers_date(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)
    headers = {
        "Date": email.utils.format_datetime(now, usegmt=True),
        "Retry-After": email.utils.format_datetime(now + timedelta(seconds=30), usegmt=True),
    }
    async with serve({"/busy": in_turn(respond(503, "", headers), respond(200, "1"))}) as server:
        assert await make_client().get_json(server.url("/busy")) == 1
    assert fake_time.sleeps == [30.0]


async def test_a_fresh_call_waits_out_a_retry_after_given_to_an_earlier_one(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    limited = respond(429, "{}", {"Retry-After": "3"})
    async with serve({"/api": in_turn(limited, respond(200, "{}"))}) as server:
        client = make_client()
        with pytest.raises(HttpStatusError) as caught:
            await client.request("GET", server.url("/api"), retry=False)
        assert (caught.value.status, caught.value.retryable) == (429, True)
        await client.request("GET", server.url("/api"), retry=False)
    assert fake_time.sleeps == [3.0]


async def test_retries_are_logged_without_the_query_string(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    async with serve({"/rpc": in_turn(respond(503), respond(200, "{}"))}) as server:
        with caplog.at_level(logging.WARNING, logger="bot.http"):
            await make_client().request("GET", server.url("/rpc") + "?key=sekrit")
    (record,) = caplog.records
    assert "503" in record.getMessage() and server.url("/rpc") in record.getMessage()
    assert "sekrit" not in caplog.text


async def test_a_slow_server_times_out_as_a_retryable_error(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    release = asyncio.Event()

    async def stall(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.Response(text="{}")

    async with serve({"/slow": stall}) as server:
        client = make_client(HttpPolicy(timeout=0.2, attempts=2))
        started = time.monotonic()
        with pytest.raises(HttpError, match=r"did not answer within 0\.2 s") as caught:
            await client.request("GET", server.url("/slow"))
        elapsed = time.monotonic() - started
        release.set()
    assert caught.value.retryable and caught.value.status is None
    assert server.count("/slow") == 2 and len(fake_time.sleeps) == 1
    assert elapsed < 2.0


async def test_an_unreachable_port_is_a_retryable_error(
    make_client: ClientFactory, fake_time: FakeTime
) -> None:
    async with serve({}) as closed:
        port = closed.port
    with pytest.raises(HttpError, match=r"could not reach 127\.0\.0\.1") as caught:
        await make_client().request("GET", f"http://127.0.0.1:{port}/")
    assert caught.value.retryable and len(fake_time.sleeps) == HttpPolicy().attempts - 1


# --- bodies --------------------------------------------------------------------------------------

MB = 1024 * 1024


async def test_a_200_mb_body_is_cut_off_at_the_cap(make_client: ClientFactory) -> None:
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        response = web.StreamResponse()  # chunked: no Content-Length to refuse up front
        await response.prepare(request)
        chunk = b"x" * (64 * 1024)
        try:
            while sent < 200 * MB:
                await response.write(chunk)
                sent += len(chunk)
        except ConnectionError:
            pass  # the client hung up, as it should
        return response

    async with serve({"/huge": endless}) as server:
        with pytest.raises(ResponseTooLarge, match="sent more than 20 MB"):
            await make_client().request("GET", server.url("/huge"))
        await asyncio.sleep(0.05)
    assert 20 * MB < sent < 60 * MB  # the cap plus what socket buffers held, not 200 MB


async def test_a_declared_content_length_over_the_cap_is_refused_before_reading(
    make_client: ClientFactory,
) -> None:
    async def announce(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(200 * MB)})
        await response.prepare(request)
        await response.write(b"x" * 1024)
        return response

    async with serve({"/big": announce}) as server:
        started = time.monotonic()
        with pytest.raises(ResponseTooLarge, match="more than 1 MB"):
            await make_client(HttpPolicy(max_response_bytes=MB)).request("GET", server.url("/big"))
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("body", [b"not json{", b"\xff\xfe\x00garbage", b"", b"[" * 100_000])
async def test_invalid_json_is_a_bad_response(make_client: ClientFactory, body: bytes) -> None:
    async with serve({"/broken": respond(200, body)}) as server:
        with pytest.raises(BadResponse, match=r"answered with (invalid JSON|JSON nested over)"):
            await make_client().get_json(server.url("/broken"))


async def test_text_uses_the_declared_charset(make_client: ClientFactory) -> None:
    page = "Gouvernance à 100 %".encode("latin-1")
    headers = {"Content-Type": "text/html; charset=ISO-8859-1"}
    async with serve({"/page": respond(200, page, headers)}) as server:
        response = await make_client().request("GET", server.url("/page"))
    assert response.text() == "Gouvernance à 100 %"
    assert response.headers["content-type"] == headers["Content-Type"]
