"""/draft end to end on the console: from a forum topic on the fake Discourse and from a stored
chat channel, offline and with the real openai client against the local fake, on both databases."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from cogs.proposals.draft_doc import DraftDoc, budget_lines, stated_total, voting_options
from cogs.proposals.draft_models import ProposalDraft, ProposalDraftVersion
from tests.debates.channel_store import store_channel
from tests.fakes.discourse_forum import Forum, generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.openai_server import FakeOpenAI, parse_prompt
from tests.summarizer.reference import reference_counter
from tests.support.apps import make_settings, running_app

SAFE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
BUDGET = 8000
OPENING = (
    "We request 50,000 USDC for the open-source indexer, paid to the Grants Safe "
    f"{SAFE}. The work runs over six months in 2 milestones: milestone 1 ships the "
    "indexer, milestone 2 the public API. Prior work: the subgraph we maintain since 2023."
)
REPLIES = (
    ("I support this grant; the indexer saves every delegate hours each week.", 3),
    ("I am against paying it all upfront, the risk is that milestone 2 slips.", 2),
    ("Who audits the public API before it goes live?", 1),
    ("We should put this to a Snapshot vote next week.", 0),
)


@dataclass
class Stack:
    app: App
    forum: Forum
    discourse: FakeDiscourse
    topic_url: str
    llm: FakeOpenAI | None

    async def run(self, line: str, role: Role = Role.MEMBER) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()

    async def drafts(self) -> list[tuple[ProposalDraft, list[ProposalDraftVersion]]]:
        async with self.app.db.read() as session:
            drafts = (await session.exec(select(ProposalDraft))).all()
            found = []
            for draft in drafts:
                query = select(ProposalDraftVersion).where(
                    ProposalDraftVersion.draft_id == draft.id
                )
                versions = sorted((await session.exec(query)).all(), key=lambda v: v.number)
                found.append((draft, versions))
        return found


def _forum() -> tuple[Forum, int]:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    users = [u.username for u in forum.users.values() if u.username != "system"][:5]
    topic = forum.add_topic("[Grant] Fund the open-source indexer", raw=OPENING, author=users[0])
    for (text, _), author in zip(REPLIES, users[1:], strict=True):
        forum.add_posts(topic.id, raw=text, author=author)
    return forum, topic.id


@pytest.fixture
async def make_stack(tmp_path: Path, db_url: str) -> AsyncIterator[Callable[..., Any]]:
    started: list[tuple[Any, Any]] = []

    async def make(*, model: bool) -> Stack:
        forum, topic_id = _forum()
        discourse = FakeDiscourse(forum, limits=RateLimits.off())
        await discourse.start()
        llm = None
        sections: dict[str, Any] = {
            "debates": {"forums": [{"url": discourse.base_url, "requests_per_minute": 60_000}]}
        }
        if model:
            llm = FakeOpenAI(
                count_tokens=reference_counter("gpt-4o-mini"), max_prompt_tokens=BUDGET
            )
            await llm.start()
            llm.untrusted = {OPENING, *(text for text, _ in REPLIES)}
            sections["llm"] = {
                "api_key": "test-key",
                "base_url": llm.base_url,
                "model": "gpt-4o-mini",
                "context_budget": BUDGET,
                "attempts": 1,
                "timeout": 5,
            }
        settings = make_settings(tmp_path, db_url, **sections)
        context = running_app(settings)
        app = await context.__aenter__()
        started.append((context, (discourse, llm)))
        topic = forum.topics[topic_id]
        return Stack(app, forum, discourse, f"{discourse.base_url}/t/{topic.slug}/{topic.id}", llm)

    yield make
    for context, (discourse, llm) in reversed(started):
        await context.__aexit__(None, None, None)
        await discourse.stop()
        if llm is not None:
            await llm.stop()
            assert llm.violations == [], "every request: within budget, schema asked, delimited"


def _doc(version: ProposalDraftVersion) -> DraftDoc:
    return DraftDoc.from_json(version.doc)


async def test_offline_draft_from_a_forum_topic(make_stack: Callable[..., Any]) -> None:
    stack: Stack = await make_stack(model=False)
    await stack.run("/sync", Role.STEWARD)

    reply = await stack.run(f"/draft new {stack.topic_url}")

    assert "New draft #1: Fund the open-source indexer" in reply
    [(draft, [version])] = await stack.drafts()
    doc = _doc(version)
    assert draft.template == "default" and draft.model == "offline"
    assert draft.source_url and draft.source_url.startswith(stack.discourse.base_url)
    assert len(draft.source_post_ids) >= 2 and draft.summary_hash and draft.summary_text
    # The ask, as the opening post writes it: the amount, its token, the recipient.
    [line] = budget_lines(doc)
    assert (line.amount, line.token, line.recipient) == (Decimal(50000), "USDC", SAFE)
    assert stated_total(doc) == (Decimal(50000), "USDC")
    assert voting_options(doc) == ["For", "Against", "Abstain"]
    assert "TODO:" in doc.text("success_metrics")
    assert "milestone 2 slips" in doc.text("risks")
    assert stack.topic_url.split("/t/")[0] in doc.text("discussion")
    assert "Still TODO" in reply and "`success_metrics`" in reply


async def test_edit_show_diff_and_list(make_stack: Callable[..., Any]) -> None:
    stack: Stack = await make_stack(model=False)
    await stack.run("/sync", Role.STEWARD)
    await stack.run(f"/draft new {stack.topic_url} grant")

    edited = await stack.run(
        "/draft edit success_metrics Delegates' weekly reporting time halves by 2026-06-30."
    )
    assert "`success_metrics` edited (version 2)" in edited
    await stack.run('/draft edit title "Grant: 50,000 USDC for the open-source indexer" id=1')

    [(_, versions)] = await stack.drafts()
    assert [v.number for v in versions] == [1, 2, 3]
    assert _doc(versions[2]).title == "Grant: 50,000 USDC for the open-source indexer"
    assert _doc(versions[1]).text("success_metrics").startswith("Delegates' weekly")
    assert {v.author_display for v in versions} == {versions[0].author_display}

    shown = await stack.run("/draft show")
    assert "Draft #1: Grant: 50,000 USDC" in shown and "Version: 3 of 3" in shown
    first = await stack.run("/draft show 1 1")
    assert "Version: 1 of 3" in first and "Delegates' weekly" not in first

    diff = await stack.run("/draft diff 1 2")
    assert "v1/success_metrics" in diff and "+Delegates' weekly reporting" in diff
    assert "v1/title" not in diff

    listed = await stack.run("/draft list")
    assert "#1 · [Grant] Fund the open-source indexer" in listed and "3 versions" in listed

    # Every option is checked, in one line.
    unknown = await stack.run("/draft edit budgets 10 USDC")
    assert "has no section `budgets`; sections: title, summary, motivation" in unknown
    assert "No template `nope`; templates: default, grant" in await stack.run(
        f"/draft new {stack.topic_url} nope"
    )
    assert "versions 1 to 3, not 7" in await stack.run("/draft show 1 7")
    assert "no draft #9" in await stack.run("/draft show 9")
    assert "is not a forum topic URL" in await stack.run("/draft new https://example.org/x")


async def test_a_member_without_drafts_is_told_how_to_start(make_stack: Callable[..., Any]) -> None:
    stack: Stack = await make_stack(model=False)
    assert "no draft yet; make one with /draft new" in await stack.run("/draft show")
    assert "No drafts yet" in await stack.run("/draft list")
    assert "No stored channel is named #nowhere" in await stack.run("/draft new #nowhere")


async def test_offline_draft_from_a_chat_channel(make_stack: Callable[..., Any]) -> None:
    stack: Stack = await make_stack(model=False)
    await stack.run("/help")  # creates the console community
    await store_channel(stack.app, "treasury", 40)

    reply = await stack.run("/draft new #treasury")

    assert "New draft #1" in reply
    [(draft, [version])] = await stack.drafts()
    doc = _doc(version)
    assert draft.source_key.endswith(":treasury")
    # The chat names percentages, no amount: the budget is left to the author, never invented.
    assert budget_lines(doc)[0].amount is None
    assert stated_total(doc) is None and "TODO:" in doc.text("budget")
    assert "TODO: a link to the discussion (drafted from #treasury)" in doc.text("discussion")
    assert doc.text("motivation") and "TODO" not in doc.text("summary")


def _answer(body: dict[str, Any]) -> str:
    """The model drafts every section asked for; it invents an amount and an address, and cites
    a post that does not exist."""
    user = body["messages"][1]["content"]
    keys = re.findall(r"^- ([a-z_]+) \(", user, re.MULTILINE)
    sections = []
    for key in keys:
        text = f"The {key} of the indexer grant."
        if key == "budget":
            text = (
                "| Amount | Token | Recipient | Purpose |\n|---|---|---|---|\n"
                f"| 50,000 | USDC | {SAFE} | milestones 1 and 2 |\n"
                "| 25,000 | USDC | indexer-team.eth | audit |\n\nTotal: 75,000 USDC"
            )
        if key == "summary":
            text = "The indexer team asks 50,000 USDC, and 9,000 DAI for hosting."
        if key == "voting_options":
            text = "- For\n- Against\n- Abstain"
        sections.append({"key": key, "text": text, "post_ids": ["1", "2", "77"]})
    return json.dumps({"title": "Fund the open-source indexer", "sections": sections})


async def test_model_draft_is_checked_against_the_posts(make_stack: Callable[..., Any]) -> None:
    stack: Stack = await make_stack(model=True)
    assert stack.llm is not None
    stack.llm.responder = _answer
    await stack.run("/sync", Role.STEWARD)

    reply = await stack.run(f"/draft new {stack.topic_url}")

    assert "Drafted: gpt-4o-mini" in reply
    [(draft, [version])] = await stack.drafts()
    doc = _doc(version)
    assert draft.model == "gpt-4o-mini"
    # The posts say 50,000 USDC to the Safe; the rest was made up and is now a TODO.
    lines = budget_lines(doc)
    assert (lines[0].amount, lines[0].recipient) == (Decimal(50000), SAFE)
    assert lines[1].amount is None and "indexer-team.eth" not in doc.text("budget")
    assert "TODO: amount not in the discussion" in doc.text("budget")
    assert stated_total(doc) is None
    assert "9,000 DAI" not in doc.text("summary") and "50,000 USDC" in doc.text("summary")
    assert "Not in the discussion" in reply and "indexer-team.eth" in reply
    assert stack.topic_url.split("/t/")[0] in doc.text("discussion")
    # One call, the posts delimited as data, the opening post first.
    [request] = stack.llm.requests
    assert request.body["response_format"]["json_schema"]["name"] == "proposal_draft"
    assert parse_prompt(request.body).posts[0].id == "1"
    usage = await stack.run("/usage", Role.STEWARD)
    assert re.search(r"/draft new · gpt-4o-mini: 1 calls · [\d,]+ prompt", usage)


async def test_a_failing_model_falls_back_to_the_offline_draft(
    make_stack: Callable[..., Any],
) -> None:
    stack: Stack = await make_stack(model=True)
    assert stack.llm is not None
    await stack.run("/sync", Role.STEWARD)
    stack.llm.fail_next(500, count=3)

    reply = await stack.run(f"/draft new {stack.topic_url}")

    assert "offline (the language model failed" in reply
    [(_, [version])] = await stack.drafts()
    assert stated_total(_doc(version)) == (Decimal(50000), "USDC")


async def test_model_draft_from_a_chat_channel(make_stack: Callable[..., Any]) -> None:
    stack: Stack = await make_stack(model=True)
    assert stack.llm is not None
    stack.llm.responder = _answer
    await stack.run("/help")  # creates the console community
    await store_channel(stack.app, "treasury", 30)
    stack.llm.untrusted = {f"(message {n})" for n in range(30)}  # each line, only as data

    reply = await stack.run("/draft new #treasury")

    assert "Drafted: gpt-4o-mini" in reply
    [(draft, [version])] = await stack.drafts()
    doc = _doc(version)
    assert draft.source_key.endswith(":treasury") and draft.model == "gpt-4o-mini"
    # Nobody in the channel named 50,000 USDC or 9,000 DAI: every amount is a TODO.
    assert all(line.amount is None for line in budget_lines(doc))
    assert "50,000" not in doc.text("summary") and "TODO: amount" in doc.text("summary")
    [request] = stack.llm.requests
    assert len(parse_prompt(request.body).posts) == 30
