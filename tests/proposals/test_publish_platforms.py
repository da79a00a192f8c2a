"""Publishing from Discord and Telegram through the real discord.py and python-telegram-bot
clients against the local fakes: the draft made and fixed on Discord, checked and published to
the forum from Telegram by a group admin, and sent to Snapshot from Discord with a pasted
signature; the signing page's link button and the typed data file reach Discord as such."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from sqlmodel import select

from bot.app import App
from chain.snapshot import typed_data
from cogs.proposals.publish_models import SigningRequest
from cogs.proposals.publish_snapshot import proposal_of
from tests.fakes.discord_gateway import InteractionRecord
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.discourse_forum import generate_forum
from tests.fakes.discourse_server import FakeDiscourse, RateLimits
from tests.fakes.snapshot import FakeSnapshot
from tests.fakes.telegram_server import FakeTelegram
from tests.support.anvil import Anvil
from tests.support.apps import make_settings, running_app
from tests.support.frontends import discord_frontend, telegram_frontend
from tests.support.signing import typed_data_signature
from tests.support.world import discord_text

AUTHOR = Account.from_key("0x" + "61" * 32)
GRANTEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
FIXES = {
    "title": "Fund the documentation sprint",
    "summary": "Pay two writers for a month to rewrite the docs.",
    "motivation": "The docs are two releases behind.",
    "specification": "The treasury pays the docs guild on delivery.",
    "budget": "| Amount | Token | Recipient | Purpose |\\n|---|---|---|---|\\n"
    f"| 12,000 | USDC | {GRANTEE} | writing |\\n\\nTotal: 12,000 USDC",
    "timeline": "- 2027-02-01: first chapters",
    "risks": "The writers may be late: payment is on delivery.",
    "success_metrics": "Questions about the docs in chat halve.",
    "voting_options": "- For\\n- Against\\n- Abstain",
}


@dataclass
class Platforms:
    app: App
    discord: FakeDiscord
    telegram: FakeTelegram
    discourse: FakeDiscourse
    snapshot: FakeSnapshot
    topic_url: str

    async def on_discord(self, name: str, options: dict[str, Any]) -> InteractionRecord:
        record = await self.discord.invoke(name, options, user="alice")
        return await record.wait_done(timeout=20)

    async def on_telegram(self, text: str, user: str, *, private: bool = False) -> str:
        """The bot's answer; errors go to the member's private chat (Telegram has no
        ephemeral messages)."""
        group = self.telegram.group.id
        answered_in = self.telegram.private(user).id if private else group
        before = {m.message_id for m in self.telegram.messages(answered_in, from_bot=True)}
        self.telegram.send_text(group, user, text)
        await self.telegram.wait_for(
            "sendMessage", lambda call: int(call.params["chat_id"]) == answered_in, timeout=20
        )
        new = self.telegram.messages(answered_in, from_bot=True)
        return "\n".join(m.plain or "" for m in new if m.message_id not in before)


@pytest.fixture
async def platforms(tmp_path: Path, db_url: str, chain: Anvil) -> AsyncIterator[Platforms]:
    forum = generate_forum(seed=0, topics=1, debate_posts=0)
    author = next(u.username for u in forum.users.values() if u.username != "system")
    opening = f"We request 12,000 USDC for a docs sprint, paid to {GRANTEE}."
    topic = forum.add_topic("[Grant] Fund the docs sprint", raw=opening, author=author)
    discourse = FakeDiscourse(forum, api_keys={"write-key": None}, limits=RateLimits.off())
    await discourse.start()
    telegram = FakeTelegram()
    await telegram.start()
    try:
        async with FakeDiscord() as discord_fake, FakeSnapshot(rpc_url=chain.url) as snapshot:
            snapshot.add_space("dao.eth")
            community = {
                "slug": "test-dao",
                "name": "Test DAO",
                "discord_guild_ids": [discord_fake.guild.id],
                "telegram_chat_ids": [str(telegram.group.id)],
            }
            proposals = {
                "forum": {"url": discourse.base_url, "api_key_env": "FORUM_WRITE_KEY"},
                "publishing": {"rpc_url_env": "RPC_URL_SPACE"},
                "snapshot": {
                    "hub_url": snapshot.url,
                    "sequencer_url": snapshot.url + "/",
                    "spaces": {"test-dao": ["dao.eth"]},
                },
            }
            settings = make_settings(
                tmp_path,
                db_url,
                {"FORUM_WRITE_KEY": "write-key", "RPC_URL_SPACE": chain.url},
                communities=[community],
                debates={"forums": [{"url": discourse.base_url, "requests_per_minute": 60_000}]},
                proposals=proposals,
            )
            telegram.set_member_status(telegram.group, telegram.alice, "member")
            telegram.set_member_status(telegram.group, telegram.bob, "administrator")
            async with (
                running_app(settings) as app,
                discord_frontend(app, discord_fake),
                telegram_frontend(app, telegram),
            ):
                url = f"{discourse.base_url}/t/{topic.slug}/{topic.id}"
                yield Platforms(app, discord_fake, telegram, discourse, snapshot, url)
    finally:
        await telegram.stop()
        await discourse.stop()


async def test_from_discord_and_telegram_to_the_forum_and_snapshot(platforms: Platforms) -> None:
    made = await platforms.on_discord("draft new", {"source": platforms.topic_url})
    assert "draft #1" in discord_text(made).lower(), discord_text(made)
    for key, text in FIXES.items():
        await platforms.on_discord("draft edit", {"section": key, "text": text})

    checked = await platforms.on_telegram("/draft check forum id=1", user="alice")
    assert "Ready to publish to the forum" in checked, checked
    refused = await platforms.on_telegram("/draft publish forum id=1", user="alice", private=True)
    assert "for stewards" in refused and platforms.discourse.created_topics == []
    published = await platforms.on_telegram("/draft publish forum id=1", user="bob")
    assert "Published on the forum" in published, published
    assert platforms.discourse.created_topics[0]["title"] == FIXES["title"]

    asked = await platforms.on_discord(
        "draft publish", {"target": "snapshot", "address": AUTHOR.address, "id": 1}
    )
    (reply,) = [m for m in asked.messages() if m.get("embeds")]
    buttons = [c for row in reply.get("components", []) for c in row.get("components", [])]
    assert any(re.search(r"/proposal/sign/[0-9a-f]{24}$", b.get("url", "")) for b in buttons)
    assert [a["filename"] for a in reply.get("attachments", [])] == ["snapshot-proposal.json"]

    async with platforms.app.db.read() as session:
        request = (await session.exec(select(SigningRequest))).one()
    proposal = proposal_of(request)
    assert json.dumps(typed_data(proposal))  # what the file carries
    signature = typed_data_signature(AUTHOR, typed_data(proposal))
    done = await platforms.on_discord("draft signature", {"signature": signature})
    assert "Published on Snapshot" in discord_text(done), discord_text(done)
    assert platforms.snapshot.proposals[0]["title"] == FIXES["title"]
