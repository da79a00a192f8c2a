"""The outcome in words and the supersession rule, over records as the loader builds them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from cogs.proposals.records_rules import (
    CANCELED,
    OPEN,
    PASSED,
    PUBLISHED,
    REJECTED,
    ProposalRecord,
    VoteFacts,
    linked,
    number_of,
    outcome,
    plain_title,
    successors,
)
from retrieval.bm25 import Document, scores
from retrieval.query import parse

MAY = datetime(2026, 5, 12, 18, 0, tzinfo=UTC)


def closed(
    result: str, scores: tuple[float, ...] = (1204, 310), state: str = "closed"
) -> VoteFacts:
    return VoteFacts(
        state=state,
        result=result,
        choices=("For", "Against"),
        scores=scores,
        total=sum(scores),
        starts_at=MAY - timedelta(days=5),
        ends_at=MAY,
        updated_at=MAY,
    )


def record(
    key: str, title: str, days: int, vote: VoteFacts | None = None, **fields: str
) -> ProposalRecord:
    published = MAY + timedelta(days=days)
    return ProposalRecord(
        key=key,
        title=title,
        body=fields.get("body", ""),
        url="",
        published_at=published,
        vote=vote,
        places=("forum",),
        discussion=fields.get("discussion", ""),
    )


def test_outcomes_in_words() -> None:
    passed = outcome(record("a", "A", 0, closed("Passed: For 80 %")))
    assert passed.status == PASSED and passed.final
    assert passed.sentence == "Passed on 12 May 2026: 1,204 For, 310 Against (decided by vote)."
    rejected = outcome(record("b", "B", 0, closed("No quorum: 400 of 1,000 needed", (300, 100))))
    assert rejected.status == REJECTED and rejected.final
    assert rejected.sentence.endswith(
        "300 For, 100 Against (decided by vote). No quorum: 400 of 1,000 needed."
    )
    executed = closed("Executed", state="executed")
    steps = {"queued": MAY + timedelta(days=1), "executed": MAY + timedelta(days=3)}
    done = outcome(record("c", "C", 0, replace(executed, steps=steps)))
    assert done.sentence.endswith("Queued for execution on 13 May 2026. Executed on 15 May 2026.")
    canceled = outcome(record("d", "D", 0, closed("Canceled", state="canceled")))
    assert canceled.status == CANCELED and not canceled.final
    running = outcome(record("e", "E", 0, closed("", state="opened")))
    assert running.status == OPEN and running.sentence.startswith("Voting until 12 May 2026")
    alone = outcome(record("f", "F", 0))
    assert alone.status == PUBLISHED and "Published on the forum on 12 May 2026" in alone.sentence


def test_what_links_two_proposals() -> None:
    assert number_of("[Grant] AIP-12 v2: Fund the docs") == "AIP-12"
    assert number_of("Adopt ERC-20 votes") is None
    assert plain_title("[Grant] AIP-12 v2: Fund the docs (revised)") == "fund the docs"
    v1 = record("a", "AIP-12: Fund the docs", 0)
    assert linked(v1, record("b", "AIP-12 v2: Fund the docs and the site", 5))
    assert linked(v1, record("b", "AIP-15: Docs, take two", 5, body="This replaces AIP-12."))
    assert linked(
        record("a", "Fund the docs", 0),
        record("b", "Docs sprint", 5, body="It supersedes the Fund the docs proposal."),
    )
    assert linked(record("a", "Fund the docs", 0), record("b", "Fund the docs (revised)", 5))
    forum = "discourse:https://forum.example.org:42"
    assert linked(
        record("a", "Docs", 0, discussion=forum), record("b", "Writers", 5, discussion=forum)
    )
    # Mentioning a proposal is not replacing it; a chat channel holds many debates.
    assert not linked(v1, record("b", "AIP-13: More docs", 5, body="As decided in AIP-12, …"))
    chat = "discord:1:2"
    assert not linked(
        record("a", "Docs", 0, discussion=chat), record("b", "Writers", 5, discussion=chat)
    )


def test_who_supersedes_whom() -> None:
    v1 = record("v1", "AIP-12: Fund the docs", 0, closed("Passed: For 80 %"))
    v2 = record("v2", "AIP-12 v2: Fund the docs", 10, closed("Passed: For 70 %"))
    v3 = record("v3", "AIP-12 v3: Fund the docs", 20, closed("Passed: For 90 %"))
    failed = record("v4", "AIP-12 v4: Fund the docs", 30, closed("Not passed: Against 60 %"))
    voting = record("v5", "AIP-12 v5: Fund the docs", 40, closed("", state="opened"))
    records = [voting, failed, v3, v2, v1]
    newer = successors(records, {r.key: outcome(r) for r in records})
    # The newest passed version is named; a rejected or still open one replaces no decision.
    assert {k: r.key for k, r in newer.items()} == {"v1": "v3", "v2": "v3", "v4": "v5"}


def test_bm25_ranks_the_passage_holding_the_rarer_words_first() -> None:
    texts = ["grants budget for Q3", "budget of the treasury", "the treasury signers", "docs"]
    ranked = scores(parse("grants budget"), [Document.of(t) for t in texts])
    assert ranked[0] > ranked[1] > 0 and ranked[2] == ranked[3] == 0
    assert scores(parse("the of"), [Document.of(t) for t in texts]) == [0.0] * 4
