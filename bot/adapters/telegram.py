"""The Telegram front end: "/name args" commands on python-telegram-bot's Application.

Translation only. Arguments are parsed by the same parser as the console, so errors read the same;
a missing choice is offered as an inline keyboard; private replies go by direct message. Sends are
paced by PTB's AIORateLimiter (30 messages/s overall, 20/min per group).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Sequence
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeDefault,
    ChatMemberUpdated,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, InvalidToken, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.adapters import telegram_render
from bot.adapters.telegram_chat import TelegramChat, split_channel
from bot.adapters.telegram_forms import FormProgress, TelegramForms, prompt_html
from bot.app import App
from bot.commands.caller import Caller, Role, Space
from bot.commands.dispatch import CommandRequest, Outcome
from bot.commands.options import ChannelRef
from bot.commands.registry import parse_command_line
from bot.commands.reply import Reply, error_reply
from bot.errors import UpstreamError, UserError
from bot.events import MemberJoined
from bot.frontend import Health, MessageGone, MessageRef
from bot.settings import TelegramSettings

log = logging.getLogger(__name__)

_ROLE_OF_STATUS = {ChatMemberStatus.OWNER: Role.ADMIN, ChatMemberStatus.ADMINISTRATOR: Role.STEWARD}
_STATUS_TTL_SECONDS = 60.0
# How long an invite link to a gated group stays usable.
INVITE_SECONDS = 24 * 3600
_PENDING_LIMIT = 1000
_MEMBER_STATUSES = {
    ChatMemberStatus.OWNER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.MEMBER,
    ChatMemberStatus.RESTRICTED,
}


class TelegramFrontEnd:
    platform = "telegram"

    def __init__(self, app: App, settings: TelegramSettings) -> None:
        if settings.token is None:
            raise ValueError("TelegramFrontEnd needs a token")
        self._app = app
        self._settings = settings
        self._token = settings.token.get_secret_value()
        self._stopped = asyncio.Event()
        self._polling = False
        self._statuses: dict[tuple[int, int], tuple[float, Role]] = {}
        # Button presses carry a short token; the command line (and, for a member of several
        # communities writing in a DM, the community they picked) it stands for is kept here.
        self._pending: dict[str, tuple[str, str | None]] = {}
        self._forms = TelegramForms()
        self.chat = TelegramChat()
        self._build_application()

    def _build_application(self) -> None:
        """A fresh Application for each connection attempt, so a failed start can be retried."""
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(self._token)
            .base_url(self._settings.api_base)
            .base_file_url(self._settings.file_base)
            .rate_limiter(AIORateLimiter(max_retries=3))
            .concurrent_updates(True)
            .build()
        )
        for name in self._app.registry.top_level_names():
            self.application.add_handler(CommandHandler(name, self._on_command))
        self.application.add_handler(CallbackQueryHandler(self._on_button))
        # Joins come as chat_member updates, which Telegram sends to administrators only and
        # only when asked for (run() asks for every update type).
        self.application.add_handler(
            ChatMemberHandler(self._on_chat_member, ChatMemberHandler.CHAT_MEMBER)
        )
        said = filters.TEXT | filters.CAPTION | filters.ATTACHMENT
        topics = filters.StatusUpdate.FORUM_TOPIC_CREATED | filters.StatusUpdate.FORUM_TOPIC_EDITED
        group_chat = filters.ChatType.GROUPS & ~filters.COMMAND & (said | topics)
        # Replies may answer a form's prompt; those that do not are group chat as usual.
        self.application.add_handler(
            MessageHandler(filters.REPLY & filters.TEXT & ~filters.COMMAND, self._on_reply)
        )
        self.application.add_handler(MessageHandler(group_chat, self._on_group_message))
        self.application.add_error_handler(self._on_error)

    async def run(self) -> None:
        if self._stopped.is_set():
            return
        application = self.application
        try:
            await application.initialize()
            try:
                await self._publish_commands()
                await application.start()
                if application.updater is None:
                    raise RuntimeError("PTB application built without an updater")
                await application.updater.start_polling(
                    poll_interval=self._settings.poll_interval,
                    timeout=self._settings.poll_timeout,
                    allowed_updates=Update.ALL_TYPES,
                )
                self._polling = True
                await self._stopped.wait()
            finally:
                self._polling = False
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
                await application.shutdown()
        except InvalidToken as exc:
            raise UpstreamError("Telegram", "the bot token was refused", retryable=False) from exc
        except TelegramError as exc:
            raise UpstreamError("Telegram", f"cannot connect: {exc}") from exc
        finally:
            if not self._stopped.is_set():
                self._build_application()  # the next attempt starts from a clean Application

    async def stop(self) -> None:
        self._stopped.set()

    def health(self) -> Health:
        if not self._polling:
            return Health("telegram", False, "not polling")
        return Health("telegram", True, f"polling as @{self.application.bot.username}")

    async def post(
        self, channel: ChannelRef, reply: Reply, *, nonce: str | None = None
    ) -> list[MessageRef]:
        # The Bot API has no idempotency key; the outbox's lock and record keep posts single.
        try:
            chat_id, topic = split_channel(channel.id)
            return await self._send(chat_id, reply, topic=topic)
        except TelegramError as exc:
            raise _posting_failed(f"posting to chat {channel.id}", exc) from exc

    async def post_direct(
        self, user_id: str, reply: Reply, *, nonce: str | None = None
    ) -> list[MessageRef]:
        try:
            return await self._send(int(user_id), reply)
        except TelegramError as exc:
            raise _posting_failed(f"a direct message to {user_id}", exc) from exc

    async def edit_message(self, message: MessageRef, reply: Reply) -> None:
        """editMessageText with the reply's first HTML chunk and its keyboard. The first
        message of a post is always text (files follow it as documents), so a caption never
        needs editing; the reply's files are not sent."""
        chunk = telegram_render.render(reply)[0]
        try:
            await self.application.bot.edit_message_text(
                chunk,
                chat_id=int(message.channel_id),
                message_id=int(message.message_id),
                parse_mode=ParseMode.HTML,
                reply_markup=self._markup(reply),
                disable_web_page_preview=True,
            )
        except BadRequest as exc:
            if "not modified" in exc.message:
                return  # it says this already: an edit repeated after a crash
            if any(gone in exc.message.lower() for gone in _GONE):
                raise MessageGone("Telegram", f"message {message.message_id}: {exc}") from exc
            raise _posting_failed(f"editing message {message.message_id}", exc) from exc
        except Forbidden as exc:
            raise MessageGone("Telegram", f"message {message.message_id}: {exc}") from exc
        except TelegramError as exc:
            raise _posting_failed(f"editing message {message.message_id}", exc) from exc

    async def space_of(self, channel: ChannelRef) -> str | None:
        """A Telegram chat is its own space (and its topics'): it must be a chat the bot is in."""
        try:
            chat = await self.application.bot.get_chat(split_channel(channel.id)[0])
        except (TelegramError, ValueError):
            return None
        return str(chat.id)

    async def find_channels(self, space_id: str, name: str) -> list[ChannelRef]:
        """The chat itself when its title is `name`, and its forum topics of that name."""
        try:
            chat = await self.application.bot.get_chat(int(space_id))
        except (TelegramError, ValueError):
            return []
        return self.chat.find(chat, name)

    async def member_spaces(self, user_id: str, spaces: Sequence[str]) -> list[str]:
        found = []
        for space in spaces:
            try:
                member = await self.application.bot.get_chat_member(int(space), int(user_id))
            except (TelegramError, ValueError):
                continue
            if member.status in _MEMBER_STATUSES:
                found.append(space)
        return found

    async def _publish_commands(self) -> None:
        registry = self._app.registry

        def commands(role: Role) -> list[BotCommand]:
            listed = []
            for name in registry.top_level_names():
                spec = registry.get(name)
                members = [spec] if spec else registry.group_members(name)
                members = [m for m in members if m.requires <= role]
                if members:
                    text = spec.description if spec else f"{', '.join(m.path[-1] for m in members)}"
                    listed.append(BotCommand(name, text[:256]))
            return listed

        bot = self.application.bot
        await bot.set_my_commands(commands(Role.MEMBER), scope=BotCommandScopeDefault())
        await bot.set_my_commands(
            commands(Role.ADMIN), scope=BotCommandScopeAllChatAdministrators()
        )

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None or message.text is None or update.effective_user is None:
            return
        await self._run_line(update, message.text, reply_to=message)

    async def _on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        if message is None:
            return
        self.chat.learn(message)
        if message.from_user is None and message.sender_chat is None:
            return
        if self.chat.has_content(message):
            await self._app.events.publish(self.chat.translate(message))

    async def _on_chat_member(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.chat_member
        if change is None or not _joined(change) or change.new_chat_member.user.is_bot:
            return
        chat, user = change.chat, change.new_chat_member.user
        title = chat.title or ""
        joined = MemberJoined(
            "telegram",
            Space("telegram", str(chat.id), title),
            str(user.id),
            user.full_name,
            ChannelRef("telegram", str(chat.id), title),
        )
        await self._app.events.publish_join(joined)

    async def grant_role(
        self, space_id: str, user_id: str, role_id: str, *, reason: str = ""
    ) -> str | None:
        """The role is a gated group: a member already in it has it; anyone else gets a link
        that admits one person and expires, for the caller to send them in private."""
        bot = self.application.bot
        try:
            chat_id, member_id = int(role_id), int(user_id)
        except ValueError as exc:
            raise UpstreamError("Telegram", f"{role_id} is not a chat id", retryable=False) from exc
        try:
            member = await bot.get_chat_member(chat_id, member_id)
            if member.status in _MEMBER_STATUSES:
                return None
            link = await bot.create_chat_invite_link(
                chat_id,
                name=(reason or "Steward")[:32],
                expire_date=int(time.time()) + INVITE_SECONDS,
                member_limit=1,
            )
        except TelegramError as exc:
            raise _role_failed(f"an invite link to chat {role_id}", exc) from exc
        return str(link.invite_link)

    async def revoke_role(
        self, space_id: str, user_id: str, role_id: str, *, reason: str = ""
    ) -> None:
        """Out of the gated group, free to come back with a new link: banned, then unbanned."""
        bot = self.application.bot
        try:
            chat_id, member_id = int(role_id), int(user_id)
        except ValueError as exc:
            raise UpstreamError("Telegram", f"{role_id} is not a chat id", retryable=False) from exc
        try:
            await bot.ban_chat_member(chat_id, member_id)
            await bot.unban_chat_member(chat_id, member_id, only_if_banned=True)
        except TelegramError as exc:
            raise _role_failed(f"removing {user_id} from chat {role_id}", exc) from exc

    async def _on_reply(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        answered = message.reply_to_message if message is not None else None
        progress = None
        if message is not None and answered is not None and user is not None:
            progress = self._forms.answer(
                message.chat_id, answered.message_id, user.id, message.text or ""
            )
        if progress is None:
            if message is not None and message.chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
                await self._on_group_message(update, context)
            return
        if progress.next_field is not None:
            await self._ask(message.chat_id if message else user.id, progress)  # type: ignore[union-attr]
            return
        await self._run_line(update, progress.command_line(), reply_to=message)

    async def _ask(self, chat_id: int, progress: FormProgress) -> None:
        asked = progress.next_field
        if asked is None:
            return
        prompt = await self.application.bot.send_message(
            chat_id,
            prompt_html(progress, asked),
            parse_mode=ParseMode.HTML,
            reply_markup=ForceReply(selective=True, input_field_placeholder=asked.label[:64]),
        )
        self._forms.asked(chat_id, prompt.message_id, progress)

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        form = self._forms.offered(query.data)
        if form is not None and query.message is not None:
            await query.answer()
            await self._ask(query.message.chat.id, FormProgress(form, query.from_user.id))
            return
        pending = self._pending.get(query.data)
        if pending is None:
            await query.answer("This button has expired; run the command again.", show_alert=True)
            return
        line, chosen = pending
        await query.answer()
        message = query.message if isinstance(query.message, Message) else None
        await self._run_line(update, line, reply_to=message, edit=message, chosen=chosen)

    async def _run_line(
        self,
        update: Update,
        text: str,
        *,
        reply_to: Message | None,
        edit: Message | None = None,
        chosen: str | None = None,
    ) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        try:
            parsed = parse_command_line(self._app.registry, text, self.application.bot.username)
        except UserError as exc:
            await self._send(chat.id, error_reply(str(exc)), reply_to=reply_to)
            return
        if parsed is None:
            return
        is_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
        caller = Caller(
            "telegram",
            str(user.id),
            user.full_name,
            platform_role=await self._status_role(chat.id, user.id) if is_group else Role.MEMBER,
        )
        space = Space("telegram", str(chat.id) if is_group else "", chat.title or "Direct messages")
        message = update.effective_message
        if message is not None:
            self.chat.learn(message)
        # In a forum topic, the command's channel is the topic.
        channel = ChannelRef("telegram", str(chat.id), chat.title or "")
        if is_group and message is not None:
            channel = self.chat.channel(message)
        member_spaces: list[str] = []
        if space.is_direct:
            member_spaces = await self._app.member_spaces("telegram", caller.user_id)
        request = CommandRequest(
            spec=parsed.spec,
            caller=caller,
            space=space,
            channel=channel,
            positional=parsed.positional,
            keyword=parsed.keyword,
            member_spaces=member_spaces,
            chosen_community=chosen,
        )
        work = asyncio.create_task(self._app.dispatcher.run(request))
        done, _ = await asyncio.wait({work}, timeout=1.0)
        if not done:
            await self.application.bot.send_chat_action(chat.id, "typing")
        outcome = await work
        if outcome.communities:
            await self._offer_communities(chat.id, text, outcome)
        elif outcome.missing is not None and outcome.missing.choices:
            await self._offer_choices(chat.id, text, outcome, reply_to, chosen)
        elif outcome.private and is_group:
            # Telegram has no ephemeral messages: private answers, errors included, go by DM;
            # where the bot can't DM the member yet, the group gets the answer as a reply.
            await self._send_privately(chat.id, user.id, outcome, reply_to)
        else:
            await self._send(chat.id, outcome.reply, reply_to=reply_to, edit=edit)

    async def _offer_communities(self, chat_id: int, line: str, outcome: Outcome) -> None:
        buttons = []
        for slug, name in outcome.communities:
            token = secrets.token_urlsafe(8)
            self._remember(token, line, slug)
            buttons.append([InlineKeyboardButton(name[:60], callback_data=token)])
        await self.application.bot.send_message(
            chat_id,
            telegram_render.render(outcome.reply)[0],
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(buttons),
        )

    async def _offer_choices(
        self,
        chat_id: int,
        line: str,
        outcome: Outcome,
        reply_to: Message | None,
        chosen: str | None,
    ) -> None:
        param = outcome.missing
        if param is None:
            return
        buttons = []
        for choice in param.choices:
            token = secrets.token_urlsafe(8)
            self._remember(token, f"{line} {param.name}={choice}", chosen)
            buttons.append(InlineKeyboardButton(choice, callback_data=token))
        rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
        await self.application.bot.send_message(
            chat_id,
            telegram_render.markdown_to_html(f"Choose **{param.name}**:"),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(rows),
            reply_to_message_id=reply_to.message_id if reply_to else None,
        )

    async def _send_privately(
        self, chat_id: int, user_id: int, outcome: Outcome, reply_to: Message | None
    ) -> None:
        try:
            await self._send(user_id, outcome.reply)
        except (Forbidden, BadRequest):
            if not outcome.ok:
                await self._send(chat_id, outcome.reply, reply_to=reply_to)
                return
            username = self.application.bot.username
            notice = error_reply(
                f"I can't message you privately yet: open a chat with @{username}, press Start, "
                "then run the command again."
            )
            await self._send(chat_id, notice, reply_to=reply_to)

    async def _send(
        self,
        chat_id: int,
        reply: Reply,
        *,
        reply_to: Message | None = None,
        edit: Message | None = None,
        topic: int | None = None,
    ) -> list[MessageRef]:
        """Returns the messages sent (an edited one included), in order."""
        bot = self.application.bot
        chunks = telegram_render.render(reply)
        markup = self._markup(reply)
        sent: list[Message] = []
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            if index == 0 and edit is not None:
                await bot.edit_message_text(
                    chunk,
                    chat_id=chat_id,
                    message_id=edit.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup if last else None,
                )
                sent.append(edit)
                continue
            message = await bot.send_message(
                chat_id,
                chunk,
                parse_mode=ParseMode.HTML,
                reply_markup=markup if last else None,
                reply_to_message_id=reply_to.message_id if reply_to and index == 0 else None,
                disable_web_page_preview=True,
                message_thread_id=topic,
            )
            sent.append(message)
        for attachment in reply.files:
            document = await bot.send_document(
                chat_id,
                InputFile(attachment.data, filename=attachment.filename),
                caption=attachment.description[:1024] or None,
                message_thread_id=topic,
            )
            sent.append(document)
        return [MessageRef(str(m.chat_id), str(m.message_id)) for m in sent]

    def _markup(self, reply: Reply) -> InlineKeyboardMarkup | None:
        layout = telegram_render.keyboard(reply)
        rows = []
        for row in layout.rows if layout is not None else ():
            buttons = []
            for label, url, command in row:
                if url:
                    buttons.append(InlineKeyboardButton(label, url=url))
                elif command:
                    token = secrets.token_urlsafe(8)
                    self._remember(token, command, None)
                    buttons.append(InlineKeyboardButton(label, callback_data=token))
            rows.append(buttons)
        if reply.form is not None:
            token = secrets.token_urlsafe(8)
            self._forms.offer(token, reply.form)
            rows.append([InlineKeyboardButton(reply.form.label[:60], callback_data=token)])
        return InlineKeyboardMarkup(rows) if rows else None

    def _remember(self, token: str, line: str, community: str | None) -> None:
        if len(self._pending) >= _PENDING_LIMIT:
            self._pending.pop(next(iter(self._pending)))
        self._pending[token] = (line, community)

    async def _status_role(self, chat_id: int, user_id: int) -> Role:
        """Chat owners are admins and chat administrators stewards; cached for a minute."""
        now = time.monotonic()
        cached = self._statuses.get((chat_id, user_id))
        if cached and now - cached[0] < _STATUS_TTL_SECONDS:
            return cached[1]
        try:
            member = await self.application.bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            log.warning("could not read chat member status", extra={"error": str(exc)})
            return Role.MEMBER
        role = _ROLE_OF_STATUS.get(ChatMemberStatus(member.status), Role.MEMBER)
        self._statuses[(chat_id, user_id)] = (now, role)
        return role

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)


def _joined(change: ChatMemberUpdated) -> bool:
    """Someone who was not in the chat (left, removed, or restricted outside it) now is."""
    was, now = change.old_chat_member, change.new_chat_member
    was_in = was.status in _MEMBER_STATUSES and getattr(was, "is_member", True)
    is_in = now.status in _MEMBER_STATUSES and getattr(now, "is_member", True)
    return is_in and not was_in


def _role_failed(what: str, exc: TelegramError) -> UpstreamError:
    if isinstance(exc, BadRequest | Forbidden):
        return UpstreamError(
            "Telegram",
            f"{what} failed: {exc.message}; the bot must be an administrator of that chat "
            "allowed to invite users and ban users",
            retryable=False,
        )
    return UpstreamError("Telegram", f"{what} failed: {exc}")


# What the Bot API says when a message cannot be edited any more (deleted; not the bot's).
_GONE = ("message to edit not found", "message can't be edited", "no text in the message")


def _posting_failed(what: str, exc: TelegramError) -> UpstreamError:
    """Blocked by the member, kicked from the chat or a chat that is gone will not pass soon."""
    refused = isinstance(exc, Forbidden | BadRequest)
    return UpstreamError("Telegram", f"{what} failed: {exc}", retryable=not refused)
