"""Print the README's chat exchange: a labelled day of a protocol developers' Discord channel
(bench/eval/chat/01, written to mimic one), replayed into the fake Discord with its original ids
and times, backfilled by Steward through the real discord.py client, and summarized for that day
by name, as a member would ask for it in Discord. The reply is the embed Steward sent.

    PYTHONPATH=. .venv/bin/python docs/chat_example.py
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from bench.chat_labels import CHAT_DIR, load_chat_window
from tests.debates.chat_replay import replay
from tests.fakes.discord_server import FakeDiscord, InteractionRecord
from tests.support.apps import make_settings, running_app
from tests.support.frontends import discord_frontend

WINDOW = CHAT_DIR / "01-testnet-halt-rollback.json"


def shown(record: InteractionRecord) -> str:
    parts = []
    for message in record.messages():
        for embed in message.get("embeds", []):
            parts += [embed.get("title", ""), embed.get("description", "")]
            if "footer" in embed:
                parts.append(f"({embed['footer']['text']})")
    text = "\n".join(part for part in parts if part)
    # Jump links shortened for the page: …/<message id>.
    return re.sub(r"https://discord\.com/channels/\d+/\d+/(\d+)", r"…/\1", text)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(
            Path(tmp),
            f"sqlite+aiosqlite:///{tmp}/steward.db",
            communities=[{"slug": "corvid", "name": "Corvid", "discord_guild_ids": []}],
        )
        async with FakeDiscord() as discord_fake, running_app(settings) as app:
            general = discord_fake.channel("#general")
            await replay(discord_fake, load_chat_window(WINDOW), general)
            async with discord_frontend(app, discord_fake):
                day = {"target": "#general", "since": "2025-10-14", "until": "2025-10-14"}
                for name, options, user in (
                    ("ingest channel", {"channel": general.id}, "carol"),
                    ("summarize", day, "alice"),
                ):
                    record = await discord_fake.invoke(name, options, user=user)
                    await record.wait_done(timeout=30)
                    typed = " ".join(f"{k}:{v}" for k, v in options.items() if k != "channel")
                    print(f"> /{name} {'#general' if 'channel' in options else typed}")
                    print(shown(record) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
