"""Resident memory of a running Steward with every feature on, before and after model use.

A real `steward run` process (all features, the console front end, a forum and a language model
configured) is driven through its standard input: it syncs the fake Discourse's forum and
summarizes its 600-post debate with the real openai client against the OpenAI-compatible fake.
Its RSS is read from /proc at start (ready, nothing run), after the first model call (the
summary's reply printed) and idle (a few seconds later), as ratios to a bare Python process
measured in the same run, because the machine is shared. The fakes run in this process, not
in the one measured.

    .venv/bin/python -m bench.memory [--runs 3] [--idle 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.openai_server import FakeOpenAI

# An invalid line: the console answers it at once, after whatever came before it is done.
MARKER_LINE = "noop"
MARKER_REPLY = "Commands start with /"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def bare_python_rss() -> float:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "import sys; sys.stdout.write('up\\n'); sys.stdout.flush(); sys.stdin.read()",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    await process.stdout.readline()
    await asyncio.sleep(0.5)
    value = rss_mb(process.pid)
    process.stdin.close()
    await process.wait()
    return value


class Console:
    """A `steward run` process answering lines on its standard input."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.output: list[str] = []

    async def run(self, line: str) -> str:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(f"{line}\n{MARKER_LINE}\n".encode())
        await stdin.drain()
        lines: list[str] = []
        while True:
            raw = await asyncio.wait_for(stdout.readline(), 120)
            if not raw:
                raise RuntimeError("steward exited: " + "".join(lines))
            text = raw.decode()
            if MARKER_REPLY in text:
                break
            lines.append(text)
        reply = "".join(lines)
        self.output.append(reply)
        return reply


@dataclass
class Reading:
    start: float
    after_sync: float
    after_model: float
    idle: float


def config_text(data_dir: Path, forum_url: str, model_url: str) -> str:
    return f"""
data_dir = "{data_dir}"

[log]
level = "WARNING"

[llm]
base_url = "{model_url}"
model = "gpt-4o-mini"
context_budget = 16000
timeout = 30

[http]
allow_private = ["127.0.0.1"]

[[debates.forums]]
url = "{forum_url}"
requests_per_minute = 60000
"""


async def one_run(idle_seconds: float) -> Reading:
    discourse = FakeDiscourse(generate_forum(seed=0), limits=RateLimits.off())
    await discourse.start()
    try:
        async with FakeOpenAI(max_prompt_tokens=1_000_000) as model:
            with tempfile.TemporaryDirectory() as tmp:
                reading = await measure(Path(tmp), discourse, model, idle_seconds)
            if model.violations:
                raise RuntimeError(f"the fake model saw contract violations: {model.violations}")
            return reading
    finally:
        await discourse.stop()


async def measure(
    tmp: Path, discourse: FakeDiscourse, model: FakeOpenAI, idle_seconds: float
) -> Reading:
    topic = discourse.forum.topics[discourse.forum.debate_topic_id or 0]
    config = tmp / "steward.toml"
    config.write_text(config_text(tmp / "data", discourse.base_url, model.base_url))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--as",
        "steward",
        "--config",
        str(config),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "OPENAI_API_KEY": "bench-key"},
        cwd=Path(__file__).parents[1],
    )
    console = Console(process)
    try:
        await console.run("/sources")
        start = rss_mb(process.pid)
        synced = await console.run("/sync")
        if "new posts" not in synced:
            raise RuntimeError(f"the sync failed: {synced}")
        after_sync = rss_mb(process.pid)
        reply = await console.run(f"/summarize {discourse.base_url}/t/{topic.slug}/{topic.id}")
        if "gpt-4o-mini" not in reply:
            raise RuntimeError(f"the summary did not use the model: {reply[-400:]}")
        after_model = rss_mb(process.pid)
        await asyncio.sleep(idle_seconds)
        idle = rss_mb(process.pid)
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
    return Reading(start, after_sync, after_model, idle)


async def main(runs: int, idle_seconds: float) -> None:
    bare: list[float] = []
    readings: list[Reading] = []
    for _ in range(runs):
        bare.append(await bare_python_rss())
        readings.append(await one_run(idle_seconds))
    base = statistics.median(bare)
    print(f"steward run, every feature on, console; medians of {runs} runs")
    print("| moment | RSS MB | ratio to bare Python |")
    print("|---|---:|---:|")
    print(f"| bare Python (baseline) | {base:.1f} | 1.0x |")
    for name, attribute in (
        ("start (ready, nothing run)", "start"),
        ("after syncing the forum (no model yet)", "after_sync"),
        ("after the first model call", "after_model"),
        (f"idle ({idle_seconds:g} s later)", "idle"),
    ):
        value = statistics.median(getattr(r, attribute) for r in readings)
        ratio = statistics.median(
            getattr(r, attribute) / b for r, b in zip(readings, bare, strict=True)
        )
        print(f"| {name} | {value:.1f} | {ratio:.1f}x |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=3.0)
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.idle))
