"""Reading a document: a folder's files from disk, a page through the one HTTP client.

Both end as a `SplitDocument` and the hash of what it was split from, so an unchanged file or
page is recognised and left alone.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bot.http import HttpClient, HttpError
from retrieval.documents import SPLITTER_VERSION, SplitDocument, split_html, split_markdown
from retrieval.documents import split_text as split_plain

log = logging.getLogger(__name__)

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
# A handbook's page is a few kilobytes; more is not a document to index.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_PAGE_BYTES = 2 * 1024 * 1024
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})


class PageRefused(Exception):
    """A page that cannot be indexed; `str(exc)` is one line saying why."""


@dataclass(frozen=True)
class Read:
    document: SplitDocument
    content_hash: str


@dataclass(frozen=True)
class FolderFile:
    path: str  # inside the folder, with forward slashes
    body: bytes | None  # None: unreadable (error says why)
    content_hash: str = ""
    error: str = ""

    def read(self) -> Read:
        """The file split (blocking: only for a file that changed, in a thread)."""
        return Read(split_file(self.path, self.body or b""), self.content_hash)


def content_hash(body: bytes, link: str) -> str:
    """What a document's passages depend on: its bytes, where its links point, the splitter."""
    digest = hashlib.sha256()
    for part in (SPLITTER_VERSION.encode(), link.encode(), body):
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()


def split_file(path: str, body: bytes) -> SplitDocument:
    text = body.decode("utf-8", errors="replace")
    name = PurePosixPath(path).name
    if PurePosixPath(path).suffix.lower() in MARKDOWN_SUFFIXES:
        return split_markdown(text, title=name)
    return split_plain(text, title=name)


def _files(root: Path) -> Iterator[Path]:
    """Markdown and text files under `root`, hidden folders (.git) skipped, in a stable order."""
    for directory, folders, names in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        for name in sorted(names):
            suffix = Path(name).suffix.lower()
            if not name.startswith(".") and suffix in MARKDOWN_SUFFIXES | TEXT_SUFFIXES:
                yield Path(directory) / name


def read_folder(root: Path, base_url: str) -> list[FolderFile] | None:
    """Every document of a folder and its hash (blocking: run it in a thread); None when the
    folder is not there."""
    if not root.is_dir():
        return None
    found: list[FolderFile] = []
    for file in _files(root):
        path = file.relative_to(root).as_posix()
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                found.append(FolderFile(path, None, f"larger than {MAX_FILE_BYTES} bytes"))
                continue
            body = file.read_bytes()
        except OSError as exc:
            found.append(FolderFile(path, None, f"cannot read it: {exc.strerror or exc}"))
            continue
        found.append(FolderFile(path, body, content_hash(body, base_url)))
    return found


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


async def fetch_page(http: HttpClient, url: str) -> tuple[str, Read]:
    """The page at `url` (typed in chat: never a private address), split; its final URL after
    redirects comes first. PageRefused says why it cannot be indexed."""
    try:
        response = await http.request(
            "GET",
            url,
            headers={"Accept": "text/html, text/markdown;q=0.9, text/plain;q=0.8"},
            untrusted=True,
            max_bytes=MAX_PAGE_BYTES,
        )
    except HttpError as exc:
        raise PageRefused(str(exc)) from exc
    media = _media_type(response.headers.get("Content-Type", ""))
    final = response.url.split("#", 1)[0]
    if b"\0" in response.body[:4096] or not (
        media in HTML_TYPES or media in MARKDOWN_TYPES or media == "text/plain"
    ):
        raise PageRefused(f"it is not an HTML or text page ({media or 'no content type'})")
    text = response.text()
    name = PurePosixPath(final.rstrip("/")).name or final
    if media in HTML_TYPES:
        document = split_html(text, fallback_title=name)
    elif media in MARKDOWN_TYPES or PurePosixPath(final).suffix.lower() in MARKDOWN_SUFFIXES:
        document = split_markdown(text, title=name)
    else:
        document = split_plain(text, title=name)
    if not document.chunks:
        raise PageRefused("the page has no text to index")
    return final, Read(document, content_hash(response.body, final))
