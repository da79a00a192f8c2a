"""Acknowledgement latency of 200 concurrent /help interactions through the fake Discord.

Each interaction is timed from the fake gateway's INTERACTION_CREATE to the bot's callback, the
whole path a real interaction takes: websocket, discord.py, our dispatcher, community lookup in
SQLite, rendering, REST callback. Each run starts a fresh bot and reports its first round (the
cold path: nothing cached yet) apart from the warm rounds after it. The baseline, measured in the
same run on the same loop, is a bare aiohttp echo round trip with the same concurrency; figures
are ratios to it because the machine is shared and noisy, and medians over several runs.

    .venv/bin/python -m bench.commands [--interactions 200] [--runs 3] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web

from tests.fakes.discord_server import FakeDiscord
from tests.support.apps import make_settings, running_app
from tests.support.frontends import discord_frontend


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def echo_round_trips(count: int) -> list[float]:
    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read(), content_type="application/json")

    app = web.Application()
    app.router.add_post("/echo", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    body = b'{"type": 2, "data": {"name": "help"}}'
    try:
        async with aiohttp.ClientSession() as session:

            async def one() -> float:
                started = time.perf_counter()
                async with session.post(f"http://127.0.0.1:{port}/echo", data=body) as response:
                    await response.read()
                return time.perf_counter() - started

            return list(await asyncio.gather(*(one() for _ in range(count))))
    finally:
        await runner.cleanup()


async def help_acknowledgements(fake: FakeDiscord, count: int) -> list[float]:
    records = await asyncio.gather(*(fake.invoke("help", {}, user="alice") for _ in range(count)))
    await asyncio.gather(*(r.wait_done(timeout=60) for r in records))
    return [r.latency for r in records if r.latency is not None]


@dataclass
class Run:
    echo: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)


async def one_run(count: int, rounds: int) -> Run:
    """A fresh bot: its first round of `count` interactions, then `rounds` warm ones."""
    run = Run()
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), f"sqlite:///{tmp}/bench.db")
        async with (
            FakeDiscord() as fake,
            running_app(settings) as app,
            discord_frontend(app, fake),
        ):
            run.echo += await echo_round_trips(count)
            run.first = await help_acknowledgements(fake, count)
            for _ in range(rounds):
                run.echo += await echo_round_trips(count)
                run.warm += await help_acknowledgements(fake, count)
    return run


async def main(count: int, runs: int, rounds: int) -> None:
    results = [await one_run(count, rounds) for _ in range(runs)]

    def median(measure: str, fraction: float) -> float:
        return statistics.median(percentile(getattr(r, measure), fraction) for r in results)

    def ratio(measure: str, fraction: float) -> float:
        return statistics.median(
            percentile(getattr(r, measure), fraction) / percentile(r.echo, fraction)
            for r in results
        )

    print(f"{count} concurrent /help, {runs} fresh bots, each a first round and {rounds} warm")
    print("| measure | p50 ms | p99 ms | p50 ratio | p99 ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, measure in (
        ("bare aiohttp echo (baseline)", "echo"),
        ("/help, first round after start", "first"),
        ("/help, warm rounds", "warm"),
    ):
        print(
            f"| {name} | {median(measure, 0.5) * 1000:.1f} | {median(measure, 0.99) * 1000:.1f} | "
            f"{ratio(measure, 0.5):.1f}x | {ratio(measure, 0.99):.1f}x |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.interactions, args.runs, args.rounds))
