"""Discourse's cooked HTML as clean, readable text: quotes, links and code kept.

Quoted words (Discourse's `aside.quote`, and a plain `<blockquote>`) are written as "> " lines,
attributed where the markup says who, so summaries never credit a poster with words they
quoted. A link keeps its text with the URL in brackets after it; an image (a lightbox) is its
URL in brackets, never its file name and size.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCKS = {"p", "div", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "details"}


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._links: list[tuple[str, int]] = []  # (href, position in out) of open <a>
        self._skip = 0  # inside a quote's title bar or similar chrome
        self._quote_depth = 0
        self._quote_tags: list[str] = []  # the tag that opened each level of quoting
        self._in_pre = False
        self._image: str | None = None  # a lightbox's image URL, written when it closes

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if self._skip:
            self._skip += tag not in ("img", "br")
            return
        if tag == "div" and "title" in classes and self._quote_depth:
            self._skip = 1  # "username:" header of a quote, already said in the prefix
        elif tag == "aside" and "quote" in classes:
            who = attributes.get("data-username")
            self._block(f"> {who} wrote:" if who else "> ")
            self._quote_depth += 1
            self._quote_tags.append("aside")
        elif tag == "blockquote" and not (self._quote_tags and self._quote_tags[-1] == "aside"):
            self._block("")  # someone's words quoted by hand: still not the poster's
            self._quote_depth += 1
            self._quote_tags.append("blockquote")
        elif tag == "a" and "lightbox" in classes:
            self._image = attributes.get("href") or ""
            self._skip = 1  # its file name and size are no words of the post
        elif tag == "aside" and "onebox" in classes:
            self._block(f"[link preview: {attributes.get('data-onebox-src') or ''}]".strip())
            self._skip = 1
        elif tag == "pre":
            self._in_pre = True
            self._block("```\n")
        elif tag == "code" and not self._in_pre:
            self.out.append("`")
        elif tag == "a" and ("anchor" in classes or (attributes.get("href") or "").startswith("#")):
            self._links.append(("", len(self.out)))  # heading anchors: no link worth keeping
        elif tag == "a":
            self._links.append((attributes.get("href") or "", len(self.out)))
        elif tag == "img":
            alt = attributes.get("alt") or ""
            if "emoji" in classes and alt:
                self.out.append(alt)
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("td", "th"):
            self.out.append(" | ")  # cells apart, so a table does not read as one run-on word
        elif tag == "tr":
            self._block("")
        elif tag == "li":
            self._block("- ")
        elif tag in _BLOCKS or tag == "blockquote":
            self._block("")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip -= tag not in ("img", "br")
            if not self._skip and self._image is not None:
                if self._image:
                    self.out.append(f" ({self._image})")
                self._image = None
            return
        if tag in ("aside", "blockquote") and self._quote_tags and self._quote_tags[-1] == tag:
            self._quote_tags.pop()
            self._quote_depth -= 1
            self._block("")
        elif tag == "pre":
            self._in_pre = False
            self.out.append("\n```")
            self._block("")
        elif tag == "code" and not self._in_pre:
            self.out.append("`")
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            text = "".join(self.out[start:]).strip()
            if not text and href:
                self.out.append(href)
            elif href and not href.startswith("/u/") and href.rstrip("/") != text.rstrip("/"):
                self.out.append(f" ({href})")
        elif tag in _BLOCKS or tag in ("li", "blockquote"):
            self._block("")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if not self._in_pre:
            data = re.sub(r"\s+", " ", data)
        if self._quote_depth and not self._in_pre:
            data = data.replace("\n", "\n> ")
        self.out.append(data)

    def _block(self, prefix: str) -> None:
        self.out.append("\n\n" + "> " * self._quote_depth + prefix)


def cooked_to_text(cooked: str) -> str:
    converter = _Converter()
    converter.feed(cooked)
    converter.close()
    text = "".join(converter.out)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n(> ?)*\n(?:(> ?)*\n)+", "\n\n", text)
    return re.sub(r"[ \t]+\n", "\n", text).strip()
