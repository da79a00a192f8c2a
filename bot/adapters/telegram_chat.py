"""Telegram messages as chat events: forum topics, attachments, mentions and message links.

Translation only. A forum topic is a channel of its own, "<chat id>/<message_thread_id>", whose
parent is the chat; its name comes from the service message that created or renamed it, which
Telegram also attaches to every topic message that answers nothing else (`reply_to_message`).
Names seen are kept in memory; a topic not seen yet has an empty name, never its id.
"""

from __future__ import annotations

from collections import OrderedDict

from telegram import Chat, Message, MessageEntity

from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.events import Attachment, ChatMessage, Mention
from bot.frontend import channel_name_key

# Topic names remembered, newest kept.
KNOWN_TOPICS = 5000


class TelegramChat:
    def __init__(self) -> None:
        self._topics: OrderedDict[tuple[int, int], str] = OrderedDict()

    def learn(self, message: Message) -> None:
        """Topic names from a topic's creation or renaming; failing those, from the topic's
        first message that Telegram attaches to topic messages (its name at creation, so it
        never overrides a name already known: a rename may have followed)."""
        created, edited = message.forum_topic_created, message.forum_topic_edited
        name = created.name if created else (edited.name if edited else None)
        if name and message.message_thread_id is not None:
            self._remember((message.chat.id, message.message_thread_id), name)
        first = message.reply_to_message
        if first is not None and first.forum_topic_created and first.message_thread_id:
            key = (first.chat.id, first.message_thread_id)
            if key not in self._topics:
                self._remember(key, first.forum_topic_created.name)

    def _remember(self, key: tuple[int, int], name: str) -> None:
        self._topics[key] = name
        self._topics.move_to_end(key)
        while len(self._topics) > KNOWN_TOPICS:
            self._topics.popitem(last=False)

    def topic(self, message: Message) -> int | None:
        """The forum topic a message was posted in (None: the chat itself, or its General
        topic, which Telegram does not mark)."""
        return message.message_thread_id if message.is_topic_message else None

    def channel(self, message: Message) -> ChannelRef:
        chat = message.chat
        topic = self.topic(message)
        if topic is None:
            return ChannelRef("telegram", str(chat.id), chat.title or "")
        return ChannelRef("telegram", f"{chat.id}/{topic}", self._topics.get((chat.id, topic), ""))

    @staticmethod
    def has_content(message: Message) -> bool:
        return bool(message.text or message.caption or _attachments(message, ""))

    def translate(self, message: Message) -> ChatMessage:
        chat = message.chat
        topic = self.topic(message)
        user, sender_chat = message.from_user, message.sender_chat
        if sender_chat is not None:  # an anonymous admin or a linked channel writes as a chat
            author_id, author_name = str(sender_chat.id), sender_chat.title or ""
        else:
            author_id = str(user.id) if user else ""
            author_name = user.full_name if user else ""
        reply = message.reply_to_message
        # In a topic, a message answering nothing carries the topic's first message: no reply.
        answers = reply is not None and not (topic is not None and reply.message_id == topic)
        link = _link(message)
        return ChatMessage(
            platform="telegram",
            space=Space("telegram", str(chat.id), chat.title or ""),
            channel=self.channel(message),
            parent=ChannelRef("telegram", str(chat.id), chat.title or "") if topic else None,
            channel_kind="topic" if topic else "channel",
            message_id=str(message.message_id),
            author_id=author_id,
            author_name=author_name,
            text=message.text or message.caption or "",
            created_at=message.date,
            edited_at=message.edit_date,
            reply_to=str(reply.message_id) if reply is not None and answers else None,
            url=link,
            attachments=_attachments(message, link),
            mentions=_mentions(message),
        )

    def find(self, chat: Chat, name: str) -> list[ChannelRef]:
        """The chat when its title is `name`, and its topics of that name seen so far."""
        wanted = channel_name_key(name)
        found = []
        if chat.title and channel_name_key(chat.title) == wanted:
            found.append(ChannelRef("telegram", str(chat.id), chat.title))
        for (chat_id, topic), topic_name in self._topics.items():
            if chat_id == chat.id and channel_name_key(topic_name) == wanted:
                found.append(ChannelRef("telegram", f"{chat_id}/{topic}", topic_name))
        return found


def split_channel(channel_id: str) -> tuple[int, int | None]:
    """(chat id, topic) of a channel id: "<chat>" or "<chat>/<message_thread_id>"."""
    chat, _, topic = channel_id.partition("/")
    return int(chat), int(topic) if topic else None


def _link(message: Message) -> str:
    """t.me/<username>/<id> or t.me/c/<internal id>/<id>, with the topic where there is one;
    basic groups and private chats have no message links."""
    link = message.link or ""
    # PTB adds "?thread=" for any reply, also when Telegram gave the reply no thread.
    return link.removesuffix("?thread=None")


def _attachments(message: Message, link: str) -> tuple[Attachment, ...]:
    """Files sent with the message, by name, type and size. The Bot API's file URLs contain
    the bot's token, so the link given is the message's own (empty where chats have none)."""
    found = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.file_size or 0, p.width * p.height))
        found.append(Attachment("photo.jpg", "image/jpeg", largest.file_size or 0, link))
    # An animation also fills `document` (older clients): one attachment, not two.
    if message.animation is not None:
        media = message.animation
        found.append(
            Attachment(
                media.file_name or "animation.mp4",
                media.mime_type or "video/mp4",
                media.file_size or 0,
                link,
            )
        )
    elif message.document is not None:
        document = message.document
        found.append(
            Attachment(
                document.file_name or "document",
                document.mime_type or "",
                document.file_size or 0,
                link,
            )
        )
    if message.video is not None:
        video = message.video
        name, kind = video.file_name or "video.mp4", video.mime_type or "video/mp4"
        found.append(Attachment(name, kind, video.file_size or 0, link))
    if message.audio is not None:
        audio = message.audio
        name, kind = audio.file_name or "audio", audio.mime_type or "audio/mpeg"
        found.append(Attachment(name, kind, audio.file_size or 0, link))
    if message.voice is not None:
        voice = message.voice
        kind = voice.mime_type or "audio/ogg"
        found.append(Attachment("voice.ogg", kind, voice.file_size or 0, link))
    return tuple(found)


def _mentions(message: Message) -> tuple[Mention, ...]:
    """@username mentions as written (id "@username": Telegram gives no user id for them) and
    text mentions of members without a username (their id and name)."""
    kinds: list[str | None] = [MessageEntity.MENTION, MessageEntity.TEXT_MENTION]
    if message.text:
        entities = message.parse_entities(kinds)
    else:
        entities = message.parse_caption_entities(kinds)
    found = []
    for entity, written in sorted(entities.items(), key=lambda item: item[0].offset):
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            found.append(Mention(str(entity.user.id), entity.user.full_name, "user"))
        elif entity.type == MessageEntity.MENTION:
            found.append(Mention(written, written.removeprefix("@"), "user"))
    return tuple(dict.fromkeys(found))
