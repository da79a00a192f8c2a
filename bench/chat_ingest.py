"""Chat ingest: events per second through the real ChatIngest, with events arriving concurrently.

20,000 events from 10 Telegram groups and 40 people: new messages, and among them edits (10 %)
and deletes (5 %) of earlier messages. Each event is its own task calling ChatIngest.handle, as
the adapters deliver them, --concurrency at a time; the rate is events over the time from the
first event to the last one written (close() returns). Then every stored row is checked against
what the events should leave. Baselines measured in the same run on the same database: a raw
bulk insert of those final rows (one statement, no lookups, no upserts), and one transaction per
event, concurrently, as events were stored before batching (on fewer events: it is slow).
Medians of --runs runs.

    .venv/bin/python -m bench.chat_ingest [--events 20000] [--concurrency 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import col, select

from bot.commands.caller import Space
from bot.commands.community import CORE_SETTINGS, CommunityContext, CommunityService
from bot.commands.options import ChannelRef
from bot.events import ChatMessage
from bot.frontend import FrontEnds
from bot.http import HttpClient
from bot.settings import LLMSettings
from bot.storage.database import Database
from cogs.debates.chat_ingest import ChatIngest
from cogs.debates.config import DebatesConfig
from cogs.debates.models import Post, Source, Thread
from cogs.debates.service import DebateService
from tests.support.apps import feature_migrations
from tests.support.clock import ManualClock
from tests.support.databases import database_url

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GROUPS = [Space("telegram", f"-100{i}", f"DAO group {i}") for i in range(10)]
PEOPLE = [f"member{i}" for i in range(40)]


def events(count: int, seed: int = 0) -> tuple[list[ChatMessage], dict[tuple[str, str], str]]:
    """The events, and what each message should end as: (chat, id) -> text, "" if deleted."""
    rng = random.Random(seed)
    out: list[ChatMessage] = []
    final: dict[tuple[str, str], str] = {}
    sent: list[ChatMessage] = []
    for n in range(count):
        at = T0 + timedelta(milliseconds=n)
        roll = rng.random()
        if sent and roll < 0.10:
            original = rng.choice(sent)
            message = replace(original, text=f"{original.text} (edited {n})", edited_at=at)
            if final[(original.space.id, original.message_id)]:
                final[(original.space.id, original.message_id)] = message.text
        elif sent and roll < 0.15:
            original = rng.choice(sent)
            message = ChatMessage(
                platform="telegram",
                space=original.space,
                channel=ChannelRef("telegram", original.channel.id),
                message_id=original.message_id,
                deleted=True,
            )
            final[(original.space.id, original.message_id)] = ""
        else:
            group = rng.choice(GROUPS)
            person = rng.choice(PEOPLE)
            message = ChatMessage(
                platform="telegram",
                space=group,
                channel=ChannelRef("telegram", group.id, group.name),
                message_id=str(n),
                author_id=person,
                author_name=person.title(),
                text=f"Message {n}: I think the treasury should keep {n % 90} % in stables.",
                created_at=at,
            )
            sent.append(message)
            final[(group.id, message.message_id)] = message.text
        out.append(message)
    return out, final


@dataclass
class Run:
    events: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


@dataclass
class Setup:
    db: Database
    communities: CommunityService
    debates: DebateService
    by_group: dict[str, CommunityContext]

    def ingest(self) -> ChatIngest:
        return ChatIngest(self.db, self.communities, FrontEnds(), self.debates)


async def prepared(url: str, http: HttpClient) -> Setup:
    db = Database(url)
    await db.migrate(feature_migrations())
    communities = CommunityService(db, [], CORE_SETTINGS)
    await communities.sync_configured("local")
    by_group = {g.id: await communities.resolve("telegram", g.id, g.name) for g in GROUPS}
    debates = DebateService(db, DebatesConfig(), LLMSettings(), http, ManualClock(T0))
    return Setup(db, communities, debates, by_group)


async def through_chat_ingest(setup: Setup, stream: list[ChatMessage], concurrency: int) -> Run:
    ingest = setup.ingest()
    slots = asyncio.Semaphore(concurrency)
    tasks: list[asyncio.Task[None]] = []

    async def deliver(message: ChatMessage) -> None:
        try:
            await ingest.handle(message)
        finally:
            slots.release()

    cpu, started = time.process_time(), time.perf_counter()
    for message in stream:
        await slots.acquire()
        tasks.append(asyncio.create_task(deliver(message)))
    await asyncio.gather(*tasks)
    await ingest.close()
    return Run(len(stream), time.perf_counter() - started, time.process_time() - cpu)


async def one_transaction_each(setup: Setup, stream: list[ChatMessage], concurrency: int) -> Run:
    ingest = setup.ingest()
    slots = asyncio.Semaphore(concurrency)
    tasks: list[asyncio.Task[int]] = []

    async def store(message: ChatMessage) -> int:
        try:
            community = setup.by_group[message.space.id]
            return await ingest._write([(community, message)])  # no batching, no queue
        finally:
            slots.release()

    cpu, started = time.process_time(), time.perf_counter()
    for message in stream:
        await slots.acquire()
        tasks.append(asyncio.create_task(store(message)))
    await asyncio.gather(*tasks)
    return Run(len(stream), time.perf_counter() - started, time.process_time() - cpu)


async def raw_insert(db: Database, rows: list[dict[str, object]]) -> Run:
    cpu, started = time.process_time(), time.perf_counter()
    async with db.engine.begin() as connection:
        await connection.execute(insert(Post), rows)
    return Run(len(rows), time.perf_counter() - started, time.process_time() - cpu)


async def check_and_copy(
    db: Database, final: dict[tuple[str, str], str]
) -> list[dict[str, object]]:
    """Every message stored once, with its last text or deleted; the rows, to insert again."""
    async with db.read() as session:
        query = (
            select(Source.key, Post)
            .join(Thread, col(Thread.id) == col(Post.thread_id))
            .join(Source, col(Source.id) == col(Thread.source_id))
        )
        stored = (await session.exec(query)).all()
    found = {(key, p.external_id): ("" if p.deleted else p.text) for key, p in stored}
    lost = set(final) - set(found)
    wrong = [k for k, text in final.items() if k in found and found[k] and found[k] != text]
    if lost or wrong or len(found) != len(final):
        raise SystemExit(f"ingest lost {len(lost)} messages and got {len(wrong)} wrong")
    ignore = {"id"}
    return [
        {k: v for k, v in p.model_dump().items() if k not in ignore} | {"external_id": f"copy-{i}"}
        for i, (_, p) in enumerate(stored)
    ]


async def one_run(kind: str, count: int, concurrency: int, old_events: int) -> tuple[Run, ...]:
    stream, final = events(count)
    with tempfile.TemporaryDirectory() as tmp:
        async with database_url(kind, Path(tmp)) as url, HttpClient() as http:
            setup = await prepared(url, http)
            try:
                batched = await through_chat_ingest(setup, stream, concurrency)
                rows = await check_and_copy(setup.db, final)
                raw = await raw_insert(setup.db, rows)
            finally:
                await setup.db.close()
        async with database_url(kind, Path(tmp) / "old") as url, HttpClient() as http:
            setup = await prepared(url, http)
            try:
                old = await one_transaction_each(setup, stream[:old_events], concurrency)
            finally:
                await setup.db.close()
    return batched, raw, old


async def main(count: int, concurrency: int, runs: int, databases: list[str]) -> None:
    old_events = min(count, 2_000)
    print(
        f"{count:,} events (10 % edits, 5 % deletes) from {len(GROUPS)} groups, {concurrency} "
        f"delivered at once; one transaction per event measured on the first {old_events:,}; "
        f"medians of {runs} runs\n"
    )
    print(
        "| database | ChatIngest events/s | CPU ms/event | raw bulk insert rows/s | "
        "ChatIngest / raw | one transaction per event, events/s | ChatIngest / that |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in databases:
        results = [await one_run(kind, count, concurrency, old_events) for _ in range(runs)]
        rate = statistics.median(r[0].rate for r in results)
        cpu = statistics.median(1000 * r[0].cpu / r[0].events for r in results)
        raw = statistics.median(r[1].rate for r in results)
        old = statistics.median(r[2].rate for r in results)
        print(
            f"| {kind} | {rate:,.0f} | {cpu:.3f} | {raw:,.0f} | {rate / raw:.2f} | "
            f"{old:,.0f} | {rate / old:.1f}x |"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    asyncio.run(main(args.events, args.concurrency, args.runs, args.databases.split(",")))
