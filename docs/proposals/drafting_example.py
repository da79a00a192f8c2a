"""Print the drafting exchange of docs/proposals/drafting.md: a grant request debated on a forum
(the fake Discourse, reached through the real HTTP client), drafted offline with the `grant`
template, edited, compared and listed on the console. The forum's local address is shown as
https://forum.example.org.

    PYTHONPATH=. .venv/bin/python docs/proposals/drafting_example.py
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.support.apps import make_settings, running_app

SAFE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
OPENING = (
    "We request 48,000 USDC for the open-source governance indexer, paid to the Indexer "
    f"Working Group's Safe {SAFE}. The work runs over six months in 2 milestones: milestone 1 "
    "ships the indexer for Snapshot and the Governor, milestone 2 a public API. The indexer "
    "replaces the three dashboards delegates maintain by hand today."
)
REPLIES = (
    "I support this grant; the indexer saves every delegate hours each week.",
    "I am against paying it all upfront, the risk is that milestone 2 slips.",
    "Who audits the public API before it goes live?",
    "We should put this to a Snapshot vote next week.",
)


async def run(app: App, line: str, role: Role = Role.MEMBER) -> str:
    out = io.StringIO()
    await ConsoleFrontEnd(app, role=role, stdin=io.StringIO(), stdout=out).handle_line(line)
    return out.getvalue()


async def main() -> None:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    people = [u.username for u in forum.users.values() if u.username != "system"]
    topic = forum.add_topic("[Grant] Governance indexer", raw=OPENING, author=people[0])
    for text, author in zip(REPLIES, people[1:], strict=False):
        forum.add_posts(topic.id, raw=text, author=author)
    discourse = FakeDiscourse(forum, limits=RateLimits.off())
    await discourse.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = make_settings(
                Path(tmp),
                f"sqlite+aiosqlite:///{tmp}/steward.db",
                debates={"forums": [{"url": discourse.base_url}]},
            )
            async with running_app(settings) as app:
                await run(app, "/sync", Role.STEWARD)
                url = f"{discourse.base_url}/t/{topic.slug}/{topic.id}"
                for line in (
                    f"/draft new {url} grant",
                    "/draft edit success_metrics Delegates spend half the time on weekly "
                    "reports by 2026-06-30, measured by the delegates' survey.",
                    "/draft diff 1 2",
                    "/draft list",
                ):
                    reply = await run(app, line)
                    shown = f"> {line}\n{reply}".replace(
                        discourse.base_url, "https://forum.example.org"
                    )
                    print(shown)
    finally:
        await discourse.stop()


if __name__ == "__main__":
    asyncio.run(main())
