"""Proposals as /ask reads them, through the feature's real paths on both databases: a draft
published on the fake Discourse from the console, Snapshot votes followed from the fake hub
until they close, a draft published to Snapshot whose vote is followed, and Governor steps
announced as the watcher announces them. Found by words of the title, the text and the outcome;
the outcome and the superseded note are there; another community's proposals never are."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from bot.records import Passage, RecordSource, SearchRequest
from chain.governor_events import ProposalCreated
from cogs.proposals.draft_store import draft_by_number
from cogs.proposals.draft_store import latest_version as latest_version_of
from cogs.proposals.governor_models import new_row
from cogs.proposals.publish_service import Publisher, PublishingService
from cogs.proposals.records_rules import day
from cogs.proposals.votes_announce import VoteEvent, announce
from retrieval.query import parse
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.snapshot import FakeSnapshot
from tests.support.apps import make_settings, running_app

KEY = "forum-write-key"
DAY = 86400
GRANTEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
GOVERNOR = "0x00000000000000000000000000000000000000aa"
FIXES = {
    "title": "Fund the documentation sprint",
    "summary": "Pay two writers for a month to rewrite the docs.",
    "motivation": "The docs are two releases behind; new members ask the same questions.",
    "specification": "The treasury pays the docs guild 12,000 USDC on delivery.",
    "budget": "| Amount | Token | Recipient | Purpose |\\n|---|---|---|---|\\n"
    f"| 12,000 | USDC | {GRANTEE} | writing and review |\\n\\nTotal: 12,000 USDC",
    "timeline": "- 2027-02-01: first chapters\\n- 2027-03-01: all chapters",
    "risks": "The writers may be late: payment is on delivery.",
    "success_metrics": "Questions about the docs in chat halve.",
    "voting_options": "- For\\n- Against\\n- Abstain",
}


@dataclass
class Stack:
    app: App
    hub: FakeSnapshot
    topic_urls: list[str]

    async def run(self, line: str, role: Role = Role.MEMBER) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()

    @property
    def proposals(self) -> Any:
        return self.app.runtimes["proposals"]

    @property
    def source(self) -> RecordSource:
        found = self.proposals.ctx.records.source_of("proposals:draft:1")
        assert found is not None
        return found  # type: ignore[no-any-return]

    async def community(self, slug: str = "local") -> int:
        community = await self.app.communities.by_slug(slug)
        assert community is not None and community.id is not None
        return community.id

    async def search(self, question: str, slug: str = "local", limit: int = 20) -> list[Passage]:
        request = SearchRequest(await self.community(slug), parse(question), limit=limit)
        return list(await self.source.search(request))

    async def poll(self, slug: str = "local") -> None:
        await self.proposals.votes.snapshot.poll(slug)
        await self.app.outbox.drain()


@pytest.fixture
async def stack(tmp_path: Path, db_url: str) -> AsyncIterator[Stack]:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    author = next(u.username for u in forum.users.values() if u.username != "system")
    topics = [
        forum.add_topic(
            "[Grant] Fund the documentation sprint",
            raw=f"We request 12,000 USDC for a documentation sprint, paid to {GRANTEE}.",
            author=author,
        ),
        forum.add_topic(
            "[Grant] A bug bounty for the bridge",
            raw=f"We request 30,000 USDC for a bug bounty on the bridge, paid to {GRANTEE}.",
            author=author,
        ),
    ]
    discourse = FakeDiscourse(forum, api_keys={KEY: None}, limits=RateLimits.off())
    await discourse.start()
    governance = forum.category_by_slug("governance")
    assert governance is not None
    try:
        async with FakeSnapshot(now=time.time()) as hub:
            hub.add_space("dao.eth")
            hub.add_space("other.eth")
            settings = make_settings(
                tmp_path,
                db_url,
                {"FORUM_WRITE_KEY": KEY},
                communities=[
                    {"slug": "local", "name": "Local"},
                    {"slug": "other", "name": "Other"},
                ],
                debates={"forums": [{"url": discourse.base_url, "requests_per_minute": 60_000}]},
                proposals={
                    "forum": {
                        "url": discourse.base_url,
                        "api_key_env": "FORUM_WRITE_KEY",
                        "category_id": governance.id,
                    },
                    "snapshot": {
                        "hub_url": hub.url,
                        "spaces": {"local": ["dao.eth"], "other": ["other.eth"]},
                    },
                    "votes": {"poll_seconds": 3600},
                },
            )
            async with running_app(settings) as app:
                urls = [f"{discourse.base_url}/t/{t.slug}/{t.id}" for t in topics]
                yield Stack(app, hub, urls)
    finally:
        await discourse.stop()


async def draft(stack: Stack, topic_url: str, **changes: str) -> None:
    made = await stack.run(f"/draft new {topic_url}")
    assert "New draft #" in made, made
    for key, text in {**FIXES, **changes}.items():
        await stack.run(f'/draft edit {key} "{text}"')


async def latest_version(stack: Stack, number: int) -> tuple[int, int]:
    """The draft's id and its latest version, as publishing records them."""
    local = await stack.community()
    async with stack.app.db.read() as session:
        found = await draft_by_number(session, local, number)
        assert found is not None and found.id is not None
        version = await latest_version_of(session, found.id)
    assert version is not None
    return found.id, version.number


def vote(stack: Stack, space: str, title: str, start_days_ago: float, **fields: Any) -> str:
    """A proposal on the hub, voting now (it closes when the test says)."""
    start = int(stack.hub.now - start_days_ago * DAY)
    proposal = stack.hub.add_proposal(
        space, title=title, created=start, start=start, end=int(stack.hub.now + DAY), **fields
    )
    return str(proposal["id"])


def close(stack: Stack, proposal_id: str, scores: list[float]) -> None:
    stack.hub.set_scores(proposal_id, scores, final=True)
    stack.hub.set_state(proposal_id, "closed")


def by_key(passages: list[Passage]) -> dict[str, Passage]:
    return {p.key: p for p in passages}


async def test_drafts_and_votes_are_found_with_outcomes_and_superseded_notes(stack: Stack) -> None:
    await draft(stack, stack.topic_urls[0])
    published = await stack.run("/draft publish forum", role=Role.STEWARD)
    assert "Published on the forum" in published, published
    first = vote(stack, "dao.eth", "GIP-7: Grants budget for Q3", 9)
    second = vote(stack, "dao.eth", "GIP-7 v2: Grants budget for Q3 and Q4", 5)
    rejected = vote(
        stack,
        "dao.eth",
        "Move the treasury to a new Safe",
        4,
        body="Move every fund to a 4-of-7 Safe on Arbitrum.",
    )
    elsewhere = vote(stack, "other.eth", "Grants budget for the other DAO", 3)
    await stack.poll()
    await stack.poll("other")
    # Still open: no outcome yet, not a decision.
    (open_vote,) = [p for p in await stack.search("treasury safe") if "treasury" in p.title]
    assert "Voting until" in open_vote.text and open_vote.weight == ""
    assert open_vote.note == "vote still open"

    close(stack, first, [1204, 310, 0])
    close(stack, second, [2000, 100, 5])
    close(stack, rejected, [100, 900, 0])
    close(stack, elsewhere, [50, 0, 0])
    await stack.poll()
    await stack.poll("other")

    found = await stack.search("what did we decide about the grants budget?")
    grants = by_key(found)
    # What replaced it first, though the shorter older title matches as well.
    assert [p.key for p in found[:2]] == [f"proposals:snapshot:{n}" for n in (second, first)]
    older, newer = grants[f"proposals:snapshot:{first}"], grants[f"proposals:snapshot:{second}"]
    ends = datetime.fromtimestamp(stack.hub.proposal(second)["end"], UTC)
    assert "Passed on" in older.text and "1,204 For, 310 Against, 0 Abstain" in older.text
    assert older.weight == newer.weight == "decision" and older.kind == "proposal"
    assert older.note == f"superseded by GIP-7 v2: Grants budget for Q3 and Q4 ({day(ends)})"
    assert newer.note == "" and newer.url == stack.hub.proposal(second)["link"]
    assert newer.created_at == ends
    # Another community's proposals are never returned here, and are found in their own.
    assert all("other DAO" not in p.title for p in grants.values())
    assert [p.title for p in await stack.search("grants budget other", slug="other")] == [
        "Grants budget for the other DAO"
    ]

    (treasury,) = [p for p in await stack.search("treasury safe") if "treasury" in p.title]
    assert treasury.note == "rejected" and treasury.weight == "decision"
    assert "Rejected on" in treasury.text and "100 For, 900 Against" in treasury.text

    docs = await stack.search("documentation sprint writers")
    assert docs[0].key == "proposals:draft:1" and docs[0].title == FIXES["title"]
    assert "Published on the forum" in docs[0].text and "12,000 USDC" in docs[0].text
    assert docs[0].url.startswith("http://127.0.0.1") and docs[0].weight == ""
    assert docs[0].score > 0 and all(p.score <= docs[0].score for p in docs)
    assert "Move every fund to a 4-of-7 Safe on Arbitrum." in treasury.text  # its body
    assert [p.key for p in await stack.search("arbitrum")] == [treasury.key]
    # Found by a word of its outcome too.
    assert treasury.key in by_key(await stack.search("rejected"))

    # /ask quotes them offline, the superseded one with its note.
    answer = await stack.run("/ask what did we decide about the grants budget?")
    assert "GIP-7 v2: Grants budget for Q3 and Q4" in answer
    assert "superseded by GIP-7 v2" in answer


async def test_fetch_and_listing_keep_to_the_community(stack: Stack) -> None:
    ids = [vote(stack, "dao.eth", f"Proposal about topic {n}", 5 - n) for n in range(3)]
    other = vote(stack, "other.eth", "Proposal about topic elsewhere", 2)
    await stack.poll()
    await stack.poll("other")
    local, elsewhere = await stack.community(), await stack.community("other")
    keys = [f"proposals:snapshot:{i}" for i in ids]

    fetched = await stack.source.fetch(local, [keys[0], f"proposals:snapshot:{other}"], frozenset())
    assert [p.key for p in fetched] == [keys[0]]
    assert await stack.source.fetch(elsewhere, keys, frozenset()) == []

    seen: list[str] = []
    after = None
    for _ in range(5):
        page = await stack.source.listing(local, after, 2)
        seen += [p.key for p in page.passages]
        after = page.after
        if after is None:
            break
    assert seen == sorted(keys)


async def test_a_draft_published_to_snapshot_is_one_proposal_with_its_votes_outcome(
    stack: Stack,
) -> None:
    await draft(stack, stack.topic_urls[1], title="A bug bounty for the bridge")
    on_hub = vote(stack, "dao.eth", "A bug bounty for the bridge", 3)
    local = await stack.community()
    service: PublishingService = stack.proposals.publishing.service
    who = Publisher(local, "local", "console:steward")
    # What the Snapshot publisher does once the sequencer took the proposal.
    claim = await service.claim(who, *await latest_version(stack, 1), "snapshot")
    link = stack.hub.proposal(on_hub)["link"]
    await service.complete(claim, on_hub, link)
    # A second draft whose publication is still in flight is not a proposal yet.
    await draft(stack, stack.topic_urls[0])
    await service.claim(who, *await latest_version(stack, 2), "snapshot")
    await stack.poll()
    close(stack, on_hub, [900, 20, 1])
    await stack.poll()

    found = await stack.search("bug bounty bridge")
    assert [p.key for p in found] == ["proposals:draft:1"]
    (bounty,) = found
    assert bounty.url == link and "Passed on" in bounty.text and "900 For" in bounty.text
    assert "The treasury pays the docs guild" in bounty.text  # the draft's own text
    assert bounty.weight == "decision"
    assert await stack.search("documentation sprint") == []


async def test_governor_steps_and_a_canceled_proposal(stack: Stack) -> None:
    local = await stack.community()
    now = datetime.now(UTC)
    executed = await governor_proposal(
        stack, local, 1, "# Upgrade the bridge contracts\n\nCall the proxy admin to upgrade."
    )
    canceled = await governor_proposal(
        stack, local, 2, "# Lower the quorum to two percent\n\nSet the quorum numerator."
    )
    tally = (("For", 800.0), ("Against", 150.0), ("Abstain", 50.0))
    for kind, result in (("closed", "Passed: For 84 %"), ("queued", "Queued"), ("executed", "")):
        await governor_event(
            stack, executed, kind, now, tally=tally, total=1000.0, result=result or "Executed"
        )
    await governor_event(stack, canceled, "canceled", now, result="Canceled")

    (upgrade,) = [p for p in await stack.search("upgrade bridge proxy") if "Upgrade" in p.title]
    assert upgrade.key == f"proposals:{executed.key}"
    assert "Passed on" in upgrade.text and "800 For, 150 Against, 50 Abstain" in upgrade.text
    assert "Queued for execution on" in upgrade.text and "Executed on" in upgrade.text
    assert "Call the proxy admin to upgrade." in upgrade.text and upgrade.weight == "decision"

    (quorum,) = await stack.search("lower the quorum")
    assert quorum.note == "canceled" and quorum.weight == ""
    assert quorum.created_at is not None
    assert f"Canceled on {day(quorum.created_at)}." in quorum.text


async def governor_proposal(stack: Stack, community: int, number: int, description: str) -> Any:
    created = ProposalCreated(
        governor=GOVERNOR,
        block_number=100 + number,
        tx_hash="0x" + f"{number:064x}",
        log_index=0,
        proposal_id=number,
        proposer=GRANTEE,
        targets=[GOVERNOR],
        values=[0],
        signatures=[""],
        calldatas=[b""],
        vote_start=110,
        vote_end=120,
        description=description,
    )
    row = new_row(community, "anvil", created)
    async with stack.app.db.transaction() as session:
        session.add(row)
    await governor_event(stack, row, "created", datetime.now(UTC))
    return row


async def governor_event(stack: Stack, row: Any, kind: str, now: datetime, **fields: Any) -> None:
    """An event as the Governor watcher announces it (governor_vote.vote_event's shape)."""
    event = VoteEvent(
        source="governor",
        community_id=row.community_id,
        proposal=row.key,
        title=row.title,
        link=f"https://gov.example.org/proposal/{row.proposal_id}",
        kind=kind,
        choices=("For", "Against", "Abstain"),
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=1),
        at=now,
        **fields,
    )
    async with stack.app.db.transaction() as session:
        await announce(session, stack.proposals, row.community_id, event)
