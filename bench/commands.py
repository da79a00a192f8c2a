"""Acknowledgement latency of 200 concurrent /help interactions through the fake Discord.

Each interaction is timed from the fake gateway's INTERACTION_CREATE to the bot's callback, the
whole path a real interaction takes: websocket, discord.py, our dispatcher, community lookup in
SQLite, rendering, REST callback. The baseline, measured in the same run on the same loop, is a
bare aiohttp echo round trip with the same concurrency; figures are reported as ratios to it
because the machine is shared and noisy.

    .venv/bin/python -m bench.commands [--interactions 200] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
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
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
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


async def main(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(Path(tmp), f"sqlite:///{tmp}/bench.db")
        async with (
            FakeDiscord() as fake,
            running_app(settings) as app,
            discord_frontend(app, fake),
        ):
            await help_acknowledgements(fake, 10)  # warm caches and connections
            echo: list[float] = []
            steward: list[float] = []
            for _ in range(rounds):
                echo += await echo_round_trips(count)
                steward += await help_acknowledgements(fake, count)
    rows = [
        ("bare aiohttp echo (baseline)", echo),
        ("/help acknowledged via fake Discord", steward),
    ]
    base_p50, base_p99 = percentile(echo, 0.5), percentile(echo, 0.99)
    print(f"{count} concurrent requests x {rounds} rounds")
    print("| measure | p50 ms | p99 ms | p50 ratio | p99 ratio |")
    print("|---|---:|---:|---:|---:|")
    for name, values in rows:
        p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
        print(
            f"| {name} | {p50 * 1000:.1f} | {p99 * 1000:.1f} | "
            f"{p50 / base_p50:.1f}x | {p99 / base_p99:.1f}x |"
        )
    print(f"mean /help acknowledgement: {statistics.mean(steward) * 1000:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(main(args.interactions, args.rounds))
