"""/provenance verify and /provenance anchor through the real command layer of a running app.

The commands are the generation feature's; here a test feature carries them under another name
(`provtest`), with the same service the generation feature's lifespan builds, so these tests do
not depend on how the jobs part wires the feature."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from bot.app import App
from bot.commands.caller import Caller, Role, Space
from bot.commands.dispatch import CommandRequest, Outcome
from bot.commands.options import ChannelRef
from bot.commands.registry import parse_command_line
from bot.commands.reply import Attachment, Reply
from bot.context import FeatureContext
from bot.errors import ConfigError
from bot.features import Feature, config_models
from bot.outbox import ToChannel
from bot.settings import build_settings
from cogs.generation.provenance_commands import COMMANDS
from cogs.generation.provenance_config import ProvenanceConfig
from cogs.generation.provenance_links import MessageLink
from cogs.generation.provenance_service import Provenance
from tests.fakes.discord_server import FakeDiscord
from tests.generation.provenance_support import (
    BOT_KEY,
    MIGRATIONS,
    copy_output,
    copy_request,
    draw_png,
    image_output,
    image_request,
    make_certificates,
)
from tests.support.anvil import Anvil
from tests.support.apps import TEST_HTTP, available_features, feature_migrations, running_app
from tests.support.frontends import discord_frontend
from tests.support.sample_feature import sample_feature

SINK = "0x000000000000000000000000000000000000dEaD"
BOT = Account.from_key(BOT_KEY).address


@dataclass(frozen=True)
class Host:
    provenance: Provenance


@asynccontextmanager
async def lifespan(ctx: FeatureContext[ProvenanceConfig]) -> AsyncIterator[Host]:
    yield Host(Provenance.from_context(ctx, ctx.config))


def provtest_feature() -> Feature:
    own = MIGRATIONS if MIGRATIONS not in feature_migrations() else None
    return Feature(
        name="provtest",
        description="provenance commands under test",
        commands=tuple(replace(c, name=c.name.replace("provenance", "provtest")) for c in COMMANDS),
        config=ProvenanceConfig,
        lifespan=lifespan,
        migrations=own,
    )


@asynccontextmanager
async def app_with(
    tmp_path: Path,
    db_url: str,
    config: dict[str, Any],
    environ: dict[str, str],
    **sections: Any,
) -> AsyncIterator[App]:
    data = {
        **sections,
        "data_dir": str(tmp_path / "data"),
        "database": {"url": db_url},
        "http": TEST_HTTP,
        "web": {"port": 0},
        "provtest": config,
    }
    models = {**config_models(available_features()), "provtest": ProvenanceConfig}
    settings = build_settings(data, models, environ=environ)
    async with running_app(settings, extra=(sample_feature, provtest_feature())) as app:
        yield app


async def ask(app: App, line: str, role: Role = Role.MEMBER) -> Outcome:
    parsed = parse_command_line(app.registry, line)
    assert parsed is not None
    return await app.dispatcher.run(
        CommandRequest(
            spec=parsed.spec,
            caller=Caller("console", "tester", "tester", platform_role=role),
            space=Space("console", "local", "Local community"),
            channel=ChannelRef("console", "local", "console"),
            positional=parsed.positional,
            keyword=parsed.keyword,
        )
    )


def host(app: App) -> Provenance:
    runtime = app.dispatcher.runtime_for(app.registry.get("provtest verify"))  # type: ignore[arg-type]
    assert isinstance(runtime, Host)
    return runtime.provenance


async def test_verify_by_hash_and_by_message_link(db_url: str, tmp_path: Path) -> None:
    certs = make_certificates(tmp_path / "c2pa")
    config = {
        "signing_key_env": "BOT_KEY",
        "c2pa_cert_chain": str(certs.chain_pem),
        "c2pa_private_key": str(certs.key_pem),
        "c2pa_trust_anchors": str(certs.ca_pem),
    }
    async with app_with(tmp_path, db_url, config, {"BOT_KEY": BOT_KEY}) as app:
        provenance = host(app)
        sealed = await provenance.seal(image_request(), image_output(), job_id="12", index=0)

        outcome = await ask(app, f"/provtest verify {sealed.file_sha256}")
        reply = outcome.reply
        assert outcome.ok and reply.title == "Provenance verified"
        assert f"by {BOT}" in reply.body and "trusted" in reply.body
        fields = {f.name: f.value for f in reply.fields}
        assert fields["Style"] == "poster (CC0-1.0)"
        # The member's prompt is shown, its mass ping defused.
        assert "@everyone" not in fields["Prompt"] and "lighthouse" in fields["Prompt"]
        (attached,) = reply.files
        assert attached.filename == "provenance.json"
        assert json.loads(attached.data)["record"] == sealed.record

        link = "https://discord.com/channels/111/222/333"
        unknown = await ask(app, f"/provtest verify {link}")
        assert not unknown.ok and "No generated output" in unknown.reply.body
        await provenance.record_posted(sealed.sha256, MessageLink("discord", "222", "333"))
        by_link = await ask(app, f"/provtest verify {link}")
        assert by_link.ok and by_link.reply.title == "Provenance verified"

        nothing = await ask(app, "/provtest verify " + "0" * 64)
        assert not nothing.ok and "No output with that SHA-256" in nothing.reply.body
        garbage = await ask(app, "/provtest verify hello")
        assert not garbage.ok and "64 hexadecimal digits" in garbage.reply.body


async def test_a_failed_check_is_said_plainly(db_url: str, tmp_path: Path) -> None:
    async with app_with(
        tmp_path, db_url, {"signing_key_env": "BOT_KEY"}, {"BOT_KEY": BOT_KEY}
    ) as app:
        provenance = host(app)
        sealed = await provenance.seal(copy_request(), copy_output(), job_id="12", index=0)
        await provenance.amend_curation(sealed.sha256, {"winner": True, "votes": 3})
        amended = await ask(app, f"/provtest verify {sealed.sha256}")
        assert amended.ok and amended.reply.title == "Provenance verified"
        assert "winner" in {f.name: f.value for f in amended.reply.fields}["Curation"]

        async with app.db.transaction() as session:
            row = await session.get(provenance_model(), sealed.sha256)
            row.data = b"The grants round opens Tuesday."
            session.add(row)
        outcome = await ask(app, f"/provtest verify {sealed.sha256}")
        assert outcome.reply.title == "Provenance check failed"
        assert "does NOT verify: Output bytes" in outcome.reply.body


async def test_without_a_key_the_reply_says_so(db_url: str, tmp_path: Path) -> None:
    async with app_with(tmp_path, db_url, {}, {}) as app:
        provenance = host(app)
        sealed = await provenance.seal(
            image_request(), image_output(draw_png()), job_id="1", index=0
        )
        outcome = await ask(app, f"/provtest verify {sealed.sha256}")
        assert "unsigned" in outcome.reply.body
        assert "No signing key is configured on this bot" in outcome.reply.body
        anchor = await ask(app, f"/provtest anchor {sealed.sha256}", Role.STEWARD)
        assert not anchor.ok and "No chain is configured" in anchor.reply.body


async def test_stewards_anchor_and_members_cannot(
    db_url: str, tmp_path: Path, anvil_node: Anvil
) -> None:
    snapshot = anvil_node.snapshot()
    anvil_node.rpc("anvil_setBalance", [BOT, hex(10**18)])
    config = {
        "signing_key_env": "BOT_KEY",
        "anchor": {
            "rpc_url_env": "ANCHOR_RPC",
            "to": SINK,
            "chain_id": anvil_node.chain_id,
            "explorer_tx_url": "https://explorer.example/tx/{tx}",
        },
    }
    environ = {"BOT_KEY": BOT_KEY, "ANCHOR_RPC": anvil_node.url}
    try:
        async with app_with(tmp_path, db_url, config, environ) as app:
            sealed = await host(app).seal(copy_request(), copy_output(), job_id="4", index=0)
            refused = await ask(app, f"/provtest anchor {sealed.sha256}")
            assert not refused.ok
            outcome = await ask(app, f"/provtest anchor {sealed.sha256}", Role.STEWARD)
            assert outcome.ok and outcome.reply.title == "Anchored", outcome.reply
            tx = {f.name: f.value for f in outcome.reply.fields}["Transaction"].strip("`")
            assert outcome.reply.links[0].url == f"https://explorer.example/tx/{tx}"
            verified = await ask(app, f"/provtest verify {sealed.sha256}")
            assert verified.ok and f"is in {tx}" in verified.reply.body
            again = await ask(app, f"/provtest anchor {sealed.sha256}", Role.STEWARD)
            assert again.reply.title == "Already anchored"
    finally:
        anvil_node.revert(snapshot)


def provenance_model() -> Any:
    from cogs.generation.provenance_models import GenerationProvenance

    return GenerationProvenance


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOT_KEY", raising=False)


async def test_a_bad_key_or_certificate_stops_the_start_without_showing_the_key(
    db_url: str, tmp_path: Path
) -> None:
    secret = "0x" + "zz" * 32
    with pytest.raises(ConfigError) as bad_key:
        async with app_with(tmp_path, db_url, {"signing_key_env": "BOT_KEY"}, {"BOT_KEY": secret}):
            pass
    assert bad_key.value.key == "generation.provenance.signing_key_env"
    assert secret not in str(bad_key.value)
    missing = {"c2pa_cert_chain": str(tmp_path / "nope.pem"), "c2pa_private_key": "nope.key"}
    with pytest.raises(ConfigError, match="cannot read the C2PA certificate"):
        async with app_with(tmp_path, db_url, missing, {}):
            pass


async def test_a_discord_message_link_finds_the_output_the_outbox_posted(
    db_url: str, tmp_path: Path
) -> None:
    async with FakeDiscord() as fake:
        community = {
            "slug": "test-dao",
            "name": "Test DAO",
            "discord_guild_ids": [fake.guild.id],
        }
        environ = {"BOT_KEY": BOT_KEY}
        async with (
            app_with(
                tmp_path, db_url, {"signing_key_env": "BOT_KEY"}, environ, communities=[community]
            ) as app,
            discord_frontend(app, fake),
        ):
            sealed = await host(app).seal(copy_request(), copy_output(), job_id="21", index=0)
            found = await app.communities.by_slug("test-dao")
            assert found is not None
            channel = fake.channel("#general")
            # What the job pipeline posts: the output and provenance.json, through the outbox.
            async with app.db.transaction() as session:
                await app.outbox.enqueue(
                    session,
                    key="generation:21:0",
                    community_id=found.id,
                    reply=Reply(
                        title="Copy 1",
                        body=sealed.file.decode(),
                        files=(Attachment("copy.md", sealed.file), sealed.attachment()),
                    ),
                    to=ToChannel(ChannelRef("discord", str(channel.id))),
                )
            await app.outbox.drain()
            [posted] = fake.channel_messages("#general")
            link = f"https://discord.com/channels/{fake.guild.id}/{channel.id}/{posted['id']}"
            outcome = await ask(app, f"/provtest verify {link}")
            assert outcome.ok and outcome.reply.title == "Provenance verified"
            fields = {f.name: f.value for f in outcome.reply.fields}
            assert fields["SHA-256"] == f"`{sealed.sha256}`"
            elsewhere = f"https://discord.com/channels/{fake.guild.id}/{channel.id}/1"
            assert not (await ask(app, f"/provtest verify {elsewhere}")).ok
    assert fake.unhandled == [] and fake.errors == []
