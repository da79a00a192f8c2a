"""`discord.shards = 2`: the Discord front end runs discord.py's AutoShardedClient, and a
command in a guild on each shard is answered through that shard's gateway connection."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
from pydantic import SecretStr

from bot.adapters.discord import DiscordFrontEnd
from bot.settings import DiscordSettings
from tests.fakes.discord_server import FakeDiscord, shard_id_of
from tests.support.apps import make_settings, running_app
from tests.support.world import discord_text


async def test_two_shards_each_answer_their_own_guild(tmp_path: Path) -> None:
    async with FakeDiscord(shards=2) as fake:
        second = fake.add_guild("Second DAO")
        assert {shard_id_of(fake.guild.id, 2), shard_id_of(second.id, 2)} == {0, 1}
        communities = [
            {"slug": "first", "name": "First DAO", "discord_guild_ids": [fake.guild.id]},
            {"slug": "second", "name": "Second DAO", "discord_guild_ids": [second.id]},
        ]
        settings = make_settings(
            tmp_path, f"sqlite:///{tmp_path}/steward.db", communities=communities
        )
        saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        try:
            async with running_app(settings) as app:
                frontend = DiscordFrontEnd(
                    app,
                    DiscordSettings(
                        token=SecretStr("fake-discord-token"),
                        api_base=fake.api_base,
                        gateway_url=fake.gateway_url,
                        guild_ids=[int(fake.guild.id), int(second.id)],
                        ready_timeout=0.1,
                        shards=2,
                    ),
                )
                running = asyncio.create_task(frontend.run())
                try:
                    await asyncio.wait_for(frontend.wait_ready(), 30)
                    assert isinstance(frontend.client, discord.AutoShardedClient)
                    assert sorted(fake.identified_shards) == [[0, 2], [1, 2]]
                    for guild, name in ((fake.guild, "First DAO"), (second, "Second DAO")):
                        record = await fake.invoke("help", {}, user="alice", guild_id=guild)
                        await record.wait_done(timeout=10)
                        assert f"Steward commands for {name}" in discord_text(record)
                    assert "2 shards" in frontend.health().detail
                finally:
                    await frontend.stop()
                    await asyncio.wait_for(running, 10)
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
