"""/summarize on a 100,000-message channel, offline: time and peak memory, against summarizing
20,000 messages (the whole of a channel that size, as every summary did before the window)
measured in the same run.

A SQLite database (every feature on, no model: the offline summarizer) gets a channel of 100,000
messages and one of 20,000, one a minute, straight into the debates tables. Each case then runs
in a fresh process that opens the app on that database and sends /summarize through the console
front end: its time is the command's, its peak memory the process's highest RSS during the
command (the kernel's high-water mark, reset just before it) above its RSS before it, and the
process's peak RSS. Cases alternate over several runs; medians.

    .venv/bin/python -m bench.summary_huge [--messages 100000] [--baseline 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.adapters.console import ConsoleFrontEnd
from bot.commands.spec import Role
from tests.debates.channel_store import store_channel
from tests.support.apps import make_settings, running_app


def status(field_name: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field_name} in /proc/self/status")


@dataclass
class Case:
    name: str
    command: str
    seconds: list[float] = field(default_factory=list)
    peak_above: list[float] = field(default_factory=list)  # MB above the RSS before
    peak: list[float] = field(default_factory=list)  # the process's peak RSS, MB
    footer: str = ""


async def measure(database: Path, command: str) -> None:
    """One case, in this (fresh) process: prints seconds, MB above the start, peak RSS, reply."""
    settings = make_settings(database.parent, f"sqlite:///{database}")
    async with running_app(settings) as app:
        out = io.StringIO()
        console = ConsoleFrontEnd(app, role=Role.STEWARD, stdin=io.StringIO(), stdout=out)
        gc.collect()
        with open("/proc/self/clear_refs", "w") as refs:  # noqa: ASYNC230
            refs.write("5")  # resets VmHWM to the current RSS
        before = status("VmRSS")
        started = time.perf_counter()
        await console.handle_line(command)
        seconds = time.perf_counter() - started
        peak = status("VmHWM")
    print(json.dumps({"seconds": seconds, "above": peak - before, "peak": peak}))
    print(out.getvalue())


def run_case(database: Path, case: Case) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.summary_huge", "--measure", str(database), case.command],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parents[1],
    )
    figures, _, reply = result.stdout.partition("\n")
    if "Offline extractive summarizer" not in reply:
        raise SystemExit(f"{case.command} failed: {reply[-500:]}{result.stderr[-2000:]}")
    data = json.loads(figures)
    case.seconds.append(data["seconds"])
    case.peak_above.append(data["above"])
    case.peak.append(data["peak"])
    lines = reply.strip().splitlines()
    case.footer = next((x for x in lines if x.startswith(("_Last", "_Newest"))), lines[-1])


async def store(database: Path, messages: int, baseline: int) -> float:
    settings = make_settings(database.parent, f"sqlite:///{database}")
    async with running_app(settings) as app:
        await ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=io.StringIO()).handle_line(
            "/sources"  # creates the local community
        )
        started = time.perf_counter()
        await store_channel(app, "huge", messages)
        await store_channel(app, "baseline", baseline)
        return time.perf_counter() - started


def main(messages: int, baseline: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        database = Path(tmp) / "huge.db"
        stored = asyncio.run(store(database, messages, baseline))
        cases = [
            Case(f"{baseline:,} messages, all read (baseline)", "/summarize #baseline since=3650d"),
            Case(f"{messages:,} messages, default window", "/summarize #huge"),
            Case(f"{messages:,} messages, since=3650d", "/summarize #huge since=3650d"),
        ]
        for _ in range(runs):
            for case in cases:
                run_case(database, case)
    base = cases[0]
    print(
        f"{messages:,} and {baseline:,} stored messages (SQLite, stored in {stored:.0f} s); "
        f"offline summarizer; a fresh process a case; medians of {runs} runs"
    )
    print(
        "| case | time s | peak MB above start | process peak RSS MB | time ratio | memory ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for case in cases:
        seconds = statistics.median(case.seconds)
        above = statistics.median(case.peak_above)
        print(
            f"| {case.name} | {seconds:.2f} | {above:.1f} | {statistics.median(case.peak):.0f} | "
            f"{seconds / statistics.median(base.seconds):.2f} | "
            f"{above / max(statistics.median(base.peak_above), 0.1):.2f} |"
        )
    print()
    for case in cases[1:]:
        print(f"{case.command}: {case.footer}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--measure", nargs=2, metavar=("DATABASE", "COMMAND"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.measure:
        asyncio.run(measure(Path(args.measure[0]), args.measure[1]))
    else:
        main(args.messages, args.baseline, args.runs)
