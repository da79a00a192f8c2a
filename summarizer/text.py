"""A post's own prose, as summaries read and quote it: links kept by reference, never as text,
and other people's words (quoted lines) apart from the poster's.

Stored posts keep their links in the text ("see the audit (https://…)", or a bare URL). Quoting
a URL tells a steward nothing and costs a model tokens, so summaries work on `prose()`, where
each link is replaced by its text or dropped, and keep the URLs in `links` to point at. Citations
are checked against the same prose, so a quote without the URL still matches its post.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A link as the forum converter writes it: "text (https://…)".
_LINK_AFTER_TEXT = re.compile(r"\s?\((https?://[^\s)]+)\)")
# A markdown link, as chat messages and some bots write them: "[text](https://…)".
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\((https?://[^\s)]+)\)")
_BARE_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_IMAGE = re.compile(r"\.(?:png|jpe?g|gif|webp|svg)(?:\?\S*)?$", re.IGNORECASE)
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Prose:
    text: str  # the post's words, quoted lines kept with their "> " marks
    links: tuple[str, ...]  # every URL it pointed at, in order, each once

    @property
    def own(self) -> str:
        """Only the poster's own lines: quoted ones are someone else's words."""
        return "\n".join(
            line for line in self.text.split("\n") if not line.lstrip().startswith(">")
        )


def prose(text: str) -> Prose:
    links: list[str] = []

    def keep(url: str) -> None:
        url = url.rstrip(".,;:!?")
        if url not in links:
            links.append(url)

    def markdown(match: re.Match[str]) -> str:
        keep(match.group(2))
        return match.group(1)

    def after_text(match: re.Match[str]) -> str:
        keep(match.group(1))
        return ""

    def bare(match: re.Match[str]) -> str:
        url = match.group()
        keep(url)
        return "" if _IMAGE.search(url.rstrip(".,;:!?")) else "[link]"

    result = _MARKDOWN_LINK.sub(markdown, text)
    result = _LINK_AFTER_TEXT.sub(after_text, result)
    result = _BARE_URL.sub(bare, result)
    lines = [_SPACES.sub(" ", line).rstrip() for line in result.split("\n")]
    return Prose("\n".join(lines).strip(), tuple(links))


def is_mostly_link(sentence: str) -> bool:
    """A sentence that is a link and little else ("[link]", "Slides: [link]"): never a point."""
    words = re.findall(r"[^\W\d_]{2,}", sentence.replace("[link]", ""))
    return "[link]" in sentence and len(words) < 4
