"""tiktoken must work with the network unreachable: its BPE files come from an installed package."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import socket, sys

def refuse(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        raise OSError(f"network is unreachable in this test: {event}")

sys.addaudithook(refuse)
from summarizer.tokens import TokenCounter
print(TokenCounter("gpt-4o").count("Steward counts tokens offline."))
print(TokenCounter("gpt-4").count("Steward counts tokens offline."))
"""


def test_tiktoken_loads_with_no_network_and_an_empty_cache(tmp_path: Path) -> None:
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert result.returncode == 0, result.stderr
    o200k, cl100k = (int(line) for line in result.stdout.split())
    assert o200k > 3 and cl100k > 3
    assert len(list((tmp_path / "cache").iterdir())) == 2
