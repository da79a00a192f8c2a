"""Split long Markdown into messages that fit a platform's limit.

Cuts fall between paragraphs where possible, then between lines, then between words; a Markdown
link or a bare URL is never cut, and a code fence cut in two is closed and reopened.
"""

from __future__ import annotations

import re

# A Markdown link (its text may hold spaces) or any other run of non-space characters.
_ATOM = re.compile(r"\[[^\]\n]*\]\([^)\s]*\)|\S+")
_FENCE = "```"
_FENCE_RESERVE = len("\n" + _FENCE) + len(_FENCE + "\n")


def split_markdown(text: str, limit: int) -> list[str]:
    if limit <= _FENCE_RESERVE * 2:
        raise ValueError("limit too small to split Markdown safely")
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks = _pack(_paragraph_pieces(text, limit - _FENCE_RESERVE), "\n\n", limit - _FENCE_RESERVE)
    return _balance_fences(chunks)


def _paragraph_pieces(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        if len(paragraph) <= limit:
            pieces.append(paragraph)
        else:
            pieces.extend(_pack(_line_pieces(paragraph, limit), "\n", limit))
    return pieces


def _line_pieces(paragraph: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for line in paragraph.split("\n"):
        if len(line) <= limit:
            pieces.append(line)
        else:
            pieces.extend(_pack(_word_pieces(line, limit), " ", limit))
    return pieces


def _word_pieces(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    for atom in _ATOM.findall(line):
        # Only an atom longer than a whole message (a giant URL) is ever cut.
        pieces.extend(atom[i : i + limit] for i in range(0, len(atom), limit))
    return pieces


def _pack(pieces: list[str], joiner: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{joiner}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
        current = piece
    if current:
        chunks.append(current)
    return chunks


def _balance_fences(chunks: list[str]) -> list[str]:
    balanced: list[str] = []
    reopen = False
    for chunk in chunks:
        if reopen:
            chunk = f"{_FENCE}\n{chunk}"
        reopen = chunk.count(_FENCE) % 2 == 1
        if reopen:
            chunk = f"{chunk}\n{_FENCE}"
        balanced.append(chunk)
    return balanced
