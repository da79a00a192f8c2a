"""The Discord front end: every CommandSpec becomes a real slash command.

Translation only: options arrive typed from Discord and go to the core's dispatcher; the reply is
rendered by discord_render. Interactions must be acknowledged within 3 seconds, so a command
declared slow is deferred at once, and any other command is deferred if it is not done in time.
"""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any, cast

import discord
import yarl
from discord import app_commands

from bot.adapters import discord_render
from bot.adapters.discord_chat import DiscordChat
from bot.adapters.discord_components import FormBook, modal_for, read_press
from bot.app import App
from bot.commands.caller import Caller, Role, Space
from bot.commands.dispatch import CommandRequest, Outcome
from bot.commands.invocation import Invocation
from bot.commands.options import ChannelRef, Kind, MemberRef
from bot.commands.registry import ParsedLine, parse_command_line
from bot.commands.reply import Reply, error_reply
from bot.commands.spec import CommandSpec, Param
from bot.errors import UpstreamError, UserError
from bot.events import ChatMessage, MemberJoined
from bot.frontend import Health, MessageGone, MessageRef
from bot.settings import DiscordSettings

log = logging.getLogger(__name__)

# Discord drops an interaction not acknowledged within 3 s; leave room for the round trip.
DEFER_AFTER_SECONDS = 1.5


def _client(shards: int, on_setup: Callable[[], Awaitable[None]], **options: Any) -> discord.Client:
    """discord.py's client, over several gateway shards when `discord.shards` asks for them;
    `on_setup` runs in its setup hook (command sync, before the first event)."""
    base: type[discord.Client] = discord.AutoShardedClient if shards > 1 else discord.Client
    if shards > 1:
        options["shard_count"] = shards

    class Client(base):  # type: ignore[valid-type,misc]
        async def setup_hook(self) -> None:
            await on_setup()

    return Client(**options)


class DiscordFrontEnd:
    platform = "discord"

    def __init__(self, app: App, settings: DiscordSettings) -> None:
        if settings.token is None:
            raise ValueError("DiscordFrontEnd needs a token")
        self._app = app
        self._settings = settings
        self._token = settings.token.get_secret_value()
        if settings.api_base:
            discord.http.Route.BASE = settings.api_base
        if settings.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
        self.interactions_answered = 0
        # Forms offered in replies, for their buttons to open (see discord_components).
        self._forms = FormBook()
        self._build_client()

    def _build_client(self) -> None:
        """A fresh client for each connection attempt: a closed discord.py client can't restart."""
        intents = discord.Intents.default()
        intents.message_content = self._settings.read_messages
        intents.members = self._settings.member_events
        options: dict[str, Any] = {
            "intents": intents,
            # Members are fetched when needed; loading every guild's list at start is not.
            "chunk_guilds_at_startup": False,
            "guild_ready_timeout": self._settings.ready_timeout,
            "allowed_mentions": discord.AllowedMentions.none(),
        }
        client = _client(self._settings.shards, self._sync_commands, **options)
        self.client = client
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
        self.tree.error(self._on_tree_error)
        for command in build_commands(self._app, self._handle):
            self.tree.add_command(command)
        self.chat = DiscordChat(client)
        client.event(self.on_message)
        client.event(self.on_raw_message_edit)
        client.event(self.on_raw_message_delete)
        client.event(self.on_member_join)
        client.event(self.on_interaction)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Presses of the buttons, menus and forms our replies carry (slash commands are the
        command tree's)."""
        pressed = read_press(interaction, self._forms)
        if pressed is None:
            return
        if pressed.expired:
            notice = error_reply("This form has expired; run the command again.")
            await self._respond(interaction, None, Outcome(notice, private=True, ok=False))
        elif pressed.form is not None:
            await interaction.response.send_modal(modal_for(pressed.form, pressed.form_token))
        elif pressed.line is not None:
            await self._run_line(interaction, pressed.line)

    async def _run_line(self, interaction: discord.Interaction, line: str) -> None:
        """A command line a press stands for, run as the member who pressed."""
        try:
            parsed = parse_command_line(self._app.registry, line)
        except UserError as exc:
            await self._respond(interaction, None, Outcome(error_reply(str(exc)), True, False))
            return
        if parsed is None:
            return
        await self._handle(interaction, parsed.spec, {}, parsed=parsed)

    async def on_message(self, message: discord.Message) -> None:
        if self.chat.is_chat(message):
            await self._app.events.publish(await self.chat.message(message))

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        if payload.guild_id is not None and self.chat.is_chat(payload.message):
            await self._app.events.publish(await self.chat.message(payload.message))

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is not None:
            await self._app.events.publish(self.chat.deleted(payload))

    async def on_member_join(self, member: discord.Member) -> None:
        if member.bot:
            return
        guild = member.guild
        welcome = guild.system_channel
        channel = None
        if welcome is not None and welcome.permissions_for(guild.me).send_messages:
            channel = ChannelRef("discord", str(welcome.id), f"#{welcome.name}")
        joined = MemberJoined(
            "discord",
            Space("discord", str(guild.id), guild.name),
            str(member.id),
            member.display_name,
            channel,
        )
        await self._app.events.publish_join(joined)

    async def grant_role(
        self, space_id: str, user_id: str, role_id: str, *, reason: str = ""
    ) -> str | None:
        await self._change_role(space_id, user_id, role_id, grant=True, reason=reason)
        return None

    async def revoke_role(
        self, space_id: str, user_id: str, role_id: str, *, reason: str = ""
    ) -> None:
        await self._change_role(space_id, user_id, role_id, grant=False, reason=reason)

    async def _change_role(
        self, space_id: str, user_id: str, role_id: str, *, grant: bool, reason: str
    ) -> None:
        """PUT or DELETE /guilds/{guild}/members/{user}/roles/{role}, the reason in the audit
        log."""
        if not (space_id.isdigit() and user_id.isdigit() and role_id.isdigit()):
            raise UpstreamError(
                "Discord", f"role {role_id} of {space_id}: not Discord ids", retryable=False
            )
        guild = self.client.get_guild(int(space_id))
        if guild is None:
            raise UpstreamError("Discord", f"the bot is not in guild {space_id}", retryable=False)
        role = guild.get_role(int(role_id))
        name = f"role {role.name!r}" if role is not None else f"role {role_id}"
        change = self.client.http.add_role if grant else self.client.http.remove_role
        try:
            await change(guild.id, int(user_id), int(role_id), reason=reason[:512] or None)
        except discord.Forbidden as exc:
            me = guild.me
            top = me.top_role.name if me is not None else "its role"
            raise UpstreamError(
                "Discord",
                f"may not {'give' if grant else 'take'} {name} in {guild.name}: the bot needs "
                f"Manage Roles, and its own highest role ({top}) must be above {name} in the "
                f"server's role list ({exc.text or exc.status})",
                retryable=False,
            ) from exc
        except discord.NotFound as exc:
            raise UpstreamError(
                "Discord", f"{name} or member {user_id} not found in {guild.name}", retryable=False
            ) from exc
        except discord.HTTPException as exc:
            raise UpstreamError("Discord", f"changing {name} failed: {exc}") from exc

    async def history(self, channel: ChannelRef, after: str | None) -> AsyncIterator[ChatMessage]:
        """The channel's messages after `after`, with those of its threads (a forum channel's
        posts), oldest first."""
        if not channel.id.isdigit():
            raise UserError(f"{channel.display or channel.id} is not a Discord channel")
        try:
            target = self.client.get_channel(int(channel.id)) or await self.chat.lookup(
                None, int(channel.id)
            )
            if target is None:
                raise UserError(f"I cannot see channel {channel.display or channel.id}")
            if not isinstance(target, discord.abc.Messageable | discord.ForumChannel):
                raise UserError(f"{channel.display or channel.id} has no messages to read")
            async for message in self.chat.history(target, int(after) if after else None):
                yield self.chat.translate(message)
        except discord.HTTPException as exc:
            raise UpstreamError("Discord", f"channel {channel.id}: {exc}") from exc

    async def find_channels(self, space_id: str, name: str) -> list[ChannelRef]:
        return self.chat.find_channels(space_id, name)

    async def _sync_commands(self) -> None:
        if self._settings.guild_ids:
            for guild_id in self._settings.guild_ids:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
            # Guild copies appear at once; direct messages see global commands only, so those
            # are published too, for DMs alone (else guilds would list every command twice).
            self.tree.allowed_contexts = app_commands.AppCommandContext(
                guild=False, dm_channel=True, private_channel=False
            )
        await self.tree.sync()

    async def run(self) -> None:
        if self.client.is_closed():
            self._build_client()
        try:
            async with self.client:
                await self.client.start(self._token)
        except discord.LoginFailure as exc:
            raise UpstreamError("Discord", f"the bot token was refused ({exc})") from exc
        except (discord.HTTPException, discord.GatewayNotFound, OSError) as exc:
            raise UpstreamError("Discord", f"cannot connect: {exc}") from exc

    async def stop(self) -> None:
        await self.client.close()

    async def wait_ready(self) -> None:
        await self.client.wait_until_ready()

    def health(self) -> Health:
        if not self.client.is_ready() or self.client.is_closed():
            return Health("discord", False, "not connected")
        latency = self.client.latency
        ping = f"{latency * 1000:.0f} ms" if latency == latency else "n/a"  # NaN before first ACK
        shards = f", {self._settings.shards} shards" if self._settings.shards > 1 else ""
        return Health("discord", True, f"{len(self.client.guilds)} guilds{shards}, gateway {ping}")

    async def post(
        self, channel: ChannelRef, reply: Reply, *, nonce: str | None = None
    ) -> list[MessageRef]:
        try:
            target = self.client.get_channel(int(channel.id))
            if target is None:
                target = await self.client.fetch_channel(int(channel.id))
            if not isinstance(target, discord.abc.Messageable):
                raise UpstreamError(
                    "Discord", f"channel {channel.id} cannot receive messages", retryable=False
                )
            return await _send_all(target.send, reply, nonce, self._forms)
        except discord.HTTPException as exc:
            raise _posting_failed(f"posting to channel {channel.id}", exc) from exc

    async def start_thread(
        self, channel: ChannelRef, name: str, reply: Reply, *, nonce: str | None = None
    ) -> ChannelRef | None:
        """A new post in a forum channel, its first message the reply's first part (Discord
        takes no nonce for a new post; the outbox remembers the thread once it is open)."""
        try:
            target = self.client.get_channel(int(channel.id))
            if target is None:
                target = await self.client.fetch_channel(int(channel.id))
            if not isinstance(target, discord.ForumChannel):
                return None
            messages = discord_render.render(reply)
            opened = await target.create_thread(
                name=name[:100] or "Announcements",
                **_message_kwargs(reply, messages[0], first=True),
            )
            for index, message in enumerate(messages[1:], start=1):
                kwargs = _message_kwargs(reply, message, first=False)
                if nonce is not None:
                    kwargs["nonce"] = _part_nonce(nonce, index)
                await opened.thread.send(**kwargs)
            return ChannelRef(self.platform, str(opened.thread.id))
        except discord.HTTPException as exc:
            raise _posting_failed(f"opening a post in forum {channel.id}", exc) from exc

    async def post_direct(
        self, user_id: str, reply: Reply, *, nonce: str | None = None
    ) -> list[MessageRef]:
        try:
            user = self.client.get_user(int(user_id)) or await self.client.fetch_user(int(user_id))
            channel = user.dm_channel or await user.create_dm()
            return await _send_all(channel.send, reply, nonce, self._forms)
        except discord.HTTPException as exc:
            raise _posting_failed(f"a direct message to {user_id}", exc) from exc

    async def edit_message(self, message: MessageRef, reply: Reply) -> None:
        """PATCH /channels/{channel}/messages/{id}: the reply's first message (embed, mention
        line, buttons); its files are not sent."""
        rendered = discord_render.render(replace(reply, files=()), self._forms)[0]
        kwargs = _message_kwargs(reply, rendered, first=True)
        kwargs.setdefault("content", None)  # no mention line now: remove the earlier one
        kwargs.setdefault("view", None)  # no buttons now: remove the earlier ones
        target = self.client.get_partial_messageable(int(message.channel_id))
        try:
            await target.get_partial_message(int(message.message_id)).edit(**kwargs)
        except discord.NotFound as exc:
            raise MessageGone("Discord", f"message {message.message_id} is gone: {exc}") from exc
        except discord.Forbidden as exc:
            raise MessageGone("Discord", f"cannot edit {message.message_id}: {exc}") from exc
        except discord.HTTPException as exc:
            raise _posting_failed(f"editing message {message.message_id}", exc) from exc

    async def space_of(self, channel: ChannelRef) -> str | None:
        if not channel.id.isdigit():
            return None
        try:
            found = self.client.get_channel(int(channel.id)) or await self.client.fetch_channel(
                int(channel.id)
            )
        except discord.HTTPException:
            return None
        guild = getattr(found, "guild", None)
        return str(guild.id) if guild is not None else None

    async def member_spaces(self, user_id: str, spaces: Sequence[str]) -> list[str]:
        found = []
        for space in spaces:
            guild = self.client.get_guild(int(space)) if space.isdigit() else None
            if guild is None:
                continue
            member = guild.get_member(int(user_id))
            if member is None:
                try:
                    member = await guild.fetch_member(int(user_id))
                except discord.HTTPException:
                    continue  # 404 Unknown Member: not in this guild
            found.append(space)
        return found

    async def _handle(
        self,
        interaction: discord.Interaction,
        spec: CommandSpec,
        values: dict[str, Any],
        chosen: str | None = None,
        parsed: ParsedLine | None = None,
    ) -> None:
        """Run a command: from a slash command's typed `values`, or from a `parsed` line (a
        button press)."""
        space = _space(interaction)
        caller = _caller(interaction)
        member_spaces: list[str] = []
        if space.is_direct:
            member_spaces = await self._app.member_spaces("discord", caller.user_id)
        request = CommandRequest(
            spec=spec,
            caller=caller,
            space=space,
            channel=_channel_ref(interaction.channel),
            positional=parsed.positional if parsed else [],
            keyword=(
                dict(parsed.keyword)
                if parsed
                else {k: _to_core(v) for k, v in values.items() if v is not None}
            ),
            member_spaces=member_spaces,
            chosen_community=chosen,
        )
        if spec.slow:
            await interaction.response.defer(ephemeral=spec.private, thinking=True)
        work = asyncio.create_task(self._app.dispatcher.run(request))
        if not spec.slow:
            done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER_SECONDS)
            if not done:
                await interaction.response.defer(ephemeral=spec.private, thinking=True)
        outcome = await work
        await self._respond(interaction, spec, outcome, self._choice_view(spec, values, outcome))
        self.interactions_answered += 1

    def _choice_view(
        self, spec: CommandSpec, values: dict[str, Any], outcome: Outcome
    ) -> discord.ui.View | None:
        """Buttons to pick a community, for a member of several who wrote in a direct message."""
        if not outcome.communities:
            return None
        view = discord.ui.View(timeout=600)
        for slug, name in outcome.communities[:25]:
            button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
                label=name[:80], custom_id=f"steward:community:{secrets.token_urlsafe(8)}"
            )
            button.callback = self._choose(spec, values, slug)  # type: ignore[method-assign,assignment]
            view.add_item(button)
        return view

    def _choose(
        self, spec: CommandSpec, values: dict[str, Any], slug: str
    ) -> Callable[[discord.Interaction], Coroutine[Any, Any, None]]:
        async def chosen(interaction: discord.Interaction) -> None:
            await self._handle(interaction, spec, values, chosen=slug)

        return chosen

    async def _respond(
        self,
        interaction: discord.Interaction,
        spec: CommandSpec | None,
        outcome: Outcome,
        view: discord.ui.View | None = None,
    ) -> None:
        private = outcome.private
        messages = discord_render.render(outcome.reply, self._forms)
        if view is not None:
            messages[-1].view = view
        if not interaction.response.is_done():
            head, rest = messages[0], messages[1:]
            await interaction.response.send_message(
                ephemeral=private, **_message_kwargs(outcome.reply, head, first=True)
            )
        elif private and not (spec is not None and spec.private):
            # The deferred "thinking…" placeholder is public; a private answer must not replace
            # it, so it goes out as ephemeral follow-ups instead.
            await interaction.delete_original_response()
            rest = messages
        else:
            head, rest = messages[0], messages[1:]
            kwargs = _message_kwargs(outcome.reply, head, first=True)
            kwargs["attachments"] = kwargs.pop("files", [])
            await interaction.edit_original_response(**kwargs)
        for message in rest:
            await interaction.followup.send(
                ephemeral=private, **_message_kwargs(outcome.reply, message, first=False)
            )

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        incident = secrets.token_hex(4)
        log.error("discord interaction failed", exc_info=error, extra={"incident": incident})
        if not interaction.response.is_done():
            await interaction.response.send_message(
                f"Discord could not run that command ({type(error).__name__}); stewards can "
                f"trace it as incident {incident}.",
                ephemeral=True,
            )


# Discord's answer to a create-message whose nonce names a message that was since deleted.
UNKNOWN_MESSAGE = 10008


async def _send_all(
    send: Callable[..., Awaitable[Any]],
    reply: Reply,
    nonce: str | None = None,
    forms: FormBook | None = None,
) -> list[MessageRef]:
    posted = []
    for index, message in enumerate(discord_render.render(reply, forms)):
        kwargs = _message_kwargs(reply, message, first=index == 0)
        if nonce is not None:
            # discord.py sends enforce_nonce with it: Discord returns the earlier message
            # instead of creating a second one within its window.
            kwargs["nonce"] = nonce if index == 0 else _part_nonce(nonce, index)
        try:
            sent = await send(**kwargs)
        except discord.NotFound as exc:
            if nonce is None or exc.code != UNKNOWN_MESSAGE:
                raise
            # The earlier post with this nonce went out and a moderator deleted it: delivered.
            continue
        posted.append(MessageRef(str(sent.channel.id), str(sent.id)))
    return posted


def _part_nonce(nonce: str, index: int) -> str:
    return hashlib.blake2b(f"{nonce}#{index}".encode(), digest_size=12).hexdigest()[:25]


def _posting_failed(what: str, exc: discord.HTTPException) -> UpstreamError:
    """403 (no access) and 404 (deleted channel, unknown user) will not pass by retrying soon."""
    refused = exc.status in (400, 403, 404)
    return UpstreamError("Discord", f"{what} failed: {exc}", retryable=not refused)


def _message_kwargs(
    reply: Reply, message: discord_render.DiscordMessage, *, first: bool
) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "embed": message.embed,
        "allowed_mentions": discord_render.allowed_mentions(reply),
    }
    content = discord_render.mention_content(reply) if first else None
    if content:
        kwargs["content"] = content
    if message.view is not None:
        kwargs["view"] = message.view
    if message.files:
        kwargs["files"] = message.files
    return kwargs


def build_commands(
    app: App, handle: Handle
) -> list[app_commands.Command[Any, ..., Any] | app_commands.Group]:
    """One app command per spec; multi-word names become (nested) command groups."""
    roots: dict[str, app_commands.Group] = {}
    top: list[app_commands.Command[Any, ..., Any] | app_commands.Group] = []
    for spec in app.registry:
        *groups, leaf = spec.path
        parent: app_commands.Group | None = None
        for depth, name in enumerate(groups):
            key = " ".join(groups[: depth + 1])
            if key not in roots:
                roots[key] = app_commands.Group(
                    name=name, description=f"{name} commands", parent=parent
                )
                if parent is None:
                    top.append(roots[key])
            parent = roots[key]
        command: app_commands.Command[Any, ..., None] = app_commands.Command(
            name=leaf,
            description=spec.description,
            callback=cast(Any, _callback(app, spec, handle)),
            parent=parent,
        )
        if parent is None:
            top.append(command)
        else:
            parent.add_command(command)
    return top


Handle = Callable[[discord.Interaction, CommandSpec, dict[str, Any]], Awaitable[None]]
_POSITIONAL = inspect.Parameter.POSITIONAL_OR_KEYWORD


def _callback(app: App, spec: CommandSpec, handle: Handle) -> Callable[..., Awaitable[None]]:
    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        await handle(interaction, spec, values)

    # discord.py reads options from the callback's signature: build it from the spec.
    parameters = [inspect.Parameter("interaction", _POSITIONAL, annotation=discord.Interaction)]
    parameters += [
        inspect.Parameter(
            p.name,
            _POSITIONAL,
            annotation=_annotation(p),
            default=inspect.Parameter.empty if p.required else None,
        )
        for p in spec.params
    ]
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = "steward_" + "_".join(spec.path)
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        p.name: p.description[:100] for p in spec.params
    }
    choices = {
        p.name: [app_commands.Choice(name=c, value=c) for c in p.choices]
        for p in spec.params
        if p.choices and len(p.choices) <= 25 and p.autocomplete is None
    }
    if choices:
        callback.__discord_app_commands_param_choices__ = choices  # type: ignore[attr-defined]
    completers = {
        p.name: _completer(app, spec, p)
        for p in spec.params
        if p.autocomplete is not None or len(p.choices) > 25
    }
    if completers:
        callback.__discord_app_commands_param_autocomplete__ = completers  # type: ignore[attr-defined]
    return callback


def _completer(app: App, spec: CommandSpec, param: Param) -> Callable[..., Awaitable[Any]]:
    async def complete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        if param.autocomplete is None:
            options = [c for c in param.choices if current.lower() in c.lower()]
        else:
            if interaction.guild_id is None:
                return []  # in a direct message there is no community to complete from
            community = await app.communities.resolve(*_space_key(interaction))
            caller = _caller(interaction)
            invocation = Invocation(
                spec=spec,
                community=community,
                caller=caller,
                role=community.role_of(caller),
                channel=_channel_ref(interaction.channel),
                feature=app.dispatcher.runtime_for(spec),
            )
            options = list(await param.autocomplete(invocation, current))
        return [app_commands.Choice(name=o[:100], value=o[:100]) for o in options[:25]]

    return complete


def _annotation(param: Param) -> Any:
    if param.kind == Kind.INTEGER:
        if param.min is not None or param.max is not None:
            return app_commands.Range[int, param.min, param.max]
        return int
    if param.kind == Kind.BOOLEAN:
        return bool
    if param.kind == Kind.MEMBER:
        return discord.User
    if param.kind == Kind.CHANNEL:
        return discord.abc.GuildChannel | discord.Thread
    if param.kind == Kind.STRING and param.max_length:
        return app_commands.Range[str, 1, param.max_length]
    return str


def _to_core(value: Any) -> Any:
    if isinstance(value, discord.abc.User):
        return MemberRef("discord", str(value.id), value.display_name)
    if isinstance(value, discord.abc.GuildChannel | discord.Thread):
        return ChannelRef("discord", str(value.id), f"#{value.name}")
    return value


def _caller(interaction: discord.Interaction) -> Caller:
    user = interaction.user
    role_ids: frozenset[str] = frozenset()
    platform_role = Role.MEMBER
    if isinstance(user, discord.Member):
        role_ids = frozenset(str(role.id) for role in user.roles)
        permissions = user.guild_permissions
        if permissions.administrator or permissions.manage_guild:
            platform_role = Role.ADMIN
    return Caller("discord", str(user.id), user.display_name, platform_role, role_ids)


def _space(interaction: discord.Interaction) -> Space:
    return Space(*_space_key(interaction))


def _space_key(interaction: discord.Interaction) -> tuple[str, str, str]:
    if interaction.guild_id is None:
        return "discord", "", "Direct messages"  # the member's own communities, see dispatch
    name = interaction.guild.name if interaction.guild else f"Guild {interaction.guild_id}"
    return "discord", str(interaction.guild_id), name


def _channel_ref(channel: Any) -> ChannelRef | None:
    if channel is None:
        return None
    name = getattr(channel, "name", None)
    return ChannelRef("discord", str(channel.id), f"#{name}" if name else "")
