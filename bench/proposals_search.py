"""How long the proposals source takes to answer /ask's search, per community size, on SQLite
and PostgreSQL: it reads every proposal of the community and scores them with BM25 in Python
(cogs/proposals/records_source.py), so its cost grows with the number of proposals.

Each community gets N followed Snapshot proposals (a title and a 120-word body of governance
words; two in three closed with a tally; every tenth a "v2" of an earlier one), stored as the
follower stores them. The baseline is the same reading without scoring: `passages()` (load,
outcomes, supersession), so the table shows what BM25 adds to reading the rows; a plain
`ILIKE` scan of the same rows for two words is the floor of reading them at all. The first
search stems every passage (later ones reuse the stems), so it is shown apart.

    STEWARD_TEST_POSTGRES=postgresql://postgres@127.0.0.1:5432/<db> \\
        .venv/bin/python -m bench.proposals_search [--sizes 100 300 1000] [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import col, select

from bot.app import App
from bot.records import SearchRequest
from cogs.proposals.records_source import ProposalRecords
from cogs.proposals.vote_models import FollowedProposal
from retrieval.query import parse
from tests.support.apps import make_settings, running_app
from tests.support.databases import database_url

WORDS = (
    "grant budget treasury safe signer bounty bridge audit docs writers quorum delegate "
    "stream payroll contributor council election marketing grants liquidity incentive "
    "partnership security upgrade oracle committee retroactive funding season program"
).split()
QUESTIONS = (
    "what did we decide about the grants budget?",
    "who runs the security council?",
    "was the bridge audit funded?",
    "liquidity incentive program results",
    "treasury safe signers",
)


def proposal_rows(community_id: int, count: int, seed: int = 7) -> list[FollowedProposal]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(count):
        words = rng.sample(WORDS, 4)
        title = f"GIP-{n}: {' '.join(words).capitalize()}"
        if n % 10 == 9:
            title = f"GIP-{n - 5} v2: {' '.join(words).capitalize()}"
        closed = n % 3 != 0
        rows.append(
            FollowedProposal(
                community_id=community_id,
                key=f"snapshot:0x{n:064x}",
                source="snapshot",
                title=title,
                link=f"https://snapshot.org/#/dao.eth/proposal/0x{n:064x}",
                state="closed" if closed else "opened",
                choices=["For", "Against", "Abstain"],
                scores=[rng.randint(0, 3000), rng.randint(0, 3000), rng.randint(0, 100)],
                total=3000.0,
                result="Passed: For 60 %" if closed and n % 2 else "Not passed: Against 55 %",
                body=" ".join(rng.choice(WORDS) for _ in range(120)),
                starts_at=start + timedelta(days=2 * n),
                ends_at=start + timedelta(days=2 * n + 5),
                updated_at=start + timedelta(days=2 * n + 5),
            )
        )
    return rows


async def fill(app: App, slug: str, count: int) -> int:
    community = await app.communities.by_slug(slug)
    assert community is not None and community.id is not None
    async with app.db.transaction() as session:
        session.add_all(proposal_rows(community.id, count))
    return community.id


def milliseconds(began: float) -> float:
    return (time.perf_counter() - began) * 1000


async def plain_scan(app: App, community: int, words: str) -> int:
    """The simplest search there is: the rows whose title or body holds any of the words."""
    likes = [f"%{w}%" for w in words.split()]
    query = select(FollowedProposal).where(
        FollowedProposal.community_id == community,
        or_(
            *(
                col(FollowedProposal.title).ilike(w) | col(FollowedProposal.body).ilike(w)
                for w in likes
            )
        ),
    )
    async with app.db.read() as session:
        return len((await session.exec(query)).all())


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def measure(kind: str, sizes: list[int], runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with database_url(kind, Path(tmp)) as url:
            communities = [{"slug": f"c{size}", "name": f"C{size}"} for size in sizes]
            settings = make_settings(Path(tmp), url, communities=communities)
            async with running_app(settings, extra=()) as app:
                source = ProposalRecords(app.db)
                for size in sizes:
                    community = await fill(app, f"c{size}", size)
                    requests = [SearchRequest(community, parse(q), limit=20) for q in QUESTIONS]
                    first = time.perf_counter()
                    await source.search(requests[0])  # stems every passage once
                    cold = milliseconds(first)
                    searched, read = [], []
                    for request in requests * runs:
                        began = time.perf_counter()
                        await source.search(request)
                        searched.append(milliseconds(began))
                    for _ in range(runs):
                        began = time.perf_counter()
                        await source.passages(community)
                        read.append(milliseconds(began))
                    scan = []
                    for _ in range(runs):
                        began = time.perf_counter()
                        await plain_scan(app, community, "grants budget")
                        scan.append(milliseconds(began))
                    print(
                        f"| {kind} | {size} | {cold:.0f} | {statistics.median(searched):.1f} | "
                        f"{p95(searched):.1f} | {statistics.median(read):.1f} | {p95(read):.1f} | "
                        f"{statistics.median(scan):.1f} |"
                    )


async def main(sizes: list[int], runs: int) -> None:
    print(
        "| database | proposals | first search ms | search p50 ms | search p95 ms "
        "| read only p50 ms | read only p95 ms | LIKE scan p50 ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in ("sqlite", "postgresql"):
        await measure(kind, sizes, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 300, 1000])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(main(args.sizes, args.runs))
