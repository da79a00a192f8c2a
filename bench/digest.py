"""Digest: building one steward's digest for a busy community, against building it with no
stored summaries, in the same run.

The community (bench/digest_world.py): 30 days of 50,000 messages across 5 sources (a Discourse
forum, a Discord server, three Telegram groups; ~300 authors), 10 watched Safes with their
alerts, flows and queues, 20 proposals (Snapshot and Governor) with the votes seen, 120 onboarded
members with linked wallets and roles. It is stored through each feature's own models and
ingestion, then the real app (every feature, its digest parts registered in their lifespans)
builds the digest of a steward on Discord who linked two addresses, over the last 24 hours and
over the last 7 days, through the digests feature's builder (rendering included) when it is
there, else through the registered parts alone.

Each run builds each period twice: first with no stored summaries (summaries and the model-answer
cache deleted: each debate shown needs its one model call; the baseline), then again, reusing the
summaries the first build stored. Measured around each build: wall time, time inside model calls
(the OpenAI-compatible fake answers at once, in this process), database queries (all statements
the build sent, by table) and model calls and tokens. Medians of --runs runs, after one
discarded warm-up build. Goals (issue 13): <= 2 s and <= 50 queries without model time, at most
one model call per new debate; PASS or FAIL for each build, time on the median (the machine is
shared), queries and calls on the worst run. Then each part alone, and the rendering alone, to
say where the time goes.

    .venv/bin/python -m bench.digest [--runs 5] [--postgres URL] [--statements]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import delete

from bench import digest_chat as chat
from bench import digest_world as world
from bench.digest_measure import Measure, Meter
from bot.app import App
from bot.digest_parts import DigestRequest, Section
from cogs.debates.models import CachedChunk, Summary
from cogs.digests.digest import Digest
from tests.fakes.openai_server import FakeOpenAI
from tests.support.apps import make_settings, running_app

SLUG = "example-dao"
SEED = 13
TIMEZONE = "Europe/Berlin"
PERIODS = (("24 h", timedelta(hours=24)), ("7 days", timedelta(days=7)))
GOAL_SECONDS = 2.0
GOAL_QUERIES = 50
CLOSED = "http://127.0.0.1:9"  # nothing listens: no background job reaches anything
# Which feature owns a table, to say whose part made the queries.
OWNERS = {
    "debates": ("source", "thread", "post", "author", "summary", "cachedchunk", "modelusage"),
    "treasury": ("watchedsafe", "treasuryalert", "queuedtx", "treasuryflow", "chaincursor"),
    "proposals": ("followed_proposal", "governor_proposal", "proposal_", "vote_"),
    "onboarding": ("contributor_profile", "wallet_link", "role_", "onboarding_"),
    "framework": ("community", "outbox"),
    "digests": ("digest",),
}


class BenchClock:
    """Time stands at the bench's "now" (the data is 30 days up to it); sleeps are real."""

    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def owner_of(table: str) -> str:
    for owner, prefixes in OWNERS.items():
        if any(table == p or table.startswith(p) for p in prefixes):
            return owner
    return "statements naming no table" if table == "other" else table


def settings_for(tmp: Path, url: str, model_url: str, reader_id: str) -> Any:
    return make_settings(
        tmp,
        url,
        http={"allow_private": ["127.0.0.1"], "attempts": 1},
        llm={"api_key": "bench", "base_url": model_url, "model": "gpt-4o-mini"},
        communities=[
            {
                "slug": SLUG,
                "name": "Example DAO",
                "discord_guild_ids": [chat.GUILD.id],
                "telegram_chat_ids": [s.id for s in chat.TELEGRAM],
                "stewards": [f"discord:{reader_id}"],
            }
        ],
        treasury={
            "chains": {
                world.CHAIN: {
                    "chain_id": 1,
                    "rpc_url": CLOSED,
                    "poll_seconds": 86_400,
                    "explorer_url": world.EXPLORER,
                    "short_name": "eth",
                }
            }
        },
        proposals={
            "snapshot": {"hub_url": CLOSED, "spaces": {SLUG: [world.SPACE]}},
            "votes": {"poll_seconds": 86_400},
            "governors": [
                {
                    "community": SLUG,
                    "chain": world.CHAIN,
                    "address": world.GOVERNOR,
                    "name": "Example Governor",
                    "link": "https://www.tally.xyz/gov/example-dao/proposal/{id}",
                }
            ],
        },
    )


@contextlib.asynccontextmanager
async def database(postgres: str | None, tmp: Path) -> AsyncIterator[str]:
    """A SQLite file, or a fresh schema of the PostgreSQL database given (dropped after)."""
    if postgres is None:
        yield f"sqlite:///{tmp / 'steward.db'}"
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    async with await psycopg.AsyncConnection.connect(postgres, autocommit=True) as connection:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        try:
            separator = "&" if "?" in postgres else "?"
            yield f"{postgres}{separator}options=-csearch_path%3D{schema}"
        finally:
            await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _core_period() -> Callable[[datetime, datetime], Any] | None:
    try:
        return importlib.import_module("cogs.digests.schedule").Period  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        return None


async def build(app: App, bench: world.BenchWorld, span: timedelta, allow_model: bool) -> Digest:
    """One digest, as the digests feature builds it (rendered), else from the parts alone."""
    start, end = bench.now - span, bench.now
    runtime = app.runtimes.get("digests")
    builder = getattr(runtime, "builder", None)
    period = _core_period()
    if builder is not None and period is not None:
        built = await builder.build(
            bench.community_id, bench.reader, TIMEZONE, period(start, end), allow_model=allow_model
        )
        return built.digest  # type: ignore[no-any-return]
    request = DigestRequest(bench.community_id, start, end, bench.reader, allow_model)
    parts = await app.digest_parts.gather(request)
    return Digest("Example DAO", start, end, TIMEZONE, bench.reader, tuple(parts))


async def forget_summaries(app: App) -> None:
    async with app.db.transaction() as session:
        await session.exec(delete(Summary))  # type: ignore[call-overload]
        await session.exec(delete(CachedChunk))  # type: ignore[call-overload]


async def measured(
    app: App, meter: Meter, fake: FakeOpenAI, bench: world.BenchWorld, span: timedelta
) -> Measure:
    before = len(fake.requests)
    measure, digest = await meter.measure(lambda: build(app, bench, span, True))
    measure.model_calls = sum(p.model_calls for p in digest.parts)
    measure.prompt_tokens = digest.prompt_tokens
    measure.completion_tokens = digest.completion_tokens
    measure.fake_calls = len(fake.requests) - before
    measure.debates_shown = len(digest.items(Section.DEBATES))
    return measure


@dataclass
class Result:
    label: str
    counts: world.Counts
    runs: dict[tuple[str, str], list[Measure]]
    sections: dict[str, list[tuple[str, int]]]
    problems: list[str]
    parts: list[str]
    per_part: dict[str, tuple[float, int]]


async def one_database(postgres: str | None, runs: int) -> Result:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        async with FakeOpenAI(api_key="bench") as fake, database(postgres, tmp) as url:
            reader_id = world.steward(SEED).discord_id
            settings = settings_for(tmp, url, fake.base_url, reader_id)
            async with running_app(settings, extra=(), clock=BenchClock(now)) as app:
                community = await app.communities.by_slug(SLUG)
                if community is None:
                    raise SystemExit("the bench community was not created")
                started = time.perf_counter()
                ingest = app.runtimes["debates"].ingest
                bench = await world.populate(app.db, ingest, community, now, SEED)
                print(f"  data stored in {time.perf_counter() - started:.1f} s", flush=True)
                meter = Meter(app.db.engine)
                try:
                    # Warm-up, discarded: the first model call imports the client, the first
                    # statements are compiled.
                    await forget_summaries(app)
                    await build(app, bench, timedelta(days=1), True)
                    await build(app, bench, timedelta(days=1), True)
                    results: dict[tuple[str, str], list[Measure]] = {}
                    for run in range(runs):
                        for name, span in PERIODS:
                            await forget_summaries(app)
                            baseline = await measured(app, meter, fake, bench, span)
                            stored = await measured(app, meter, fake, bench, span)
                            results.setdefault((name, "baseline"), []).append(baseline)
                            results.setdefault((name, "stored"), []).append(stored)
                        print(f"  run {run + 1} of {runs} done", flush=True)
                    digest = await build(app, bench, timedelta(days=1), False)
                    per_part = await parts_alone(app, meter, bench)
                finally:
                    meter.close()
                sections = {
                    name: [(s.heading, len(items)) for s, items in digest.sections()]
                    for name, _ in PERIODS[:1]
                }
                kind = "PostgreSQL" if postgres else "SQLite"
                return Result(
                    kind,
                    bench.counts,
                    results,
                    sections,
                    digest.problems,
                    list(app.digest_parts.names),
                    per_part,
                )


async def parts_alone(app: App, meter: Meter, bench: world.BenchWorld) -> dict[str, Any]:
    """Each registered part gathered alone over 7 days, summaries stored, then the rendering of
    the whole digest for Discord and its chart alone: (seconds, queries), medians of 3. Reads
    the registry's sources directly (the bench's instrumentation, nothing else does)."""
    found: dict[str, tuple[float, int]] = {}
    request = DigestRequest(
        bench.community_id, bench.now - timedelta(days=7), bench.now, bench.reader, True
    )
    for source in list(app.digest_parts._sources):
        times, queries = [], []
        for _ in range(3):
            measure, _part = await meter.measure(lambda s=source: s.digest_part(request))
            times.append(measure.without_model)
            queries.append(measure.queries)
        found[source.name] = (statistics.median(times), int(statistics.median(queries)))
    parts = await app.digest_parts.gather(request)
    digest = Digest("Example DAO", request.start, request.end, TIMEZONE, bench.reader, tuple(parts))
    for label, module, function in (
        ("rendering for Discord (digest.md and chart included)", "render", "digest_reply"),
        ("of which the chart", "chart", "activity_chart"),
    ):
        try:
            draw = getattr(importlib.import_module(f"cogs.digests.{module}"), function)
        except (ImportError, AttributeError):
            continue
        times = []
        for _ in range(3):
            started = time.perf_counter()
            draw(digest, "discord") if module == "render" else draw(digest)
            times.append(time.perf_counter() - started)
        found[label] = (statistics.median(times), 0)
    return found


def median(measures: list[Measure], what: Callable[[Measure], float]) -> float:
    return statistics.median(what(m) for m in measures)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else ("1.00x" if a == b else "n/a")


def report(result: Result, runs: int, show_statements: bool) -> None:
    c = result.counts
    print(
        f"\n### {result.label}: {c.messages:,} messages in {c.sources} sources ({c.authors} "
        f"authors), {c.safes} Safes ({c.alerts} alerts, {c.flows} flows, {c.queued} queued), "
        f"{c.proposals} proposals, {c.members} members; medians of {runs} runs\n"
    )
    print(f"Parts registered: {', '.join(result.parts) or 'none'}")
    load = os.getloadavg()[0]
    print(f"Load average at the end (a shared machine): {load:.1f} on {os.cpu_count()} CPUs\n")
    print(
        "| period | build | time s | in model calls s | without model s | CPU s | queries | "
        "model calls | prompt tokens | completion tokens | debates shown |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in PERIODS:
        rows = {}
        for case, label in (
            ("baseline", "no stored summaries (baseline)"),
            ("stored", "stored summaries"),
        ):
            ms = result.runs[(name, case)]
            row = {
                "time": median(ms, lambda m: m.seconds),
                "model": median(ms, lambda m: m.model_seconds),
                "without": median(ms, lambda m: m.without_model),
                "cpu": median(ms, lambda m: m.cpu_seconds),
                "queries": median(ms, lambda m: m.queries),
                "calls": median(ms, lambda m: m.fake_calls),
                "prompt": median(ms, lambda m: m.prompt_tokens),
                "completion": median(ms, lambda m: m.completion_tokens),
                "debates": median(ms, lambda m: m.debates_shown),
            }
            rows[case] = row
            print(
                f"| {name} | {label} | {row['time']:.3f} | {row['model']:.3f} | "
                f"{row['without']:.3f} | {row['cpu']:.3f} | {row['queries']:.0f} | "
                f"{row['calls']:.0f} | "
                f"{row['prompt']:,.0f} | {row['completion']:,.0f} | {row['debates']:.0f} |"
            )
        s, b = rows["stored"], rows["baseline"]
        print(
            f"| {name} | stored / baseline | {ratio(s['time'], b['time'])} | | "
            f"{ratio(s['without'], b['without'])} | {ratio(s['cpu'], b['cpu'])} | "
            f"{ratio(s['queries'], b['queries'])} | "
            f"{ratio(s['calls'], b['calls'])} | {ratio(s['prompt'], b['prompt'])} | "
            f"{ratio(s['completion'], b['completion'])} | |"
        )
    goals(result)
    for name, _ in PERIODS:
        for case, label in (("stored", "stored summaries"), ("baseline", "no stored summaries")):
            ms = result.runs[(name, case)]
            typical = sorted(ms, key=lambda m: m.queries)[len(ms) // 2]
            by_owner: Counter[str] = Counter()
            for table, count in typical.tables.items():
                by_owner[owner_of(table)] += count
            print(
                f"\nQueries of one {name} build, {label}, by the feature owning the table: "
                + ", ".join(f"{owner} {n}" for owner, n in by_owner.most_common())
            )
            if show_statements:
                for statement in typical.statements:
                    print("    " + " ".join(statement.split())[:160])
    print("\n| part, alone (7 days, stored summaries) | time s | queries |")
    print("|---|---:|---:|")
    for name, (seconds, queries) in result.per_part.items():
        print(f"| {name} | {seconds:.3f} | {queries} |")
    print(
        "\nSections of the last 24-hour digest: "
        + ", ".join(f"{heading} {n}" for heading, n in result.sections[PERIODS[0][0]])
    )
    for line in result.problems:
        print(f"Problem reported: {line}")


def goals(result: Result) -> None:
    """PASS or FAIL per goal, for both builds: time on the median of the runs (the machine is
    shared; the worst run is shown beside it), queries and model calls on the worst run."""
    print("\n| goal | build | " + " | ".join(name for name, _ in PERIODS) + " |")
    print("|---|---|" + "---|" * len(PERIODS))
    for case, label in (("stored", "stored summaries"), ("baseline", "no stored summaries")):
        cells: dict[str, list[str]] = {"time": [], "queries": [], "calls": []}
        for name, _ in PERIODS:
            ms = result.runs[(name, case)]
            typical = median(ms, lambda m: m.without_model)
            worst = max(m.without_model for m in ms)
            text = f"{typical:.3f} s (worst {worst:.3f} s)"
            cells["time"].append(_verdict(text, typical <= GOAL_SECONDS))
            queries = max(m.queries for m in ms)
            cells["queries"].append(_verdict(str(queries), queries <= GOAL_QUERIES))
            # Every debate shown is new when nothing is stored; none is when its summary is.
            calls = max(m.fake_calls for m in ms)
            new = min(m.debates_shown for m in ms) if case == "baseline" else 0
            ok = all(m.fake_calls <= (m.debates_shown if case == "baseline" else 0) for m in ms)
            cells["calls"].append(_verdict(f"{calls} for {new} new debates", ok))
        print(
            f"| <= {GOAL_SECONDS:g} s without model time (median) | {label} | "
            + " | ".join(cells["time"])
            + " |"
        )
        print(f"| <= {GOAL_QUERIES} queries | {label} | " + " | ".join(cells["queries"]) + " |")
        print(f"| <= 1 model call per new debate | {label} | " + " | ".join(cells["calls"]) + " |")


def _verdict(text: str, ok: bool) -> str:
    return f"{text} **{'PASS' if ok else 'FAIL'}**"


async def main(runs: int, postgres: str | None, show_statements: bool) -> None:
    label = "PostgreSQL" if postgres else "SQLite"
    print(f"Building the bench community on {label}…", flush=True)
    result = await one_database(postgres, runs)
    report(result, runs, show_statements)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--postgres", metavar="URL", help="run on this PostgreSQL database (a schema of its own)"
    )
    parser.add_argument(
        "--statements", action="store_true", help="list the statements of one build of each kind"
    )
    args = parser.parse_args()
    asyncio.run(main(args.runs, args.postgres, args.statements))
