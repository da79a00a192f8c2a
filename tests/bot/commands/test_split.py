from __future__ import annotations

import re

import pytest

from bot.commands.split import split_markdown
from tests.support.sample_feature import long_text

LINK = re.compile(r"\[[^\]]*\]\([^)]*\)")


@pytest.mark.parametrize("limit", [200, 2000, 4096])
def test_long_text_is_split_at_paragraphs_without_losing_words(limit: int) -> None:
    text = long_text(5000)
    chunks = split_markdown(text, limit)

    assert len(chunks) > 1
    assert all(len(chunk) <= limit for chunk in chunks)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    paragraphs = text.split("\n\n")
    if limit >= max(len(p) for p in paragraphs):
        # Every chunk is made of whole paragraphs.
        assert all(set(chunk.split("\n\n")) <= set(paragraphs) for chunk in chunks)


def test_a_paragraph_longer_than_the_limit_is_cut_between_words_never_inside_a_link() -> None:
    words = [f"word{i}" for i in range(200)]
    words.insert(57, "[a link with spaces](https://example.org/a/long/path?x=1)")
    words.insert(120, "https://example.org/bare/url/that/is/long")
    text = " ".join(words)

    chunks = split_markdown(text, 120)

    assert all(len(c) <= 120 for c in chunks)
    tokens = [t for c in chunks for t in c.split()]
    assert tokens == text.split()
    assert sum(len(LINK.findall(c)) for c in chunks) == 1


def test_a_code_fence_cut_in_two_is_closed_and_reopened() -> None:
    code = "\n".join(f"line {i} = {i * i}" for i in range(60))
    chunks = split_markdown(f"Intro\n\n```\n{code}\n```\n\nOutro", 300)

    assert len(chunks) > 2
    assert all(chunk.count("```") % 2 == 0 for chunk in chunks)
    assert all(len(chunk) <= 300 for chunk in chunks)


def test_short_text_is_one_chunk_and_empty_text_none() -> None:
    assert split_markdown("hello", 2000) == ["hello"]
    assert split_markdown("   ", 2000) == []
