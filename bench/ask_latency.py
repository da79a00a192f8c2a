"""/ask retrieval latency over 1,000,000 stored chat messages, against a plain LIKE scan.

The messages are in the debates feature's real tables on a database migrated by the real
migrations (bench/ask_latency_data.py builds and caches them). Each of 60 questions a member
might ask is parsed as /ask parses it (retrieval.query.parse) and searched in the largest
community (half of the messages, so the other half is filtered out), 20 passages, warm:

- full text: the ranked query retrieval.fulltext.match composes (FTS5 bm25 on SQLite,
  ts_rank_cd over the GIN-indexed tsvector on PostgreSQL), with the community's filter;
- the debates RecordSource's `search`, when that source is on main;
- LIKE: the same terms as `text LIKE '%term%'` ORed (ILIKE on PostgreSQL, as SQLite's LIKE
  ignores ASCII case), the same community filter and limit, newest first.

Each run times every question once; p50 and p95 are over the questions of a run, and the table
shows the median of --runs runs. Latency is as the app sees it: through SQLAlchemy's async
engine, the rows fetched.

    .venv/bin/python -m bench.ask_latency [--messages 1000000] [--runs 5] [--like-runs 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import text

from bench.ask_latency_data import POST_INDEX, Built, build
from bot.storage.database import Database
from retrieval.fulltext import match
from retrieval.query import Query, parse

QUESTIONS = (
    "what did we decide about the grants budget?",
    "who runs the treasury committee?",
    "where is the brand guide?",
    "when is the next community call?",
    "how do I become a delegate?",
    "what is the quorum for a snapshot vote?",
    "did the stablecoin diversification proposal pass?",
    "who are the signers on the multisig?",
    "how much ETH does the treasury hold?",
    "what happened with the testnet halt?",
    "is there a bug bounty program?",
    "how are contributors paid?",
    "what is the timeline for the v2 launch?",
    "who approved the marketing budget?",
    "why was gasless voting removed?",
    "where can I find the governance docs?",
    "what's the process to submit a proposal?",
    "how long is the voting period?",
    "who is on the security council?",
    "what was the outcome of the delegate incentives vote?",
    "is the bridge paused?",
    "how do I claim my airdrop?",
    "what fee did we promise at launch?",
    "when does the grants program open again?",
    "who maintains the dashboard?",
    "what are the payout milestones for Frisky Labs?",
    "how many votes did the last proposal get?",
    "did anyone audit the staking contracts?",
    "what is the runway in months?",
    "who moderates the Telegram group?",
    "how do I report a phishing link?",
    "where is the meetup in Latin America?",
    "what's our position on the L2 migration?",
    "can stewards veto a proposal?",
    "what is the token emission schedule?",
    "how is the treasury diversified across stablecoins?",
    "who won the hackathon?",
    "what did the working group report last month?",
    "is there a roadmap for Q3?",
    "how do I get the contributor role on Discord?",
    "what are the rules for the ambassador program?",
    "which RPC provider do we use?",
    "what did the council say about the rollback?",
    "how much was allocated to liquidity incentives?",
    "who proposed moving funds to Aave?",
    "when will the audit report be published?",
    "what's the status of the sequencer upgrade?",
    "how do I delegate my tokens?",
    "what's the deadline for the RFC feedback?",
    "why did the vote fail to reach quorum?",
    "is the node operator program still open?",
    "what compensation do committee members get?",
    "who handles legal and the foundation?",
    "what was said about the validator rewards?",
    "where are the meeting notes stored?",
    "how do I set up a node?",
    "did we renew the contract with the market maker?",
    "what is the cap per issuer for stablecoins?",
    "ETH price",
    "kelmonvex",  # a rare made-up word: a handful of matches
)
LIMIT = 20


@dataclass(frozen=True)
class Search:
    name: str
    run: Callable[[Query], Awaitable[list[object]]]


def _community_filter() -> str:
    return "JOIN thread ON thread.id = post.thread_id JOIN source ON source.id = thread.source_id"


def fulltext_search(
    db: Database, community_id: int, every_match: bool = False
) -> Callable[[Query], Awaitable[list[object]]]:
    """The ranked query retrieval.fulltext.match composes; with `every_match`, the same ranking
    over every matching row, no candidates: what the candidates must agree with (slow: it is
    the search the candidates replaced)."""
    every = {
        "sqlite": f"{POST_INDEX.fts_table} MATCH :fts_query",
        "postgresql": f"post.{POST_INDEX.tsv_column} @@ to_tsquery('english', :fts_query)",
    }[db.dialect]

    async def run(query: Query) -> list[object]:
        async with db.engine.connect() as c:
            found = await match(c, POST_INDEX, query)
            if found is None:
                return []
            where, params = found.where, dict(found.params)
            if every_match:
                where, params = every, {"fts_query": found.params["fts_query"]}
            sql = (
                f"SELECT post.id, {found.rank} AS score FROM post {found.join}"
                f" {_community_filter()} WHERE {where} AND source.community_id = :community"
                f" AND NOT post.deleted ORDER BY score DESC LIMIT {LIMIT}"
            )
            rows = await c.execute(text(sql), params | {"community": community_id})
            return [row[0] for row in rows.all()]

    return run


async def agreement(
    fast: Callable[[Query], Awaitable[list[object]]],
    every: Callable[[Query], Awaitable[list[object]]],
    queries: Sequence[Query],
) -> tuple[float, int]:
    """The mean share of the top passages ranking every match gives that the candidates give
    too, and the questions where the two sets are the same."""
    shares, same = [], 0
    for query in queries:
        mine, theirs = set(await fast(query)), set(await every(query))
        shares.append(len(mine & theirs) / len(theirs) if theirs else 1.0)
        same += mine == theirs
    return statistics.mean(shares), same


def like_search(db: Database, community_id: int) -> Callable[[Query], Awaitable[list[object]]]:
    operator = "LIKE" if db.dialect == "sqlite" else "ILIKE"

    async def run(query: Query) -> list[object]:
        terms = query.all_terms
        if not terms:
            return []
        ors = " OR ".join(f"post.text {operator} :t{i}" for i in range(len(terms)))
        sql = (
            f"SELECT post.id FROM post {_community_filter()} WHERE ({ors})"
            f" AND source.community_id = :community AND NOT post.deleted"
            f" ORDER BY post.created_at DESC LIMIT {LIMIT}"
        )
        params: dict[str, object] = {f"t{i}": f"%{t}%" for i, t in enumerate(terms)}
        async with db.engine.connect() as c:
            rows = await c.execute(text(sql), params | {"community": community_id})
            return [row[0] for row in rows.all()]

    return run


def source_search(
    db: Database, community_id: int
) -> Callable[[Query], Awaitable[list[object]]] | None:
    """The debates RecordSource's search, once it is on main (None before)."""
    try:
        from cogs.debates import records  # type: ignore[attr-defined]
    except ImportError:
        return None
    from bot.records import SearchRequest

    source = records.DebateRecords(db)

    async def run(query: Query) -> list[object]:
        found = await source.search(SearchRequest(community_id, query, LIMIT))
        return [p.key for p in found]

    return run


@dataclass(frozen=True)
class Timing:
    p50: float
    p95: float
    found: float  # mean passages returned
    # Full text only: the top 20 shared with ranking every match (mean share; questions with
    # the same 20).
    agrees: tuple[float, int] | None = None


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def timed(search: Search, queries: Sequence[Query], runs: int) -> Timing:
    for query in queries:  # warm: caches, pages, prepared plans
        await search.run(query)
    p50s, p95s, found = [], [], []
    for _ in range(runs):
        times = []
        for query in queries:
            started = time.perf_counter()
            found.append(len(await search.run(query)))
            times.append(1000 * (time.perf_counter() - started))
        p50s.append(percentile(times, 0.5))
        p95s.append(percentile(times, 0.95))
    return Timing(statistics.median(p50s), statistics.median(p95s), statistics.mean(found))


async def largest_community(db: Database) -> int:
    async with db.engine.connect() as c:
        row = await c.execute(
            text(
                "SELECT source.community_id FROM post JOIN thread ON thread.id = post.thread_id"
                " JOIN source ON source.id = thread.source_id GROUP BY source.community_id"
                " ORDER BY count(*) DESC LIMIT 1"
            )
        )
        return int(row.scalar_one())


async def measure(built: Built, runs: int, like_runs: int) -> dict[str, Timing]:
    db = Database(built.url)
    try:
        community = await largest_community(db)
        searches = [Search("full text (retrieval.fulltext)", fulltext_search(db, community))]
        through_source = source_search(db, community)
        if through_source is not None:
            searches.append(Search("debates RecordSource.search", through_source))
        searches.append(Search("LIKE scan", like_search(db, community)))
        queries = [parse(q) for q in QUESTIONS]
        timings = {
            s.name: await timed(s, queries, like_runs if s.name == "LIKE scan" else runs)
            for s in searches
        }
        fast = searches[0]
        shared = await agreement(
            fast.run, fulltext_search(db, community, every_match=True), queries
        )
        timings[fast.name] = replace(timings[fast.name], agrees=shared)
        return timings
    finally:
        await db.close()


def machine() -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{os.cpu_count()} cores, load average {load}"


async def main(count: int, runs: int, like_runs: int, databases: list[str], rebuild: bool) -> None:
    print(
        f"{count:,} chat messages in 4 communities; {len(QUESTIONS)} questions in the largest "
        f"(half the messages), {LIMIT} passages each, warm; medians of {runs} runs ({like_runs} of"
        f" the LIKE scan); {machine()}\n"
    )
    for kind in databases:
        built = await build(kind, count, fresh=rebuild)
        how = f"built in {built.seconds:.0f} s" if built.seconds else "cached"
        print(f"{kind}: {how}; index made by the {built.index}", flush=True)
    print()
    print(
        "| database | search | p50 ms | p95 ms | passages found | p50 / LIKE | p95 / LIKE |"
        " top 20 as ranking every match |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|", flush=True)
    for kind in databases:
        built = await build(kind, count)
        timings = await measure(built, runs, like_runs)
        like = timings["LIKE scan"]
        for name, t in timings.items():
            print(
                f"| {kind} | {name} | {t.p50:.1f} | {t.p95:.1f} | {t.found:.1f} | "
                f"{t.p50 / like.p50:.3f} | {t.p95 / like.p95:.3f} | {_agrees(t, len(QUESTIONS))} |",
                flush=True,
            )


def _agrees(timing: Timing, questions: int) -> str:
    if timing.agrees is None:
        return ""
    share, same = timing.agrees
    return f"{share:.0%} shared; the same 20 for {same} of {questions}"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--like-runs", type=int, default=1, help="runs of the slow LIKE scan")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    args = parser.parse_args()
    asyncio.run(
        main(args.messages, args.runs, args.like_runs, args.databases.split(","), args.rebuild)
    )
