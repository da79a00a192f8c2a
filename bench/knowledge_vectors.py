"""What brute-force vector search costs /ask: the cosine top-k over a community's vectors, and
loading them from the database into the in-memory matrix, against the smallest case in the
same run (the machine is shared, so ratios say more than milliseconds).

    .venv/bin/python -m bench.knowledge_vectors [--postgres URL] [--rows 100000]

Search: random unit vectors at 1,536 dimensions (text-embedding-3-small) for 10,000 and 100,000
passages, and at 256 dimensions (text-embedding-3 asked for `dimensions=256`) for 1,000,000;
median of 20 questions, top 20. Load: `--rows` vectors stored through the feature's own store
into SQLite (and PostgreSQL with --postgres), read back and stacked as `VectorIndex` does after
the table changed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bot.commands.community import CORE_SETTINGS, CommunityService
from bot.storage.database import Database
from cogs.knowledge import vector_store as store
from retrieval.vectors import VectorMatrix, top_k
from tests.support.apps import feature_migrations
from tests.support.databases import database_url

QUESTIONS = 20
LIMIT = 20


def unit_rows(rows: int, dims: int, seed: int) -> np.ndarray:
    generator = np.random.default_rng(seed)
    matrix = generator.standard_normal((rows, dims), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix


def search_ms(rows: int, dims: int) -> tuple[float, float]:
    """Median milliseconds of one top-k, and the matrix's size in MB."""
    matrix = unit_rows(rows, dims, seed=rows)
    questions = unit_rows(QUESTIONS, dims, seed=1)
    times = []
    for question in questions:
        start = time.perf_counter()
        top_k(matrix, question, LIMIT)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), matrix.nbytes / 1e6


async def load_ms(url: str, rows: int, dims: int) -> tuple[float, float]:
    """Seconds to store `rows` vectors, and milliseconds to read and stack them."""
    db = Database(url)
    try:
        await db.migrate(feature_migrations())
        await CommunityService(db, [], CORE_SETTINGS).sync_configured("local")
        matrix = unit_rows(rows, dims, seed=3)
        start = time.perf_counter()
        for first in range(0, rows, 5000):
            batch = [
                store.NewVector(f"bench:{n}", "0" * 64, dims, matrix[n].astype("<f4").tobytes())
                for n in range(first, min(rows, first + 5000))
            ]
            async with db.transaction() as session:
                await store.replace(session, 1, "m", batch)
        stored = time.perf_counter() - start
        start = time.perf_counter()
        async with db.read() as session:
            keys, data, size = await store.load(session, 1, "m")
        stacked = await asyncio.to_thread(VectorMatrix, keys, data, size)
        loaded = (time.perf_counter() - start) * 1000
        if len(stacked) != rows:
            raise RuntimeError(f"loaded {len(stacked)} of {rows} vectors")
        return stored, loaded
    finally:
        await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", help="an admin URL; a schema is made and dropped")
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    print("| passages | dimensions | matrix MB | top-20 ms (median) | ratio to 10k |")
    print("|---:|---:|---:|---:|---:|")
    baseline = 0.0
    for rows, dims in ((10_000, 1536), (100_000, 1536), (1_000_000, 256)):
        ms, mb = search_ms(rows, dims)
        baseline = baseline or ms
        print(f"| {rows:,} | {dims} | {mb:,.0f} | {ms:.1f} | {ms / baseline:.1f}x |")

    print()
    print("| database | vectors | store s | read and stack ms |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        kinds = ["sqlite", *(["postgresql"] if args.postgres else [])]
        for kind in kinds:
            if args.postgres:
                os.environ["STEWARD_TEST_POSTGRES"] = args.postgres
            async with database_url(kind, Path(folder)) as url:
                stored, loaded = await load_ms(url, args.rows, 1536)
            print(f"| {kind} | {args.rows:,} | {stored:.1f} | {loaded:,.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
