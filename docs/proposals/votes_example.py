"""Print the votes part's real exchange for docs/proposals/votes.md: a steward picks where
announcements go, a member opts in to reminders, then a proposal on the fake Snapshot hub is
created, opens, enters its last day and closes between polls, and what Steward posted (and sent
by direct message) is printed as the console showed it.

    PYTHONPATH=. .venv/bin/python docs/proposals/votes_example.py
"""

from __future__ import annotations

import asyncio
import io
import os
import tempfile
import time
from pathlib import Path

from bot.adapters.console import ConsoleFrontEnd
from bot.commands.spec import Role
from cogs.onboarding.wallet_models import WalletLink
from tests.fakes.snapshot import FakeSnapshot
from tests.support.apps import make_settings, running_app

DAY = 86400
MEMBER_WALLET = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
BODY = """## Budget

| Amount | Token | Recipient | Purpose |
|---|---|---|---|
| 12,000 | USDC | 0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB | two writers for four weeks |
"""


async def main() -> None:
    os.environ["USER"] = "dana"  # the console member's id
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeSnapshot(now=time.time()) as hub:
            hub.add_space("example.eth")
            settings = make_settings(
                Path(tmp),
                f"sqlite:///{tmp}/s.db",
                console={"community": "example-dao"},
                proposals={
                    "snapshot": {"hub_url": hub.url, "spaces": {"example-dao": ["example.eth"]}},
                    "votes": {"poll_seconds": 3600},
                },
            )
            async with running_app(settings, extra=()) as app:
                out = io.StringIO()
                app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out))
                steward = ConsoleFrontEnd(app, role=Role.STEWARD, stdin=io.StringIO(), stdout=out)
                member = ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=out)
                community = await app.communities.by_slug("example-dao")
                assert community is not None
                async with app.db.transaction() as session:
                    session.add(
                        WalletLink(
                            community_id=community.id,
                            platform="console",
                            user_id="dana",
                            address=MEMBER_WALLET,
                        )
                    )
                follower = app.runtimes["proposals"].votes.snapshot

                async def say(frontend: ConsoleFrontEnd, line: str) -> None:
                    print(f"> {line}")
                    await frontend.handle_line(line)
                    print(out.getvalue().strip(), "\n")
                    out.truncate(0)
                    out.seek(0)

                async def poll(what: str) -> None:
                    hub.now = time.time()
                    await follower.poll("example-dao")
                    await app.outbox.drain()
                    print(f"({what}; Steward polls the hub)")
                    print(out.getvalue().strip() or "(nothing new)", "\n")
                    out.truncate(0)
                    out.seek(0)

                await say(steward, "/proposals announce #governance")
                await say(member, "/proposals remind on")
                now = time.time()
                proposal = hub.add_proposal(
                    "example.eth",
                    title="Fund the docs sprint",
                    body=BODY,
                    start=int(now + 3600),
                    end=int(now + 5 * DAY),
                    quorum=1000.0,
                )
                await poll("a proposal is created on Snapshot")
                proposal["start"] = int(now - 60)
                hub.add_vote(proposal["id"], "0x" + "11" * 20, choice=1, vp=640.0)
                hub.add_vote(proposal["id"], "0x" + "22" * 20, choice=2, vp=210.0)
                await poll("voting opens; two votes come in")
                await poll("nothing changed")
                proposal["end"] = int(now + 20 * 3600)
                await poll("the vote enters its last day")
                await say(member, "/proposals list")
                hub.add_vote(proposal["id"], "0x" + "33" * 20, choice=1, vp=400.0)
                proposal["end"] = int(now - 60)
                hub.set_scores(proposal["id"], [1040.0, 210.0, 0.0], final=True)
                await poll("the vote closes")
                await say(member, "/proposals list closed")


if __name__ == "__main__":
    asyncio.run(main())
