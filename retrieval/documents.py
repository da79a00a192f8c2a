"""Documents as citable passages: Markdown and plain-text files, and web pages.

An answer cites a passage by a link to its very place, so a document is cut where its author
cut it: at headings, then at paragraphs when a section is long. Each passage keeps the path of
headings above it ("Handbook › Treasury › Signers") and the anchor its heading gets where the
document is published (GitHub's slugs for Markdown, the heading's `id` for HTML). A code block,
a list or a table is never cut: half a list answers nothing.

Passages hold the document's own text (Markdown as written, an HTML page's visible text), so a
quote can be checked against what is stored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, Doctype, NavigableString, ProcessingInstruction
from markdown_it import MarkdownIt
from markdown_it.token import Token

# A passage grows block by block up to about this many characters; a single longer block (a
# long list, a code block) stays whole.
PASSAGE_CHARS = 1200
SEPARATOR = " › "
# Bumped when the splitting changes, so stored documents are split again though unchanged.
SPLITTER_VERSION = "1"

_FRONT_MATTER = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S
)
_TITLE_LINE = re.compile(r"^title:\s*(.+?)\s*$", re.M)
_BLANK_LINES = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class Chunk:
    """One passage: the headings above it, the anchor of the nearest one ("" before the first
    heading), and its text."""

    heading: str
    anchor: str
    text: str


@dataclass(frozen=True)
class SplitDocument:
    title: str
    chunks: tuple[Chunk, ...]


class Slugger:
    """GitHub's heading anchors (github-slugger): lower-cased, punctuation and emoji dropped,
    each space a dash; a repeated slug gets -1, -2, ... in document order."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def slug(self, heading: str) -> str:
        base = slugify(heading)
        result = base
        while result in self._seen:
            self._seen[base] += 1
            result = f"{base}-{self._seen[base]}"
        self._seen[result] = 0
        return result


def slugify(heading: str) -> str:
    kept = (
        ch for ch in heading.strip().lower() if ch in " -_" or unicodedata.category(ch)[0] in "LNM"
    )
    return "".join(kept).replace(" ", "-")


@dataclass
class _Section:
    """Headings and the blocks under the last of them, while a document is read."""

    path: tuple[str, ...]
    anchor: str
    blocks: list[str] = field(default_factory=list)
    # The first block is the heading's own line.
    has_heading: bool = False


class _Outline:
    """The heading stack: a heading closes every open heading of its level or deeper."""

    def __init__(self, title: str) -> None:
        self.title = title
        self._stack: list[tuple[int, str]] = []
        self.sections: list[_Section] = [_Section(self._path(), "")]

    def heading(self, level: int, text: str, anchor: str) -> None:
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        path = self._path()
        # The path leads each of the section's passages: it says what the passage is about,
        # to a reader and to the full-text index alike.
        self.sections.append(_Section(path, anchor, [SEPARATOR.join(path)], has_heading=True))

    def block(self, text: str) -> None:
        if text.strip():
            self.sections[-1].blocks.append(text)

    def _path(self) -> tuple[str, ...]:
        texts = tuple(text for _, text in self._stack if text)
        if self._stack and self._stack[0][0] == 1 and texts:
            return texts
        return ((self.title,) if self.title else ()) + texts

    def chunks(self, limit: int) -> tuple[Chunk, ...]:
        out: list[Chunk] = []
        for section in self.sections:
            heading = SEPARATOR.join(section.path)
            for text in pack(section.blocks, limit, has_heading=section.has_heading):
                out.append(Chunk(heading, section.anchor, text))
        return tuple(out)


def pack(
    blocks: Iterable[str], limit: int = PASSAGE_CHARS, has_heading: bool = False
) -> Iterator[str]:
    """Blocks joined by blank lines into passages of about `limit` characters. With
    `has_heading`, the first block is the heading path: it starts every passage of the section,
    and a heading with nothing under it makes no passage."""
    blocks = [b.strip("\n") for b in blocks]
    lead = blocks.pop(0) if has_heading and blocks else ""
    blocks = [b for b in blocks if b.strip()]
    current: list[str] = []
    size = 0
    for block in blocks:
        if current and size + len(block) > limit:
            yield "\n\n".join([lead, *current] if lead else current)
            current, size = [], 0
        current.append(block)
        size += len(block) + 2
    if current:
        yield "\n\n".join([lead, *current] if lead else current)


def _front_matter(text: str) -> tuple[str, str]:
    """The text without its YAML front matter, and the front matter's title, if any."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return text, ""
    title = _TITLE_LINE.search(match[1])
    return text[match.end() :], title[1].strip("'\"") if title else ""


def _inline_text(token: Token) -> str:
    """A heading's text as rendered: markup dropped, code and link texts kept."""
    parts: list[str] = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def split_markdown(text: str, title: str = "", limit: int = PASSAGE_CHARS) -> SplitDocument:
    """`title` names the document when it has no `title:` front matter and no level-1 heading
    (a file's name, say)."""
    body, front_title = _front_matter(text.replace("\r\n", "\n"))
    tokens = _markdown().parse(body)
    lines = body.split("\n")
    first_h1 = next(
        (
            _inline_text(tokens[i + 1])
            for i, t in enumerate(tokens)
            if t.type == "heading_open" and t.tag == "h1" and t.level == 0
        ),
        "",
    )
    doc_title = front_title or first_h1 or title
    outline = _Outline(doc_title)
    slugger = Slugger()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.level != 0 or token.nesting == -1 or token.map is None:
            continue
        source = "\n".join(lines[token.map[0] : token.map[1]]).strip()
        if token.type == "heading_open":
            heading = _inline_text(tokens[index])
            outline.heading(int(token.tag[1]), heading, slugger.slug(heading))
        else:
            outline.block(source)
    return SplitDocument(doc_title, outline.chunks(limit))


def split_text(text: str, title: str = "", limit: int = PASSAGE_CHARS) -> SplitDocument:
    """Plain text: paragraphs are what blank lines separate."""
    outline = _Outline(title)
    for paragraph in _BLANK_LINES.split(text.replace("\r\n", "\n")):
        outline.block(paragraph.strip())
    return SplitDocument(title, outline.chunks(limit))


# What a page wraps around its content, not content.
_DROPPED = ("script", "style", "noscript", "template", "nav", "footer", "aside", "form", "svg")
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = frozenset(
    """address article blockquote body dd details div dl dt fieldset figcaption figure header
    hr li main p section summary tbody thead tfoot br""".split()
)
# Kept whole, one line per item or row.
_WHOLE = frozenset({"ul", "ol", "table", "dl"})


class _HtmlReader:
    """Walks a page in document order: headings open sections, block elements end lines."""

    def __init__(self, outline: _Outline) -> None:
        self.outline = outline
        self.last_id = ""
        self._words: list[str] = []

    def flush(self) -> None:
        text = " ".join(" ".join(self._words).split())
        self._words = []
        if text:
            self.outline.block(text)

    def walk(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Comment | Doctype | ProcessingInstruction):
                continue
            if isinstance(child, NavigableString):
                self._words.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            element_id = child.get("id") or (child.get("name") if child.name == "a" else None)
            if isinstance(element_id, str) and element_id:
                self.last_id = element_id
            if child.name in _HEADINGS:
                self._heading(child)
            elif child.name == "pre":
                self.flush()
                self.outline.block(child.get_text().strip("\n"))
            elif child.name in _WHOLE:
                self.flush()
                self.outline.block("\n".join(_lines(child)))
            elif child.name in _BLOCKS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def _heading(self, tag: Tag) -> None:
        self.flush()
        text = _text(tag)
        inner = tag.find(True, attrs={"id": True}) or tag.find("a", attrs={"name": True})
        own = tag.get("id") or (inner.get("id") or inner.get("name") if inner else None)
        if isinstance(own, str) and own:
            self.last_id = own
        # A heading without an id of its own links to the nearest id before it: a link to a
        # made-up anchor would land nowhere.
        self.outline.heading(_HEADINGS[tag.name or "h6"], text, self.last_id)


def _text(tag: Tag) -> str:
    return " ".join(tag.get_text(" ").split())


def _lines(tag: Tag) -> list[str]:
    """A list, table or definition list as one block, a line per item or row."""
    if tag.name == "table":
        rows = tag.find_all("tr")
        return [" | ".join(_text(cell) for cell in row.find_all(["td", "th"])) for row in rows]
    if tag.name == "dl":
        return [_text(item) for item in tag.find_all(["dt", "dd"])]
    return [f"- {_text(item)}" for item in tag.find_all("li", recursive=False)]


def split_html(html: str, fallback_title: str = "", limit: int = PASSAGE_CHARS) -> SplitDocument:
    """A web page: its `<main>` (or `<article>`, or body) without scripts, navigation and
    footers, split at h1-h6; the title is the page's `<title>`."""
    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = " ".join(title_tag.get_text(" ").split()) if title_tag else ""
    for tag in soup.find_all(_DROPPED):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.find("body") or soup
    if not title:
        h1 = root.find("h1") if isinstance(root, Tag) else None
        title = " ".join(h1.get_text(" ").split()) if h1 else fallback_title
    outline = _Outline(title)
    reader = _HtmlReader(outline)
    if isinstance(root, Tag):
        reader.walk(root)
    reader.flush()
    return SplitDocument(title, outline.chunks(limit))
