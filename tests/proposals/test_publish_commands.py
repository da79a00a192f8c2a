"""/draft check, /draft publish and /draft signature from the console of a real app: a draft
made offline from a forum topic, fixed until it passes, opened as a topic on the fake Discourse
and sent to the fake Snapshot signed by a real key; on both databases."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from chain.snapshot import typed_data
from cogs.proposals.publish_models import Publication, SigningRequest
from cogs.proposals.publish_snapshot import proposal_of
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.snapshot import FakeSnapshot
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.signing import typed_data_signature

GRANTEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
AUTHOR = Account.from_key("0x" + "51" * 32)
STRANGER = Account.from_key("0x" + "52" * 32)
KEY = "forum-write-key"
OPENING = (
    "We request 12,000 USDC for a documentation sprint, paid to the docs guild "
    f"{GRANTEE}. Two writers, one month."
)
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
    forum: Forum
    discourse: FakeDiscourse
    snapshot: FakeSnapshot
    topic_url: str

    async def run(self, line: str, role: Role = Role.MEMBER) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()


@pytest.fixture
async def stack(tmp_path: Path, db_url: str, chain: Anvil) -> AsyncIterator[Stack]:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    author = next(u.username for u in forum.users.values() if u.username != "system")
    topic = forum.add_topic("[Grant] Fund the documentation sprint", raw=OPENING, author=author)
    discourse = FakeDiscourse(forum, api_keys={KEY: None}, limits=RateLimits.off())
    await discourse.start()
    governance = forum.category_by_slug("governance")
    assert governance is not None
    proposals = {
        "forum": {
            "url": discourse.base_url,
            "api_key_env": "FORUM_WRITE_KEY",
            "category_id": governance.id,
        },
        "publishing": {"rpc_url_env": "RPC_URL_SPACE"},
    }
    async with FakeSnapshot(rpc_url=chain.url) as snapshot:
        snapshot.add_space("dao.eth")
        proposals["snapshot"] = {
            "hub_url": snapshot.url,
            "sequencer_url": snapshot.url + "/",
            "spaces": {"local": ["dao.eth"]},
        }
        environ = {"FORUM_WRITE_KEY": KEY, "RPC_URL_SPACE": chain.url}
        settings = make_settings(
            tmp_path,
            db_url,
            environ,
            debates={"forums": [{"url": discourse.base_url, "requests_per_minute": 60_000}]},
            proposals=proposals,
        )
        try:
            async with running_app(settings) as app:
                url = f"{discourse.base_url}/t/{topic.slug}/{topic.id}"
                yield Stack(app, forum, discourse, snapshot, url)
        finally:
            await discourse.stop()


async def fixed_draft(stack: Stack) -> None:
    await stack.run(f"/draft new {stack.topic_url}")
    for key, text in FIXES.items():
        await stack.run(f'/draft edit {key} "{text}"')


async def test_a_fresh_draft_fails_its_checks_then_passes_once_fixed(stack: Stack) -> None:
    await stack.run(f"/draft new {stack.topic_url}")
    failing = await stack.run("/draft check")
    assert "still has a TODO" in failing and "problems to fix first" in failing
    refused = await stack.run("/draft publish forum", role=Role.STEWARD)
    assert "Not published:" in refused and stack.discourse.created_topics == []

    for key, text in FIXES.items():
        await stack.run(f'/draft edit {key} "{text}"')
    passing = await stack.run("/draft check")
    assert "Ready to publish to the forum" in passing, passing
    assert f"pays {GRANTEE}, which no member has linked" in passing
    over = await stack.run("/draft check snapshot")
    assert "Ready to publish to Snapshot" in over


async def test_publish_forum_is_for_stewards_and_happens_once(stack: Stack) -> None:
    await fixed_draft(stack)
    assert "for stewards" in await stack.run("/draft publish forum")
    published = await stack.run("/draft publish forum", role=Role.STEWARD)
    assert "Published on the forum" in published, published
    (params,) = stack.discourse.created_topics
    assert params["title"] == FIXES["title"] and "## Summary" in params["raw"]
    posted = next(r for r in stack.discourse.requests if r.method == "POST")
    assert posted.headers["Api-Key"] == "[redacted]" and posted.username == "system"
    again = await stack.run("/draft publish forum", role=Role.STEWARD)
    assert "already on the forum" in again and len(stack.discourse.created_topics) == 1


async def test_publish_snapshot_with_a_pasted_signature(stack: Stack) -> None:
    await fixed_draft(stack)
    asked = await stack.run(f"/draft publish snapshot {AUTHOR.address}")
    assert "/proposal/sign/" in asked and "EIP-712 hash" in asked, asked
    async with stack.app.db.read() as session:
        request = (await session.exec(select(SigningRequest))).one()
    proposal = proposal_of(request)
    assert proposal.choices == ("For", "Against", "Abstain") and proposal.space == "dao.eth"

    wrong = typed_data_signature(STRANGER, typed_data(proposal))
    refused = await stack.run(f"/draft signature {wrong}")
    assert f"This signature is from {STRANGER.address}, not {AUTHOR.address}." in refused

    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    done = await stack.run(f"/draft signature {signature}")
    assert "Published on Snapshot" in done, done
    link = re.search(r"https://snapshot\.org/#/dao\.eth/proposal/(0x[0-9a-f]{64})", done)
    assert link is not None
    assert stack.snapshot.proposal(link.group(1))["title"] == FIXES["title"]
    async with stack.app.db.read() as session:
        (publication,) = (await session.exec(select(Publication))).all()
    assert publication.target == "snapshot" and publication.external_id == link.group(1)
