"""/ask's documents through the real app: a docs folder synced at start and again after edits,
pages added with /docs add from a local web server, and the "knowledge" record source finding
passages with links to their very place. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from bot.records import Passage, SearchRequest
from cogs.knowledge.config import DocsFolder
from cogs.knowledge.docs_models import DocPassage, Document
from cogs.knowledge.docs_service import DocsService
from retrieval.query import parse
from tests.support.apps import make_settings, running_app

BASE = "https://github.com/meridian/handbook/blob/main/"

TREASURY = """---
title: Treasury
---
# Treasury

The treasury is a 3-of-5 Safe on mainnet.

## Signers

| Signer | Since |
|---|---|
| alice.eth | 2024-01 |
| bob.eth | 2024-06 |

Signers rotate every six months.

## Signers

Backup signers are on the multisig committee page.
"""

PAGE = """<html><head><title>Brand guide</title><script>var t = 1;</script></head>
<body><nav>Home · Blog</nav><main>
<h1 id="brand">Brand guide</h1><p>Our logo is a lighthouse.</p>
<h2 id="colours">Colours</h2><p>The primary colour is deep teal, #0b4f6c.</p>
</main><footer>© Meridian</footer></body></html>"""


async def run(app: App, line: str, role: Role = Role.STEWARD) -> str:
    out = io.StringIO()
    await ConsoleFrontEnd(app, role=role, stdin=io.StringIO(), stdout=out).handle_line(line)
    return out.getvalue()


def write_handbook(root: Path) -> None:
    (root / "governance").mkdir(parents=True)
    (root / "treasury.md").write_text(TREASURY)
    (root / "governance" / "voting.md").write_text(
        "# Voting\n\nQuorum is 4 % of the token supply.\n\n## Délais\n\nVotes last seven days.\n"
    )
    (root / "notes.txt").write_text("Office hours\n\nEvery Thursday at 16:00 UTC.\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")  # not a document: skipped
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.md").write_text("# Not part of the handbook\n")


def settings(tmp_path: Path, db_url: str, folder: Path, **knowledge: Any) -> Any:
    docs = [{"path": str(folder), "base_url": BASE, "name": "handbook"}]
    return make_settings(tmp_path, db_url, knowledge={"docs": docs, **knowledge})


def docs(app: App) -> DocsService:
    service: DocsService = app.runtimes["knowledge"].docs
    return service


async def search(app: App, question: str) -> list[Passage]:
    (community,) = await app.communities.all()
    source = app.records.source_of("knowledge:passage:1")
    assert source is not None, "the knowledge source is registered"
    return list(await source.search(SearchRequest(community.id, parse(question), limit=5)))


async def rows(app: App) -> dict[str, tuple[int, str, int]]:
    """path -> (document id, content hash, passages)."""
    async with app.db.read() as session:
        documents = list(await session.exec(select(Document)))
        passages = list(await session.exec(select(DocPassage)))
    return {
        d.path: (d.id or 0, d.content_hash, sum(p.document_id == d.id for p in passages))
        for d in documents
    }


async def test_a_docs_folder_is_synced_at_start_and_after_edits_and_deletes(
    tmp_path: Path, db_url: str
) -> None:
    folder = tmp_path / "handbook"
    write_handbook(folder)
    async with running_app(settings(tmp_path, db_url, folder)) as app:
        first = await rows(app)
        assert set(first) == {"treasury.md", "governance/voting.md", "notes.txt"}
        assert first["treasury.md"][2] == 3  # the intro and two "Signers" sections

        found = await search(app, "who are the treasury signers?")
        assert {p.url for p in found[:2]} == {
            BASE + "treasury.md#signers",
            BASE + "treasury.md#signers-1",  # a repeated heading gets -1
        }, "the folder's passages are searchable at once"
        best, *_ = await search(app, "how often do signers rotate?")
        assert best.kind == "document" and "alice.eth" in best.text
        assert best.url == BASE + "treasury.md#signers"
        assert best.title == "Treasury › Signers"
        # Undated, so ranking counts it one half-life old: fetched now is not written now.
        assert best.created_at is None
        deadline, *_ = await search(app, "how many days do votes last")
        assert deadline.url == BASE + "governance/voting.md#délais"

        (folder / "notes.txt").write_text("Office hours\n\nEvery Friday at 15:00 UTC.\n")
        (folder / "governance" / "voting.md").unlink()
        (folder / "grants.md").write_text("# Grants\n\nSmall grants up to 5,000 USDC.\n")
        report = await docs(app).sync_folders()
        assert (report.added, report.changed, report.removed, report.unchanged) == (1, 1, 1, 1)

        second = await rows(app)
        assert set(second) == {"treasury.md", "notes.txt", "grants.md"}
        assert second["treasury.md"] == first["treasury.md"], "an unchanged file is untouched"
        assert await search(app, "quorum token supply") == [], "a deleted file leaves answers"
        assert await search(app, "Thursday office hours") != []
        (friday,) = await search(app, "friday")
        assert "15:00" in friday.text
        assert friday.url == BASE + "notes.txt"

        source = app.records.source_of(friday.key)
        assert source is not None
        (community,) = await app.communities.all()
        fetched = await source.fetch(
            community.id, [best.key, deadline.key, friday.key], frozenset()
        )
        assert [p.key for p in fetched] == [best.key, friday.key], "a deleted file's is gone"
        assert fetched[1].text == friday.text and fetched[1].url == friday.url
        listing = await source.listing(community.id, None, 2)
        assert len(listing.passages) == 2 and listing.after is not None
        rest = await source.listing(community.id, listing.after, 100)
        assert rest.after is None
        total = sum(n for _, _, n in second.values())
        assert len(listing.passages) + len(rest.passages) == total

        listed = await run(app, "/docs list", Role.MEMBER)
        assert "handbook/treasury.md" in listed and "3 passages" in listed, listed


@asynccontextmanager
async def page_server(pages: dict[str, Any]) -> AsyncIterator[str]:
    """Pages by path: (status, content type, body); a path not there answers 404."""

    async def handle(request: web.Request) -> web.Response:
        status, content_type, body = pages.get(request.path, (404, "text/html", b"Not found"))
        return web.Response(status=status, body=body, headers={"Content-Type": content_type})

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_docs_add_indexes_a_page_and_refuses_what_is_not_one(
    tmp_path: Path, db_url: str
) -> None:
    pages: dict[str, Any] = {
        "/brand": (200, "text/html; charset=utf-8", PAGE.encode()),
        "/logo.png": (200, "image/png", b"\x89PNG\r\n\x1a\n\0\0\0"),
        "/blob": (200, "text/plain", b"MZ\0\0binary"),
        "/huge": (200, "text/html", b"<p>" + b"word " * 600_000 + b"</p>"),
        "/empty": (200, "text/html", b"<html><body><nav>menu</nav></body></html>"),
    }
    empty_folder = tmp_path / "none"
    empty_folder.mkdir()
    async with (
        running_app(settings(tmp_path, db_url, empty_folder)) as app,
        page_server(pages) as site,
    ):
        member = await run(app, f"/docs add {site}/brand", Role.MEMBER)
        assert "/docs add is for stewards only." in member

        added = await run(app, f"/docs add {site}/brand")
        assert "Page added" in added and "Brand guide: 2 passages" in added, added
        (colour,) = await search(app, "what is the primary colour?")
        assert colour.url == f"{site}/brand#colours"
        assert colour.title == "Brand guide › Colours"
        assert "var t" not in colour.text and "©" not in colour.text

        for path, reason in (
            ("/missing", "answered 404"),
            ("/logo.png", "not an HTML or text page (image/png)"),
            ("/blob", "not an HTML or text page (text/plain)"),
            ("/huge", "sent more than 2 MB"),
            ("/empty", "has no text to index"),
        ):
            reply = await run(app, f"/docs add {site}{path}")
            assert f"{site}{path} cannot be added: " in reply and reason in reply, reply
            assert len(reply.strip().splitlines()) <= 4, "one line says why"
        assert set(await rows(app)) == {f"{site}/brand"}, "nothing stored for a refused page"

        # The page changes, then fails: the last good passages stay, with the error shown.
        pages["/brand"] = (200, "text/html", PAGE.replace("deep teal", "sea green").encode())
        report = await docs(app).refresh_pages()
        assert report.changed == 1
        (colour,) = await search(app, "primary colour")
        assert "sea green" in colour.text
        pages.pop("/brand")
        report = await docs(app).refresh_pages()
        assert report.failed == 1
        (colour,) = await search(app, "primary colour")
        assert "sea green" in colour.text, "a failing page keeps its passages"
        listed = await run(app, "/docs list", Role.MEMBER)
        assert "2 passages" in listed and "last error" in listed and "answered 404" in listed

        removed = await run(app, f"/docs remove {site}/brand")
        assert "No longer indexing" in removed
        assert await search(app, "primary colour") == []
        again = await run(app, f"/docs remove {site}/brand")
        assert "is not one of this community's pages" in again


async def test_pages_from_chat_never_reach_private_addresses(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "none"
    folder.mkdir()
    settings_ = make_settings(tmp_path, db_url, http={"allow_private": []})
    async with (
        running_app(settings_) as app,
        page_server({"/x": (200, "text/html", b"<p>hi</p>")}) as site,
    ):
        reply = await run(app, f"/docs add {site}/x")
        assert "points at this machine or a private network" in reply, reply
        assert await rows(app) == {}


async def test_two_replicas_syncing_one_folder_at_once_both_carry_on(
    tmp_path: Path, db_url: str
) -> None:
    folder = tmp_path / "handbook"
    write_handbook(folder)
    empty = tmp_path / "none"
    empty.mkdir()
    async with running_app(settings(tmp_path, db_url, empty)) as app:
        (community,) = await app.communities.all()
        config = app.runtimes["knowledge"].config.model_copy(
            update={"docs": [DocsFolder(path=str(folder), base_url=BASE)]}
        )
        replicas = [
            DocsService(
                app.db, app.http, app.clock, config, {community.slug: community.id}, community.slug
            )
            for _ in range(2)
        ]
        for _ in range(3):  # new files, then a new version of each, raced each time
            reports = await asyncio.gather(*(r.sync_folders() for r in replicas))
            assert sum(r.added + r.changed + r.unchanged + r.failed for r in reports) == 6
            for file in folder.rglob("*.md"):
                file.write_text(file.read_text() + "\nOne more line.\n")
        await replicas[0].sync_folders()
        stored = await rows(app)
        assert set(stored) >= {"treasury.md", "governance/voting.md", "notes.txt"}
        assert stored["treasury.md"][2] == 3, "one document, its passages once"


async def test_a_restart_fetches_the_pages_again_at_once(tmp_path: Path, db_url: str) -> None:
    pages: dict[str, Any] = {"/brand": (200, "text/html", PAGE.encode())}
    empty = tmp_path / "none"
    empty.mkdir()
    async with page_server(pages) as site:
        async with running_app(settings(tmp_path, db_url, empty)) as app:
            assert "Page added" in await run(app, f"/docs add {site}/brand")
        pages["/brand"] = (200, "text/html", PAGE.replace("deep teal", "sea green").encode())
        async with running_app(settings(tmp_path, db_url, empty)) as app:
            report = await docs(app).started()
            assert report is not None and report.changed == 1
            (colour,) = await search(app, "primary colour")
            assert "sea green" in colour.text, "not an interval after the start"
