"""Documents for /ask: the configured folders kept in step with the disk, and the pages stewards
add, fetched again on the leader's schedule.

A document's passages are replaced in the transaction that records its new hash, so a search
sees the old passages or the new ones, never a mix. A page that fails to fetch keeps the
passages of its last good read and says why in `last_error`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.errors import ConfigError, UserError
from bot.http import HttpClient
from bot.storage.database import Database
from cogs.knowledge.config import DocsFolder, KnowledgeConfig
from cogs.knowledge.docs_fetch import FolderFile, PageRefused, Read, fetch_page, read_folder
from cogs.knowledge.docs_models import FOLDER, PAGE, DocPassage, Document

log = logging.getLogger(__name__)

# Passages per INSERT: well under SQLite's 32,766 bound parameters at six columns each.
INSERT_BATCH = 500


@dataclass
class SyncReport:
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    failed: int = 0

    def describe(self) -> str:
        parts = [
            f"{n} {what}"
            for n, what in (
                (self.added, "added"),
                (self.changed, "changed"),
                (self.removed, "removed"),
                (self.unchanged, "unchanged"),
                (self.failed, "failed"),
            )
            if n
        ]
        return ", ".join(parts) or "nothing to read"


@dataclass(frozen=True)
class DocumentRow:
    """A document as /docs list shows it."""

    origin: str
    folder: str
    path: str
    title: str
    passages: int
    fetched_at: object
    last_error: str | None


def link(base: str, anchor: str) -> str:
    if not base:
        return ""
    return f"{base}#{anchor}" if anchor else base


def folder_link(folder: DocsFolder, path: str) -> str:
    """Where a folder's file is published; "" when the folder has no base URL."""
    if not folder.base_url:
        return ""
    return folder.base_url.rstrip("/") + "/" + path


def page_key(url: str) -> str:
    """A page as stored and as /docs remove finds it: without its fragment."""
    return url.strip().split("#", 1)[0]


class DocsService:
    def __init__(
        self,
        db: Database,
        http: HttpClient,
        clock: Clock,
        config: KnowledgeConfig,
        communities: Mapping[str, int],
        default_community: str,
    ) -> None:
        self._db = db
        self._http = http
        self._clock = clock
        self._config = config
        self._communities = communities
        self._default = default_community
        self._lock = asyncio.Lock()  # one sync at a time in this process
        self._started: asyncio.Task[SyncReport] | None = None

    def folder_community(self, folder: DocsFolder) -> int:
        slug = folder.community or self._default
        if slug not in self._communities:
            raise ConfigError("knowledge.docs", f"{folder.path}: no community {slug!r}")
        return self._communities[slug]

    # -- folders ------------------------------------------------------------------------------

    async def sync_folders(self) -> SyncReport:
        """Every configured folder against the disk: new files added, changed files split again,
        deleted files (and folders no longer configured) removed; unchanged files untouched."""
        report = SyncReport()
        async with self._lock:
            configured: dict[int, set[str]] = {}
            for folder in self._config.docs:
                community = self.folder_community(folder)
                configured.setdefault(community, set()).add(folder.path)
                await self._sync_folder(folder, community, report)
            report.removed += await self._drop_unconfigured(configured)
        return report

    async def _sync_folder(self, folder: DocsFolder, community: int, report: SyncReport) -> None:
        # Blocking reads, off the event loop.
        files = await asyncio.to_thread(read_folder, Path(folder.path), folder.base_url)
        if files is None:
            log.warning("docs folder missing", extra={"folder": folder.path})
            report.failed += 1
            return
        async with self._db.read() as session:
            stored = {
                d.path: d
                for d in await session.exec(
                    select(Document).where(
                        Document.community_id == community,
                        Document.origin == FOLDER,
                        Document.folder == folder.path,
                    )
                )
            }
        for file in files:
            await self._store_file(folder, community, file, stored.pop(file.path, None), report)
        for gone in stored.values():
            async with self._db.transaction() as session:
                await _delete_document(session, gone)
            report.removed += 1

    async def _store_file(
        self,
        folder: DocsFolder,
        community: int,
        file: FolderFile,
        stored: Document | None,
        report: SyncReport,
    ) -> None:
        if file.body is None:
            report.failed += 1
            if stored is not None:
                await self._record_error(stored, file.error)
            return
        if stored is not None and stored.content_hash == file.content_hash:
            report.unchanged += 1
            return
        document = stored or Document(
            community_id=community, origin=FOLDER, folder=folder.path, path=file.path
        )
        read = await asyncio.to_thread(file.read)
        try:
            await self._replace(document, read, folder_link(folder, file.path))
        except IntegrityError:
            # Another replica stored the same new file first (two starting at once); the
            # next sync sees its row.
            log.warning("docs file stored elsewhere meanwhile", extra={"path": file.path})
            report.failed += 1
            return
        if stored is None:
            report.added += 1
        else:
            report.changed += 1

    async def _drop_unconfigured(self, configured: Mapping[int, set[str]]) -> int:
        async with self._db.transaction() as session:
            documents = await session.exec(select(Document).where(Document.origin == FOLDER))
            gone = [d for d in documents if d.folder not in configured.get(d.community_id, set())]
            for document in gone:
                await _delete_document(session, document)
        return len(gone)

    # -- pages --------------------------------------------------------------------------------

    async def add_page(self, community_id: int, url: str) -> tuple[Document, int]:
        """Fetch a page now and store its passages; UserError with the reason when it cannot
        be indexed (nothing is stored then)."""
        key = page_key(url)
        try:
            final, read = await fetch_page(self._http, key)
        except PageRefused as exc:
            raise UserError(f"{key} cannot be added: {exc}.") from exc
        async with self._db.read() as session:
            document = await _page(session, community_id, key)
        document = document or Document(community_id=community_id, origin=PAGE, path=key)
        document = await self._replace(document, read, final)
        return document, len(read.document.chunks)

    async def remove_page(self, community_id: int, url: str) -> Document:
        async with self._db.transaction() as session:
            document = await _page(session, community_id, page_key(url))
            if document is None:
                raise UserError(f"{page_key(url)} is not one of this community's pages; /docs list")
            await _delete_document(session, document)
        return document

    async def refresh_pages(self) -> SyncReport:
        report = SyncReport()
        async with self._db.read() as session:
            pages = list(await session.exec(select(Document).where(Document.origin == PAGE)))
        for page in pages:
            try:
                final, read = await fetch_page(self._http, page.path)
            except PageRefused as exc:
                report.failed += 1
                await self._record_error(page, str(exc))
                continue
            if read.content_hash == page.content_hash and page.last_error is None:
                report.unchanged += 1
                continue
            await self._replace(page, read, final)
            report.changed += 1
        return report

    def refresh_pages_soon(self) -> None:
        """Pages fetched again in the background as the process starts, rather than an
        interval after it (a restart after a day down would serve day-old pages until then)."""
        self._started = asyncio.create_task(self._refresh_logged(), name="knowledge.pages-start")

    async def _refresh_logged(self) -> SyncReport:
        try:
            report = await self.refresh_pages()
        except Exception:  # logged; the schedule tries again
            log.exception("refreshing pages at start failed")
            return SyncReport()
        # Said only when there were pages: a start with none stays silent, so a start that fails
        # in another feature meanwhile still prints its one line (tests/bot/test_startup.py).
        if report != SyncReport():
            log.info("pages refreshed at start", extra={"pages": report.describe()})
        return report

    async def close(self) -> None:
        if self._started is not None and not self._started.done():
            self._started.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._started

    async def started(self) -> SyncReport | None:
        """The start's page refresh, once done (None when none was started)."""
        return await self._started if self._started is not None else None

    async def refresh(self) -> None:
        """The leader's scheduled job: folders, then pages."""
        folders = await self.sync_folders()
        pages = await self.refresh_pages()
        log.info(
            "documents refreshed",
            extra={"folders": folders.describe(), "pages": pages.describe()},
        )

    # -- listing ------------------------------------------------------------------------------

    async def documents(self, community_id: int) -> list[DocumentRow]:
        counts = (
            select(DocPassage.document_id, func.count().label("n"))
            .group_by(col(DocPassage.document_id))
            .subquery()
        )
        query = (
            select(Document, counts.c.n)
            .outerjoin(counts, counts.c.document_id == Document.id)
            .where(Document.community_id == community_id)
            .order_by(col(Document.origin), col(Document.folder), col(Document.path))
        )
        async with self._db.read() as session:
            rows = (await session.exec(query)).all()
        return [
            DocumentRow(d.origin, d.folder, d.path, d.title, n or 0, d.fetched_at, d.last_error)
            for d, n in rows
        ]

    # -- writing ------------------------------------------------------------------------------

    async def _replace(self, document: Document, read: Read, base: str) -> Document:
        """The document's passages replaced by the new read's, with its hash, in one
        transaction."""
        async with self._db.transaction() as session:
            document.title = read.document.title[:500]
            document.content_hash = read.content_hash
            document.fetched_at = self._clock.now()
            document.last_error = None
            document = await session.merge(document)
            await session.flush()
            if document.id is None:
                raise RuntimeError("a flushed document has an id")
            await session.exec(delete(DocPassage).where(col(DocPassage.document_id) == document.id))
            rows = [
                {
                    "document_id": document.id,
                    "position": position,
                    "heading": chunk.heading[:1000],
                    "anchor": chunk.anchor[:300],
                    "url": link(base, chunk.anchor)[:2000],
                    "text": chunk.text,
                }
                for position, chunk in enumerate(read.document.chunks)
            ]
            for start in range(0, len(rows), INSERT_BATCH):
                await session.exec(insert(DocPassage).values(rows[start : start + INSERT_BATCH]))
        return document

    async def _record_error(self, document: Document, error: str) -> None:
        async with self._db.transaction() as session:
            stored = await session.get(Document, document.id)
            if stored is not None:
                stored.last_error = error[:500]
                session.add(stored)


async def _page(session: AsyncSession, community_id: int, key: str) -> Document | None:
    found = await session.exec(
        select(Document).where(
            Document.community_id == community_id, Document.origin == PAGE, Document.path == key
        )
    )
    return found.first()


async def _delete_document(session: AsyncSession, document: Document) -> None:
    await session.exec(delete(DocPassage).where(col(DocPassage.document_id) == document.id))
    await session.exec(delete(Document).where(col(Document.id) == document.id))


def folder_names(folders: Sequence[DocsFolder]) -> dict[str, str]:
    """What /docs list calls each folder: its configured name, else its last path part."""
    return {f.path: f.name or Path(f.path).name or f.path for f in folders}
