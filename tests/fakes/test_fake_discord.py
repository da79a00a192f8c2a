"""The fake Discord, driven by a real discord.py Client + CommandTree (nothing in discord.py is
patched apart from the two base URLs that FakeDiscord redirects)."""

from __future__ import annotations

import asyncio
import io
import time
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import pytest_asyncio

with warnings.catch_warnings():
    # discord.py imports audioop, deprecated since Python 3.11; under "-W error" that import
    # would fail collection.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord
    from discord import app_commands

    from tests.fakes.discord_server import FakeDiscord, shard_id_of

pytestmark = pytest.mark.asyncio

TITLES = ["Budget 2025", "Budget 2026", "Grants round 3"]


class VoteView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)  # no timeout task left behind when the client closes

    @discord.ui.button(label="Yes", custom_id="vote:yes")
    async def yes(
        self, interaction: discord.Interaction, button: discord.ui.Button[VoteView]
    ) -> None:
        text = f"{interaction.user.name} voted yes"
        await interaction.response.edit_message(content=text, view=None)


class SampleBot(discord.Client):
    """A small bot written against discord.py only (not the project's code)."""

    def __init__(self, guild_id: int, intents: discord.Intents | None = None) -> None:
        if intents is None:
            intents = discord.Intents.default()
            intents.message_content = True
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.guild_id = guild_id
        self.tree = app_commands.CommandTree(self)
        self.seen: dict[str, object] = {}
        self.events: list[tuple[str, str]] = []
        self.release = asyncio.Event()
        self._add_commands()

    async def setup_hook(self) -> None:
        await self.tree.sync()
        await self.tree.sync(guild=discord.Object(self.guild_id))

    async def on_message(self, message: discord.Message) -> None:
        self.events.append(("message", message.content))

    async def on_message_edit(self, before: discord.Message, after: discord.Message) -> None:
        self.events.append(("edit", f"{before.content} -> {after.content}"))

    async def on_message_delete(self, message: discord.Message) -> None:
        self.events.append(("delete", message.content))

    def _add_commands(self) -> None:
        tree, bot = self.tree, self

        @tree.command(description="Liveness check")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @tree.command(description="Who and where")
        async def whoami(interaction: discord.Interaction) -> None:
            where = interaction.guild.name if interaction.guild else "DM"
            await interaction.response.send_message(f"{interaction.user.name} in {where}")

        @tree.command(description="Defer, edit the original, then follow up")
        async def report(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.edit_original_response(content="working")
            await interaction.followup.send("report ready")

        @tree.command(description="Defer, wait for the test, then follow up")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await bot.release.wait()
            await interaction.followup.send("done")

        @tree.command(description="Only you see this")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("for your eyes only", ephemeral=True)

        @tree.command(description="Post to #alerts")
        async def announce(interaction: discord.Interaction, text: str) -> None:
            assert interaction.guild is not None
            alerts = discord.utils.get(interaction.guild.text_channels, name="alerts")
            assert alerts is not None
            embed = discord.Embed(title="Announcement", description=text)
            await alerts.send(
                f"<@{interaction.user.id}> says",
                embed=embed,
                allowed_mentions=discord.AllowedMentions.none(),
            )
            await interaction.response.send_message("posted", ephemeral=True)

        @tree.command(description="Send the caller a DM")
        async def dm_me(interaction: discord.Interaction) -> None:
            await interaction.user.send("hello in private")
            await interaction.response.send_message("check your DMs", ephemeral=True)

        @tree.command(description="Look up a proposal")
        async def proposal(interaction: discord.Interaction, title: str) -> None:
            await interaction.response.send_message(title)

        @proposal.autocomplete("title")
        async def proposal_titles(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [
                app_commands.Choice(name=t, value=t) for t in TITLES if current.lower() in t.lower()
            ]

        @tree.command(description="Vote with a button")
        async def vote(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Cast your vote", view=VoteView())

        @tree.command(description="Upload a file")
        async def export(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            data = discord.File(io.BytesIO(b"a,b\n1,2\n"), filename="votes.csv")
            await interaction.followup.send("export", file=data)

        @tree.command(description="Read the channel")
        async def history(interaction: discord.Interaction) -> None:
            assert isinstance(interaction.channel, discord.TextChannel)
            lines = [
                m.content async for m in interaction.channel.history(limit=3, oldest_first=True)
            ]
            await interaction.response.send_message(" | ".join(lines))

        @tree.command(description="Guild-only command", guild=discord.Object(self.guild_id))
        async def local(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("guild command")

        config = app_commands.Group(name="config", description="Settings")

        @config.command(name="set", description="Set a threshold")
        async def config_set(
            interaction: discord.Interaction,
            key: str,
            value: int,
            who: discord.Member,
            where: discord.TextChannel,
            ratio: float = 0.5,
            enabled: bool = True,
        ) -> None:
            bot.seen.update(
                key=key, value=value, who=who, where=where, ratio=ratio, enabled=enabled
            )
            await interaction.response.send_message(f"{key}={value}")

        admin = app_commands.Group(name="admin", description="Administration")
        roles = app_commands.Group(name="roles", description="Roles", parent=admin)

        @roles.command(name="grant", description="Give a role")
        async def grant(
            interaction: discord.Interaction, member: discord.Member, role: discord.Role
        ) -> None:
            await member.add_roles(role)
            await interaction.response.send_message(f"{member.name} is now {role.name}")

        tree.add_command(config)
        tree.add_command(admin)


class ShardedBot(discord.AutoShardedClient):
    """An AutoShardedClient with one slash command that names the guild and its shard."""

    def __init__(self, shard_count: int | None, **options: Any) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            shard_count=shard_count,
            guild_ready_timeout=0.1,
            **options,
        )
        self.tree = app_commands.CommandTree(self)
        self.shards_ready: list[int] = []

        @self.tree.command(description="Which guild and shard")
        async def where(interaction: discord.Interaction) -> None:
            guild = interaction.guild
            text = f"{guild.name} on shard {guild.shard_id}" if guild else "DM"
            await interaction.response.send_message(text)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py's default sleeps 5 s before every IDENTIFY but the first (Discord's
        identify rate limit); the fake has no such limit."""

    async def on_shard_ready(self, shard_id: int) -> None:
        self.shards_ready.append(shard_id)


async def _until(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    """Gateway events reach the bot asynchronously; wait for the bot's side effects."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(heartbeat_interval_ms=200) as server:
        yield server
    assert server.errors == []


@pytest_asyncio.fixture
async def bot(fake: FakeDiscord) -> AsyncIterator[SampleBot]:
    client = SampleBot(int(fake.guild.id))
    async with fake.run_client(client):
        yield client


async def test_login_sync_and_identify(fake: FakeDiscord, bot: SampleBot) -> None:
    global_names = {c["name"] for c in fake.commands[None]}
    assert {"ping", "config", "admin", "proposal"} <= global_names
    assert [c["name"] for c in fake.commands[fake.guild.id]] == ["local"]
    assert all(c["id"] and c["application_id"] == fake.application_id for c in fake.commands[None])
    assert {r.authorization for r in fake.requests if r.path == "/users/@me"} == {"Bot fake-token"}
    assert fake.identify_count == 1
    assert fake.resume_count == 0
    assert bot.user is not None
    assert str(bot.user.id) == fake.bot_user.id
    guild = bot.get_guild(int(fake.guild.id))
    assert guild is not None
    assert guild.name == "Test DAO"
    assert sorted(c.name for c in guild.text_channels) == ["alerts", "general"]
    assert fake.unhandled == []


async def test_ping_is_answered_with_a_message(fake: FakeDiscord, bot: SampleBot) -> None:
    rec = await (await fake.invoke("ping")).wait_done()
    assert rec.callback is not None
    assert rec.callback["type"] == 4
    assert [m["content"] for m in rec.messages()] == ["pong"]
    assert not rec.ephemeral
    assert rec.latency is not None
    assert rec.latency < 1
    assert [m["content"] for m in fake.channel_messages("general")] == ["pong"]
    guild_rec = await (await fake.invoke("local")).wait_done()
    assert guild_rec.messages()[0]["content"] == "guild command"
    assert fake.unhandled == []


async def test_deferred_command_edits_original_then_follows_up(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    rec = await (await fake.invoke("report")).wait_done(settle=0)  # done at the first edit
    assert rec.callback is not None
    assert rec.callback["type"] == 5
    assert rec.original[0]["content"] == "working"
    messages = await rec.wait_messages(2)
    assert messages == (await rec.wait_done()).messages()  # the default settle includes both
    assert [m["content"] for m in messages] == ["working", "report ready"]
    assert rec.original_message is not None
    assert rec.original_message["content"] == "working"
    followup_posts = [r for r in fake.requests if r.method == "POST" and "/webhooks/" in r.path]
    assert followup_posts[0].query.get("wait") in ("1", "true")


async def test_group_subcommand_options_arrive_typed(fake: FakeDiscord, bot: SampleBot) -> None:
    options = {
        "key": "quorum",
        "value": "7",
        "who": "bob",
        "where": "#alerts",
        "ratio": 0.25,
        "enabled": False,
    }
    rec = await (await fake.invoke("config set", options, user="carol")).wait_done()
    assert rec.messages()[0]["content"] == "quorum=7"
    sent = rec.payload["data"]["options"][0]
    assert sent["type"] == 1
    assert sent["name"] == "set"
    who, where = bot.seen["who"], bot.seen["where"]
    assert bot.seen["value"] == 7
    assert bot.seen["ratio"] == 0.25
    assert bot.seen["enabled"] is False
    assert isinstance(who, discord.Member)
    assert str(who.id) == fake.user("bob").id
    assert isinstance(where, discord.TextChannel)
    assert where.name == "alerts"


async def test_nested_group_with_role_option_changes_roles(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    steward = fake.guild.role("Steward")
    assert steward is not None
    rec = await fake.invoke(
        "admin roles grant", {"member": "alice", "role": "Steward"}, user="carol"
    )
    await rec.wait_done()
    group = rec.payload["data"]["options"][0]
    assert (group["type"], group["options"][0]["type"]) == (2, 1)
    assert rec.messages()[0]["content"] == "alice is now Steward"
    alice = fake.guild.member(fake.user("alice").id)
    assert alice is not None
    assert steward.id in alice.role_ids
    assert fake.unhandled == []


async def test_option_mistakes_are_reported_to_the_test(fake: FakeDiscord, bot: SampleBot) -> None:
    with pytest.raises(ValueError, match="needs a subcommand"):
        await fake.invoke("config")
    with pytest.raises(ValueError, match="missing required"):
        await fake.invoke("config set", {"key": "quorum"})
    with pytest.raises(ValueError, match="no command 'nope'"):
        await fake.invoke("nope")


async def test_autocomplete_returns_choices(fake: FakeDiscord, bot: SampleBot) -> None:
    choices = await fake.autocomplete("proposal", {"title": "budg"}, focused="title")
    assert [c["value"] for c in choices] == ["Budget 2025", "Budget 2026"]
    sent = fake.interactions[-1].payload["data"]["options"][0]
    assert sent == {"name": "title", "type": 3, "value": "budg", "focused": True}


async def test_ephemeral_reply_is_flagged_and_not_in_the_channel(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    rec = await (await fake.invoke("secret")).wait_done()
    assert rec.ephemeral
    assert rec.original_message is not None
    assert rec.original_message["flags"] & 64
    assert fake.channel_messages("general") == []


async def test_channel_send_keeps_embed_and_allowed_mentions(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    rec = await (await fake.invoke("announce", {"text": "Vote opens"}, user="bob")).wait_done()
    assert rec.ephemeral
    [posted] = fake.channel_messages("alerts")
    assert posted["content"] == f"<@{fake.user('bob').id}> says"
    assert posted["embeds"][0]["title"] == "Announcement"
    assert posted["embeds"][0]["description"] == "Vote opens"
    assert posted["allowed_mentions"] == {"parse": []}
    assert posted["author"]["id"] == fake.bot_user.id


async def test_dm_via_user_send(fake: FakeDiscord, bot: SampleBot) -> None:
    await (await fake.invoke("dm_me", user="alice")).wait_done()
    assert [m["content"] for m in fake.dm_messages("alice")] == ["hello in private"]
    assert any(r.path == "/users/@me/channels" for r in fake.requests)


async def test_dm_interaction_has_user_and_no_guild(fake: FakeDiscord, bot: SampleBot) -> None:
    rec = await (await fake.invoke("whoami", user="bob", dm=True)).wait_done()
    assert rec.messages()[0]["content"] == "bob in DM"
    assert "member" not in rec.payload
    assert rec.payload["user"]["username"] == "bob"
    assert rec.payload["channel"]["type"] == 1
    assert [m["content"] for m in fake.dm_messages("bob")] == ["bob in DM"]


async def test_button_click_updates_the_message(fake: FakeDiscord, bot: SampleBot) -> None:
    rec = await (await fake.invoke("vote")).wait_done()
    assert rec.original_message is not None
    message_id = rec.original_message["id"]
    assert rec.original_message["components"][0]["components"][0]["custom_id"] == "vote:yes"
    click = await (await fake.click(message_id, "vote:yes", user="bob")).wait_done()
    assert click.callback is not None
    assert click.callback["type"] == 7
    assert fake.message(message_id)["content"] == "bob voted yes"
    assert fake.message(message_id)["components"] == []


async def test_file_upload_is_parsed_from_multipart(fake: FakeDiscord, bot: SampleBot) -> None:
    rec = await (await fake.invoke("export")).wait_done()
    assert rec.followups[0]["attachments"] == [{"id": 0, "filename": "votes.csv", "size": 8}]
    [upload] = next(r.files for r in fake.requests if r.files)
    assert (upload["filename"], upload["size"]) == ("votes.csv", 8)
    assert rec.followup_messages[0]["attachments"][0]["filename"] == "votes.csv"


async def test_user_messages_reach_the_bot_and_its_history(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    first = await fake.post_user_message("general", "alice", "gm")
    await fake.post_user_message("general", "bob", "proposal 12 is live")
    await _until(lambda: len(bot.events) == 2)
    await fake.edit_user_message(first["id"], "good morning")
    await _until(lambda: len(bot.events) == 3)
    await fake.delete_user_message(first["id"])
    await _until(lambda: len(bot.events) == 4)
    assert bot.events == [
        ("message", "gm"),
        ("message", "proposal 12 is live"),
        ("edit", "gm -> good morning"),
        ("delete", "good morning"),
    ]
    rec = await (await fake.invoke("history")).wait_done()
    assert rec.messages()[0]["content"] == "proposal 12 is live"


async def test_without_message_content_intent_guild_text_is_blank(fake: FakeDiscord) -> None:
    client = SampleBot(int(fake.guild.id), intents=discord.Intents.default())
    async with fake.run_client(client):
        await fake.post_user_message("general", "alice", "hello")
        await fake.post_user_message("general", "alice", f"<@{fake.bot_user.id}> hi")
        await fake.post_user_message(fake.dm_channel("alice"), "alice", "psst")
        await _until(lambda: len(client.events) == 3)
    assert client.events == [
        ("message", ""),
        ("message", f"<@{fake.bot_user.id}> hi"),
        ("message", "psst"),
    ]


async def test_resume_after_drop_delivers_queued_interaction(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    pending = await (await fake.invoke("slow")).wait_callback()
    async with fake.outage(code=4000):
        assert not fake.gateway.connected
        missed = await fake.invoke("ping")
        await asyncio.sleep(0.1)
        assert missed.callback is None  # the bot cannot have seen it yet
    await missed.wait_done()
    bot.release.set()
    await pending.wait_done()
    assert [m["content"] for m in pending.messages()] == ["done"]
    assert fake.identify_count == 1
    assert fake.resume_count == 1
    assert [d.data["id"] for d in fake.gateway.replayed if d.event == "INTERACTION_CREATE"] == [
        missed.id
    ]
    await fake.drop_connection(4000)  # a plain drop: the client comes straight back
    await fake.wait_connected()
    await (await fake.invoke("ping")).wait_done()
    assert fake.identify_count == 1
    assert fake.resume_count == 2


async def test_429_on_followup_is_waited_out_and_retried(fake: FakeDiscord, bot: SampleBot) -> None:
    fake.fail_next("POST /webhooks/", status=429, retry_after=0.2)
    rec = await fake.invoke("report")
    await rec.wait_messages(2, timeout=3)
    posts = [r for r in fake.requests if r.method == "POST" and r.path.startswith("/webhooks/")]
    assert [r.status for r in posts] == [429, 200]
    assert posts[1].at - posts[0].at >= 0.2  # discord.py slept for retry_after
    assert posts[1].query["wait"] in ("1", "true")
    assert [m["content"] for m in rec.followups] == ["report ready"]


async def test_500_on_channel_send_is_retried(fake: FakeDiscord, bot: SampleBot) -> None:
    fake.fail_next("/channels/", status=500)
    await (await fake.invoke("announce", {"text": "again"})).wait_done(timeout=3)
    sends = [r.status for r in fake.requests if r.method == "POST" and "/channels/" in r.path]
    assert sends == [500, 200]
    assert len(fake.channel_messages("alerts")) == 1


async def test_redirection_is_undone_on_exit() -> None:
    def targets() -> tuple[str, str]:
        return discord.http.Route.BASE, str(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)

    before = targets()
    async with FakeDiscord() as fake:
        assert targets() == (fake.api_base, fake.gateway_url)
    assert targets() == before


async def test_unknown_route_is_404_and_logged(fake: FakeDiscord, bot: SampleBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/nope/{x}", x=1))
    assert fake.unhandled == ["GET /nope/1"]


# --------------------------------------------------------------------------- nonces


def _text_channel(bot: discord.Client, fake: FakeDiscord, name: str) -> discord.TextChannel:
    channel = bot.get_channel(int(fake.channel(name).id))
    assert isinstance(channel, discord.TextChannel)
    return channel


def _created(fake: FakeDiscord) -> list[str]:
    """Ids of the MESSAGE_CREATE events the bot was sent."""
    return [d.data["id"] for d in fake.session(0).history if d.event == "MESSAGE_CREATE"]


async def test_same_nonce_twice_creates_one_message(fake: FakeDiscord, bot: SampleBot) -> None:
    alerts = _text_channel(bot, fake, "#alerts")
    first = await alerts.send("proposal 7 passed", nonce="outbox-7")
    again = await alerts.send("proposal 7 passed (retry)", nonce="outbox-7")
    assert again.id == first.id
    assert again.content == "proposal 7 passed"  # Discord returns the first message as it is
    [stored] = fake.channel_messages("#alerts")
    assert stored["id"] == str(first.id)
    assert stored["nonce"] == first.nonce == "outbox-7"  # discord.py sends nonces as strings
    posts = [r.json for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert [(b["nonce"], b["enforce_nonce"]) for b in posts] == [("outbox-7", True)] * 2
    assert fake.nonce_replays == [stored["id"]]
    assert fake.nonces[(fake.bot_user.id, "outbox-7")].message_id == stored["id"]
    assert _created(fake) == [stored["id"]]  # no second MESSAGE_CREATE either


async def test_different_nonces_create_two_messages(fake: FakeDiscord, bot: SampleBot) -> None:
    alerts = _text_channel(bot, fake, "#alerts")
    first = await alerts.send("one", nonce="outbox-1")
    second = await alerts.send("two", nonce=2)  # an int nonce goes out as "2"
    assert first.id != second.id
    assert [m["content"] for m in fake.channel_messages("#alerts")] == ["one", "two"]
    assert fake.nonce_replays == []


async def test_nonce_is_per_author_not_per_channel(fake: FakeDiscord, bot: SampleBot) -> None:
    first = await _text_channel(bot, fake, "#alerts").send("here", nonce="outbox-9")
    elsewhere = await _text_channel(bot, fake, "#general").send("there", nonce="outbox-9")
    assert elsewhere.id == first.id
    # the first message, in its channel (discord.py itself pins the reply to #general)
    assert fake.message(str(elsewhere.id))["channel_id"] == fake.channel("#alerts").id
    assert fake.channel_messages("#general") == []


async def test_nonce_window_expires(fake: FakeDiscord, bot: SampleBot) -> None:
    fake.nonce_window = 0.2
    alerts = _text_channel(bot, fake, "#alerts")
    first = await alerts.send("first", nonce="outbox-1")
    assert (await alerts.send("first", nonce="outbox-1")).id == first.id
    await asyncio.sleep(0.25)
    later = await alerts.send("later", nonce="outbox-1")
    assert later.id != first.id
    assert [m["content"] for m in fake.channel_messages("#alerts")] == ["first", "later"]
    assert fake.nonces[(fake.bot_user.id, "outbox-1")].message_id == str(later.id)


async def test_nonce_in_a_dm_channel(fake: FakeDiscord, bot: SampleBot) -> None:
    alice = await bot.fetch_user(int(fake.user("alice").id))
    first = await alice.send("your vote counted", nonce="dm-1")
    again = await alice.send("your vote counted", nonce="dm-1")
    other = await alice.send("a new proposal", nonce="dm-2")
    assert again.id == first.id != other.id
    assert [m["content"] for m in fake.dm_messages("alice")] == [
        "your vote counted",
        "a new proposal",
    ]
    assert fake.nonce_replays == [str(first.id)]


async def test_nonce_of_a_deleted_message_is_not_found(fake: FakeDiscord, bot: SampleBot) -> None:
    alerts = _text_channel(bot, fake, "#alerts")
    first = await alerts.send("oops", nonce="outbox-3")
    await first.delete()
    with pytest.raises(discord.NotFound):  # as discord.py documents for send(nonce=...)
        await alerts.send("oops", nonce="outbox-3")
    assert fake.channel_messages("#alerts") == []
    assert fake.nonce_replays == []


async def test_nonce_longer_than_25_is_invalid_form_body(fake: FakeDiscord, bot: SampleBot) -> None:
    alerts = _text_channel(bot, fake, "#alerts")
    await alerts.send("fits", nonce="n" * 25)
    with pytest.raises(discord.HTTPException) as info:
        await alerts.send("too long", nonce="n" * 26)
    assert (info.value.status, info.value.code) == (400, 50035)
    assert "In nonce: Must be 25 or fewer in length." in info.value.text
    assert [m["content"] for m in fake.channel_messages("#alerts")] == ["fits"]


async def test_nonce_without_enforce_nonce_is_only_echoed(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    channel_id = fake.channel("#alerts").id
    route = discord.http.Route("POST", "/channels/{channel_id}/messages", channel_id=channel_id)
    first = await bot.http.request(route, json={"content": "a", "nonce": 42})
    second = await bot.http.request(route, json={"content": "b", "nonce": 42})
    assert first["id"] != second["id"]
    assert first["nonce"] == second["nonce"] == 42
    assert [m["content"] for m in fake.channel_messages("#alerts")] == ["a", "b"]


async def test_lost_response_is_retried_with_the_same_nonce(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    """The message is created but the 500 hides it; discord.py retries the same body (its own
    random nonce included) and gets the message back instead of a duplicate."""
    fake.fail_next("POST /channels/", status=500, after_handling=True)
    sent = await _text_channel(bot, fake, "#alerts").send("exactly once")
    posts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert [r.status for r in posts] == [500, 200]
    assert posts[0].json["nonce"] == posts[1].json["nonce"]
    [stored] = fake.channel_messages("#alerts")
    assert stored["id"] == str(sent.id)
    assert fake.nonce_replays == [stored["id"]]


# --------------------------------------------------------------------------- sharding


def _events(fake: FakeDiscord, shard_id: int, event: str) -> list[str]:
    """Ids of the ``event`` dispatches of a shard's session."""
    return [d.data["id"] for d in fake.session(shard_id).history if d.event == event]


async def test_auto_sharded_client_gets_each_guild_on_its_shard() -> None:
    async with FakeDiscord(heartbeat_interval_ms=200) as fake:
        second = fake.add_guild("Second DAO")
        assert [shard_id_of(g.id, 2) for g in fake.guilds] == [0, 1]
        client = ShardedBot(shard_count=2)
        async with fake.run_client(client):
            assert sorted(fake.identified_shards) == [[0, 2], [1, 2]]
            assert fake.shard_count == 2
            assert sorted(client.shards) == [0, 1]
            assert {g.id for g in client.guilds} == {int(fake.guild.id), int(second.id)}
            for shard_id, guild in enumerate(fake.guilds):
                [ready] = [d.data for d in fake.session(shard_id).history if d.event == "READY"]
                assert ready["shard"] == [shard_id, 2]
                assert [g["id"] for g in ready["guilds"]] == [guild.id]
                assert _events(fake, shard_id, "GUILD_CREATE") == [guild.id]
            first = await (await fake.invoke("where")).wait_done()
            other = await (await fake.invoke("where", guild_id=second, user="bob")).wait_done()
            private = await (await fake.invoke("where", dm=True)).wait_done()
            assert first.messages()[0]["content"] == "Test DAO on shard 0"
            assert other.messages()[0]["content"] == "Second DAO on shard 1"
            assert private.messages()[0]["content"] == "DM"
            assert _events(fake, 0, "INTERACTION_CREATE") == [first.id, private.id]  # DMs: 0
            assert _events(fake, 1, "INTERACTION_CREATE") == [other.id]
            answer = fake.channel_messages(second.channels[0])[0]["content"]
            assert answer == "Second DAO on shard 1"
            assert sorted(client.shards_ready) == [0, 1]
        assert not any(r.path == "/gateway/bot" for r in fake.requests)
        assert fake.errors == []
        assert fake.unhandled == []


async def test_shard_count_from_gateway_bot_and_resume_per_shard() -> None:
    async with FakeDiscord(shards=2, heartbeat_interval_ms=200) as fake:
        second = fake.add_guild()
        client = ShardedBot(shard_count=None)  # asks GET /gateway/bot
        async with fake.run_client(client):
            assert client.shard_count == 2
            assert sorted(fake.identified_shards) == [[0, 2], [1, 2]]
            shards, url, limit = await client.http.get_bot_gateway()
            assert (shards, url) == (2, fake.gateway_url)
            assert limit == {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14400000,
                "max_concurrency": 1,
            }
            async with fake.outage(shard=1):
                assert not fake.session(1).connected
                assert fake.session(0).connected
                missed = await fake.invoke("where", guild_id=second)
                served = await (await fake.invoke("where")).wait_done()  # shard 0 still up
                assert served.messages()[0]["content"] == "Test DAO on shard 0"
                await asyncio.sleep(0.1)
                assert missed.callback is None
            await missed.wait_done()
            assert missed.messages()[0]["content"] == "Second DAO on shard 1"
            assert (fake.identify_count, fake.resume_count) == (2, 1)
            assert (fake.session(0).resume_count, fake.session(1).resume_count) == (0, 1)
            replayed = [d.data["id"] for d in fake.session(1).replayed]
            assert replayed == [missed.id]
            await fake.drop_connection(4000, shard=0)
            await fake.wait_connected()
            await (await fake.invoke("where")).wait_done()
            assert (fake.session(0).resume_count, fake.identify_count) == (1, 2)
        assert fake.errors == []


async def test_invalid_shard_is_closed_with_4010(fake: FakeDiscord) -> None:
    client = ShardedBot(shard_count=2, shard_ids=[2])
    with pytest.raises(discord.ConnectionClosed) as info:
        async with fake.run_client(client):
            pass
    assert info.value.code == 4010
    assert fake.identify_count == 0


async def test_threads_and_forum_posts_as_discord_py_sees_them(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    general = fake.channel("general")
    thread = await fake.create_thread(general, "fee-switch", user="bob")
    forum = await fake.create_forum("proposals")
    post, opening = await fake.create_forum_post(forum, "carol", "Grants cap", "Cap at 5%.")
    await _until(lambda: bot.get_channel(int(post.id)) is not None)

    guild = bot.get_guild(int(fake.guild.id))
    assert guild is not None
    cached_thread = guild.get_thread(int(thread.id))
    assert isinstance(cached_thread, discord.Thread)
    assert cached_thread.parent == guild.get_channel(int(general.id))
    assert cached_thread.owner_id == int(fake.user("bob").id)
    cached_forum = guild.get_channel(int(forum.id))
    assert isinstance(cached_forum, discord.ForumChannel)
    cached_post = guild.get_thread(int(post.id))
    assert cached_post is not None and cached_post.parent == cached_forum
    assert opening["id"] == post.id and opening["channel_id"] == post.id
    await _until(lambda: ("message", "Cap at 5%.") in bot.events)

    # Archiving drops a thread from discord.py's cache; the REST endpoints still list it.
    await fake.archive_thread(thread)
    await _until(lambda: guild.get_thread(int(thread.id)) is None)
    archived = [t async for t in cached_forum.archived_threads()]
    assert archived == []
    channel = guild.get_channel(int(general.id))
    assert isinstance(channel, discord.TextChannel)
    assert [t.id async for t in channel.archived_threads()] == [int(thread.id)]
    with pytest.raises(discord.Forbidden):  # private archives need Manage Threads
        [t async for t in channel.archived_threads(private=True)]
    active = {t.id for t in await guild.active_threads()}
    assert active == {int(fake.channel("treasury-rfc").id), int(post.id)}

    # Writing in an archived thread unarchives it (THREAD_UPDATE), as on Discord.
    await fake.post_user_message(thread, "alice", "reopened")
    await _until(lambda: guild.get_thread(int(thread.id)) is not None)
    assert [t async for t in channel.archived_threads()] == []


async def test_archived_threads_page_by_archive_time(fake: FakeDiscord, bot: SampleBot) -> None:
    general = fake.channel("general")
    threads = [await fake.create_thread(general, f"t{i}") for i in range(3)]
    for thread in threads:
        await fake.archive_thread(thread)
    first = await bot.http.get_public_archived_threads(general.id, limit=2)
    assert [t["id"] for t in first["threads"]] == [threads[2].id, threads[1].id]
    assert first["has_more"] is True
    before = first["threads"][-1]["thread_metadata"]["archive_timestamp"]
    rest = await bot.http.get_public_archived_threads(general.id, before=before, limit=2)
    assert [t["id"] for t in rest["threads"]] == [threads[0].id]
    assert rest["has_more"] is False
    channel = bot.get_channel(int(general.id))
    assert isinstance(channel, discord.TextChannel)
    assert [t.id async for t in channel.archived_threads(limit=None)] == [
        int(t.id) for t in reversed(threads)
    ]


async def test_user_messages_carry_attachments_mentions_and_replies(
    fake: FakeDiscord, bot: SampleBot
) -> None:
    general = fake.channel("general")
    steward = fake.guild.role("Steward")
    assert steward is not None
    member = fake.guild.member(fake.user("bob").id)
    assert member is not None
    member.nick = "Bobby"
    first = await fake.post_user_message(general, "alice", "question")
    content = f"<@{fake.user('bob').id}> <@&{steward.id}> <#{general.id}>"
    files = [{"filename": "a.pdf", "content_type": "application/pdf", "size": 10}]
    sent = await fake.post_user_message(
        general, "carol", content, attachments=files, reply_to=first["id"]
    )
    assert sent["type"] == 19 and sent["message_reference"]["message_id"] == first["id"]
    assert sent["mentions"][0]["member"]["nick"] == "Bobby"
    assert sent["mention_roles"] == [steward.id]
    channel = bot.get_channel(int(general.id))
    assert isinstance(channel, discord.TextChannel)
    message = await channel.fetch_message(int(sent["id"]))
    assert [(a.filename, a.content_type, a.size) for a in message.attachments] == [
        ("a.pdf", "application/pdf", 10)
    ]
    assert message.attachments[0].url.startswith(
        f"https://cdn.discordapp.com/attachments/{general.id}/"
    )
    assert [r.id for r in message.role_mentions] == [int(steward.id)]
    assert message.raw_channel_mentions == [int(general.id)]
    assert message.reference is not None and message.reference.message_id == int(first["id"])
    assert message.type == discord.MessageType.reply
