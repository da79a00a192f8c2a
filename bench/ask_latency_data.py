"""A million chat messages for the /ask latency bench, in the debates feature's real tables.

The text is drawn word by word from the frequencies of the evaluation set's DAO threads and chat
(bench/eval: governance words, names, numbers as people write them), with a long tail of rare
made-up words (names, tickers, typos), links, amounts, emoji and some messages in other
languages; lengths like chat, 5 to 60 words, about 14 typically. Four communities of unequal
size (50, 25, 15 and 10 % of the messages), each with a Discord server (channels and threads)
and Telegram groups (with topics), so a search has other communities' rows to filter out.

The database is migrated by the real migrations, so the full-text index is the one production
builds; rows are inserted in bulk (executemany on SQLite, COPY on PostgreSQL). Built databases
are cached (SQLite: bench/.cache/; PostgreSQL: its own database) and reused while the row count,
the seed and the generator's version are the same; a new migration is applied to the cached
rows, as it would be in production.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from alembic.script import ScriptDirectory
from sqlalchemy import insert, text

from bot.storage.database import Database
from bot.storage.migrate import alembic_config
from bot.storage.models import Community
from cogs.debates.models import Author, Source, Thread
from retrieval.fulltext import FullTextIndex, create_statements, drop_statements
from tests.support.apps import feature_migrations

GENERATOR_VERSION = 1
CACHE = Path(__file__).parent / ".cache"
EVAL = Path(__file__).parent / "eval"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_DATABASE = "steward_bench_latency"
# The index production builds on debates' posts (the debates RecordSource's).
POST_INDEX = FullTextIndex("post", "text")
COMMUNITIES = (("alpha", 0.50), ("beta", 0.25), ("gamma", 0.15), ("delta", 0.10))
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
T0 = datetime(2024, 12, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
OTHER_LANGUAGES = (
    "¿alguien sabe cuándo se vota la propuesta del presupuesto?",
    "estoy de acuerdo con la idea pero el monto es demasiado alto",
    "alguém sabe onde está o guia da marca?",
    "acho que devemos esperar a próxima votação",
    "ich bin dagegen, das Budget ist viel zu hoch",
    "wann ist der nächste Community Call?",
    "je pense qu'il faut reporter le vote d'une semaine",
    "merci pour le résumé, très utile",
    "提案の投票はいつ終わりますか",
    "这个提案的预算太高了",
    "кто отвечает за казну?",
    "grazie, ottimo lavoro sul report",
)
EMOJI = ("🚀", "🔥", "👍", "🙏", "😂", "👀", "✅", "❤️", "🤔", "💯", "gm", "wagmi", "lfg")
_SYLLABLES = "ka lo mi ra zen tor vex qui bal dor fen gri hul jas kel mon nup pra sil tav".split()


def eval_words() -> Counter[str]:
    """Word counts of the evaluation set's threads and chat: real DAO phrasing."""
    counts: Counter[str] = Counter()
    for path in sorted(EVAL.rglob("*.json")):
        data = json.loads(path.read_text())
        if not isinstance(data, dict):
            continue
        for item in data.get("messages", []) + data.get("posts", []):
            body = item.get("text") or re.sub(r"<[^>]+>", " ", item.get("cooked") or "")
            counts.update(w.lower() for w in re.findall(r"[^\W_]+(?:'[^\W_]+)?", body))
    return counts


def _tail_words(count: int, rng: random.Random) -> list[str]:
    seen: dict[str, None] = {}
    while len(seen) < count:
        seen.setdefault("".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))), None)
    return list(seen)


class Chatter:
    """Chat messages, deterministic for a seed."""

    def __init__(self, seed: int = 0, tail: int = 50_000) -> None:
        self.rng = random.Random(seed)
        counts = eval_words()
        self.words = [w for w, _ in counts.most_common()]
        self.weights = _cumulative([float(c) for _, c in counts.most_common()])
        self.tail = _tail_words(tail, self.rng)
        self.tail_weights = _cumulative([1.0 / (r + 10) for r in range(tail)])

    def message(self) -> str:
        rng = self.rng
        if rng.random() < 0.03:
            return rng.choice(OTHER_LANGUAGES)
        length = min(60, max(5, int(rng.lognormvariate(2.6, 0.6))))
        out = rng.choices(self.words, cum_weights=self.weights, k=length)
        for i in range(length):
            roll = rng.random()
            if roll < 0.06:
                out[i] = rng.choices(self.tail, cum_weights=self.tail_weights)[0]
            elif roll < 0.075:
                out[i] = rng.choice(("$", "", "#")) + str(int(rng.paretovariate(1.2) * 10))
            elif roll < 0.08:
                out[i] = f"{rng.randint(1, 99)}%"
        if rng.random() < 0.04:
            slug = "-".join(rng.choices(self.words[50:3000], k=4))
            out.append(f"https://forum.dao.example/t/{slug}/{rng.randint(1, 2000)}")
        if rng.random() < 0.12:
            out.append(rng.choice(EMOJI))
        return " ".join(out)


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


@dataclass(frozen=True)
class Layout:
    """Per community: its id, and the thread ids and author ids its messages go to."""

    communities: list[tuple[int, float, list[int], list[int]]]


async def _create_layout(db: Database, rng: random.Random) -> Layout:
    out: list[tuple[int, float, list[int], list[int]]] = []
    async with db.engine.begin() as session:
        for slug, share in COMMUNITIES:
            row = (
                await session.execute(
                    insert(Community).values(slug=slug, name=slug.title()).returning(Community.id)
                )
            ).scalar_one()  # type: ignore[arg-type]
            threads: list[int] = []
            authors: list[int] = []
            for platform, channels, subthreads in (("discord", 15, 10), ("telegram", 3, 5)):
                source = Source(
                    community_id=row,
                    kind=platform,
                    key=f"{slug}-{platform}",
                    name=f"{slug} {platform}",
                )
                source_id = (
                    await session.execute(
                        insert(Source)
                        .values(**source.model_dump(exclude={"id"}))
                        .returning(Source.id)
                    )
                ).scalar_one()  # type: ignore[arg-type]
                parents: list[int] = []
                for n in range(channels + subthreads):
                    parent = rng.choice(parents) if n >= channels else None
                    thread = Thread(
                        source_id=source_id,
                        external_id=str(1000 + n),
                        title=f"#{slug}-{platform}-{n}",
                        kind="channel" if parent is None else "thread",
                        parent_id=parent,
                    )
                    thread_id = (
                        await session.execute(
                            insert(Thread)
                            .values(**thread.model_dump(exclude={"id"}))
                            .returning(Thread.id)
                        )
                    ).scalar_one()  # type: ignore[arg-type]
                    (parents if parent is None else []).append(thread_id)
                    threads.append(thread_id)
                for n in range(400):
                    author = Author(source_id=source_id, external_id=str(n), name=f"{slug}_{n}")
                    author_id = (
                        await session.execute(
                            insert(Author)
                            .values(**author.model_dump(exclude={"id"}))
                            .returning(Author.id)
                        )
                    ).scalar_one()  # type: ignore[arg-type]
                    authors.append(author_id)
            out.append((row, share, threads, authors))
    return Layout(out)


def posts(layout: Layout, count: int, seed: int) -> Iterator[tuple[Any, ...]]:
    """(id, thread, external id, author, created, text, deleted) for every message, oldest first."""
    chatter = Chatter(seed)
    rng = random.Random(seed + 1)
    shares = _cumulative([share for _, share, _, _ in layout.communities])
    for n in range(1, count + 1):
        _, _, threads, authors = rng.choices(layout.communities, cum_weights=shares)[0]
        # Busy channels and talkative people: a few carry most of the traffic.
        thread = threads[min(int(rng.paretovariate(1.0)) - 1, len(threads) - 1)]
        author = authors[min(int(rng.paretovariate(0.8)) - 1, len(authors) - 1)]
        at = T0 + SPAN * (n / count)
        yield n, thread, str(n), author, at, chatter.message(), rng.random() < 0.01


@dataclass(frozen=True)
class Built:
    url: str
    count: int
    seconds: float  # building it (0 when the cached one was used)
    index: str  # "migration" or "bench" (the bench made the index: no migration does yet)


def _head() -> str:
    head = ScriptDirectory.from_config(
        alembic_config(None, feature_migrations())
    ).get_current_head()
    return str(head)


def _marker(kind: str) -> Path:
    return CACHE / f"ask_latency-{kind}.json"


def _url(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{CACHE / 'ask_latency.db'}"
    return POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + POSTGRES_DATABASE


async def _has_index(db: Database) -> bool:
    async with db.engine.connect() as c:
        if db.dialect == "sqlite":
            found = await c.execute(
                text("SELECT 1 FROM sqlite_master WHERE name = :n"), {"n": POST_INDEX.fts_table}
            )
        else:
            found = await c.execute(
                text(
                    "SELECT 1 FROM information_schema.columns WHERE table_name = 'post' "
                    "AND column_name = :n AND table_schema = current_schema()"
                ),
                {"n": POST_INDEX.tsv_column},
            )
        return found.first() is not None


async def _run(db: Database, statements: list[str]) -> None:
    async with db.engine.begin() as c:
        for statement in statements:
            await c.execute(text(statement))


def _fresh(kind: str) -> None:
    if kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (CACHE / f"ask_latency.db{suffix}").unlink(missing_ok=True)
        return
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {POSTGRES_DATABASE}")
        c.execute(f"CREATE DATABASE {POSTGRES_DATABASE}")


def _insert_sqlite(path: Path, rows: Iterator[tuple[Any, ...]]) -> None:
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executemany(
                "INSERT INTO post (id, thread_id, external_id, author_id, created_at, updated_at,"
                " text, deleted, likes, url, attachments, mentions)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '', '[]', '[]')",
                (
                    (
                        i,
                        t,
                        e,
                        a,
                        at.strftime(SQLITE_TIME),
                        at.strftime(SQLITE_TIME),
                        body,
                        deleted,
                    )
                    for i, t, e, a, at, body, deleted in rows
                ),
            )
        connection.execute("ANALYZE")
    finally:
        connection.close()


def _insert_postgres(url: str, rows: Iterator[tuple[Any, ...]]) -> None:
    """COPY, with post's secondary indexes dropped and made again after (as a restore does)."""
    with psycopg.connect(url, autocommit=True) as c:
        indexes = c.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'post'"
            " AND schemaname = current_schema() AND indexname NOT IN (SELECT conname FROM"
            " pg_constraint WHERE connamespace = current_schema()::regnamespace)"
        ).fetchall()
        for name, _ in indexes:
            c.execute(f'DROP INDEX "{name}"')
        with (
            c.cursor() as cursor,
            cursor.copy(
                "COPY post (id, thread_id, external_id, author_id, created_at, updated_at, text,"
                " deleted, likes, url) FROM STDIN"
            ) as copy,
        ):
            for i, t, e, a, at, body, deleted in rows:
                copy.write_row((i, t, e, a, at, at, body, deleted, 0, ""))
        for _, definition in indexes:
            c.execute(definition)
        c.execute("SELECT setval(pg_get_serial_sequence('post', 'id'), max(id)) FROM post")
        c.execute("ANALYZE source")
        c.execute("ANALYZE thread")
        c.execute("VACUUM ANALYZE post")


def copied(path: Path) -> Iterator[tuple[Any, ...]]:
    """The messages of an SQLite database this module built with the same count and seed
    (the layout's ids are the same on a fresh database): faster than generating them again."""
    connection = sqlite3.connect(path)
    try:
        for i, t, e, a, at, body, deleted in connection.execute(
            "SELECT id, thread_id, external_id, author_id, created_at, text, deleted FROM post"
            " ORDER BY id"
        ):
            created = datetime.strptime(at, SQLITE_TIME).replace(tzinfo=UTC)
            yield i, t, e, a, created, body, bool(deleted)
    finally:
        connection.close()


async def populate(db: Database, count: int, seed: int = 0, copy_of: Path | None = None) -> str:
    """Migrate an empty database and store `count` messages; who made the full-text index."""
    await db.migrate(feature_migrations())
    layout = await _create_layout(db, random.Random(seed))
    rows = copied(copy_of) if copy_of is not None else posts(layout, count, seed)
    if db.path is not None:
        _insert_sqlite(db.path, rows)
    else:
        _insert_postgres(db.url.replace("+psycopg", ""), rows)
    return await _ensure_index(db)


async def _ensure_index(db: Database) -> str:
    if await _has_index(db):
        return "migration"
    await _run(db, create_statements(POST_INDEX, db.dialect))
    return "bench"


async def build(kind: str, count: int, seed: int = 0, fresh: bool = False) -> Built:
    """The cached database of `count` messages, built first if needed."""
    CACHE.mkdir(exist_ok=True)
    want = {"count": count, "seed": seed, "generator": GENERATOR_VERSION}
    marker = json.loads(_marker(kind).read_text()) if _marker(kind).exists() else {}
    cached = not fresh and {k: marker.get(k) for k in want} == want
    started = time.perf_counter()
    head = _head()
    if not cached:
        _fresh(kind)
    db = Database(_url(kind))
    try:
        if not cached:
            sqlite = json.loads(_marker("sqlite").read_text()) if _marker("sqlite").exists() else {}
            same = kind != "sqlite" and {k: sqlite.get(k) for k in want} == want
            index = await populate(db, count, seed, CACHE / "ask_latency.db" if same else None)
        elif marker.get("index") == "bench" and marker.get("head") != head:
            # The bench made the index when no migration did: drop it, let migrations decide.
            await _run(db, drop_statements(POST_INDEX, db.dialect))
            await db.migrate(feature_migrations())
            index = await _ensure_index(db)
        else:
            await db.migrate(feature_migrations())
            index = str(marker.get("index", "migration"))
        _marker(kind).write_text(json.dumps(want | {"head": head, "index": index}))
    finally:
        await db.close()
    seconds = time.perf_counter() - started if not cached else 0.0
    return Built(_url(kind), count, seconds, index)
