"""Print docs/proposals/publishing.md's real exchange: a draft made offline from a forum topic on
the fake Discourse, checked and fixed, opened as a topic on that forum, then sent to the fake
Snapshot (tests/fakes/snapshot.py) signed by a test key, the snapshot block read from anvil; a
wrong signature and a second publish refused on the way.

    PYTHONPATH=. .venv/bin/python docs/proposals/publishing_example.py
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

from eth_account import Account
from sqlmodel import select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from chain.snapshot import typed_data
from cogs.proposals.publish_models import SigningRequest
from cogs.proposals.publish_snapshot import proposal_of
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.snapshot import FakeSnapshot
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.signing import typed_data_signature

GRANTEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
AUTHOR = Account.from_key("0x" + "a1" * 32)  # throwaway test keys
STRANGER = Account.from_key("0x" + "a2" * 32)
OPENING = (
    "We request 12,000 USDC for a documentation sprint, paid to the docs guild "
    f"{GRANTEE}. Two writers, one month."
)
FIXES = {
    "title": "Fund the documentation sprint",
    "summary": "Pay two writers for a month to rewrite the docs.",
    "motivation": "The docs are two releases behind; new members ask the same questions.",
    "specification": "The treasury pays the docs guild on delivery.",
    "budget": "| Amount | Token | Recipient | Purpose |\\n|---|---|---|---|\\n"
    f"| 12,000 | USDC | {GRANTEE.lower()} | writing and review |\\n\\nTotal: 12,000 USDC",
    "timeline": "- 2027-02-01: first chapters\\n- 2027-03-01: all chapters",
    "risks": "The writers may be late: payment is on delivery.",
    "success_metrics": "Questions about the docs in chat halve.",
    "voting_options": "- For\\n- Against\\n- Abstain",
}


async def say(app: App, line: str, role: Role = Role.MEMBER, shown: str | None = None) -> str:
    out = io.StringIO()
    await ConsoleFrontEnd(app, role=role, stdin=io.StringIO(), stdout=out).handle_line(line)
    print(f"> {shown or line}\n{out.getvalue()}")
    return out.getvalue()


async def main() -> None:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    author = next(u.username for u in forum.users.values() if u.username != "system")
    topic = forum.add_topic("[Grant] Fund the documentation sprint", raw=OPENING, author=author)
    governance = forum.category_by_slug("governance")
    assert governance is not None
    discourse = FakeDiscourse(forum, api_keys={"write-key": None}, limits=RateLimits.off())
    await discourse.start()
    try:
        with Anvil() as anvil, tempfile.TemporaryDirectory() as tmp:
            anvil.mine(21)  # the proposal's snapshot block is the node's latest
            async with FakeSnapshot(rpc_url=anvil.url) as snapshot:
                snapshot.add_space("dao.eth")
                proposals = {
                    "forum": {
                        "url": discourse.base_url,
                        "api_key_env": "DISCOURSE_WRITE_KEY",
                        "category_id": governance.id,
                    },
                    "publishing": {"rpc_url_env": "RPC_URL_MAINNET"},
                    "snapshot": {
                        "hub_url": snapshot.url,
                        "sequencer_url": snapshot.url + "/",
                        "spaces": {"local": ["dao.eth"]},
                    },
                }
                settings = make_settings(
                    Path(tmp),
                    f"sqlite:///{tmp}/s.db",
                    environ={"DISCOURSE_WRITE_KEY": "write-key", "RPC_URL_MAINNET": anvil.url},
                    debates={"forums": [{"url": discourse.base_url}]},
                    proposals=proposals,
                )
                async with running_app(settings, extra=()) as app:
                    await run(app, f"{discourse.base_url}/t/{topic.slug}/{topic.id}")
    finally:
        await discourse.stop()


async def run(app: App, topic_url: str) -> None:
    await say(app, f"/draft new {topic_url}", shown="/draft new <forum topic URL>")
    await say(app, "/draft check")
    for key, text in FIXES.items():
        out = io.StringIO()
        console = ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out)
        await console.handle_line(f'/draft edit {key} "{text}"')
    print(f"(each section edited with /draft edit: {', '.join(FIXES)})\n")
    await say(app, "/draft check")
    await say(app, "/draft check snapshot")
    await say(app, "/draft publish forum", Role.STEWARD)
    await say(app, "/draft publish forum", Role.STEWARD)
    await say(app, f"/draft publish snapshot {AUTHOR.address}")
    async with app.db.read() as session:
        request = (await session.exec(select(SigningRequest))).one()
    proposal = proposal_of(request)
    wrong = typed_data_signature(STRANGER, typed_data(proposal))
    await say(app, f"/draft signature {wrong}", shown="/draft signature <signed by another key>")
    right = typed_data_signature(AUTHOR, typed_data(proposal))
    await say(app, f"/draft signature {right}", shown=f"/draft signature {right[:20]}…")


if __name__ == "__main__":
    asyncio.run(main())
