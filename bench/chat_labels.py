"""The labelled chat windows of bench/eval/chat/ (and chat-heldout/): loaded, checked, and
turned into what the chat ingest hands the summarizer. See bench/eval/README.md, "Chat set"."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from bench.summary_quality import STANCES, split_sentences
from summarizer.schema import PostInput

CHAT_DIR = Path(__file__).parent / "eval" / "chat"
CHAT_HELDOUT_DIR = Path(__file__).parent / "eval" / "chat-heldout"
CHAT_HELDOUT_2_DIR = Path(__file__).parent / "eval" / "chat-heldout-2"
# The third blind chat set: labelled by hand apart from the summarizer, never scored by its writer.
CHAT_HELDOUT_3_DIR = Path(__file__).parent / "eval" / "chat-heldout-3"
# The fourth blind chat set: labelled by yet another hand, never scored by its writer.
CHAT_HELDOUT_4_DIR = Path(__file__).parent / "eval" / "chat-heldout-4"
PLATFORMS = ("discord", "telegram")


@dataclass(frozen=True)
class ChatMessage:
    id: int
    author: str
    created_at: str
    text: str
    reply_to: int | None


@dataclass(frozen=True)
class ChatStance:
    message: int
    text: str
    stance: str


@dataclass(frozen=True)
class ChatDecision:
    message: int
    text: str
    by: str


@dataclass(frozen=True)
class ChatActionItem:
    message: int
    text: str
    owner: str


@dataclass(frozen=True)
class ChatQuestion:
    message: int
    text: str
    answered_by: int | None


@dataclass(frozen=True)
class ChatTopicLabels:
    messages: tuple[int, ...]
    motion: str | None
    stances: tuple[ChatStance, ...]
    decisions: tuple[ChatDecision, ...]
    action_items: tuple[ChatActionItem, ...]
    questions: tuple[ChatQuestion, ...]


@dataclass(frozen=True)
class ChatWindow:
    path: Path
    title: str
    provenance: str
    platform: str
    messages: tuple[ChatMessage, ...]
    topics: tuple[ChatTopicLabels, ...]
    # Discord mention ids to names, as the platform's mention objects carry them ("<@id>" in a
    # message is "@name" to a reader); Telegram's "@username" needs none.
    people: dict[str, str] = field(default_factory=dict)

    def message(self, message_id: int) -> ChatMessage:
        return next(m for m in self.messages if m.id == message_id)


def chat_sentences(text: str) -> list[str]:
    """A chat message's own sentences, cut as a forum post's are (`split_sentences`) from its raw
    text, links and mentions kept: every one is a substring of the message. Lines quoted with
    "> " are someone else's words and left out."""
    own = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    return split_sentences("\n".join(own))


def load_chat_window(path: Path) -> ChatWindow:
    """One labelled chat window, checked: a ValueError names the first thing that is wrong."""
    data = json.loads(path.read_text(encoding="utf-8"))

    def check(ok: object, problem: str) -> None:
        if not ok:
            raise ValueError(f"{path.name}: {problem}")

    keys = {"title", "provenance", "platform", "messages", "labels"}
    check(keys <= set(data) <= keys | {"people"}, "keys")
    people = data.get("people", {})
    check(
        isinstance(people, dict) and all(isinstance(n, str) and n for n in people.values()),
        "people is a map of mention ids to names",
    )
    check(data["platform"] in PLATFORMS, f"platform {data['platform']!r}")
    check(str(data["provenance"]).strip(), "no provenance")
    check(set(data["labels"]) == {"topics"}, "label keys")
    messages: list[ChatMessage] = []
    seen: dict[int, ChatMessage] = {}
    for raw in data["messages"]:
        check(set(raw) == {"id", "author", "created_at", "text", "reply_to"}, f"message {raw}")
        message = ChatMessage(
            raw["id"], raw["author"], raw["created_at"], raw["text"], raw["reply_to"]
        )
        check(isinstance(message.id, int) and message.id not in seen, f"id {message.id}")
        check(message.author and message.text.strip(), f"message {message.id} is empty")
        check(message.reply_to is None or message.reply_to in seen, f"reply_to {message.reply_to}")
        datetime.fromisoformat(message.created_at.replace("Z", "+00:00"))
        seen[message.id] = message
        messages.append(message)
    order = {m.id: n for n, m in enumerate(messages)}
    topics: list[ChatTopicLabels] = []
    placed: set[int] = set()
    for raw in data["labels"]["topics"]:
        check(
            set(raw) == {"messages", "motion", "stances", "decisions", "action_items", "questions"},
            f"topic keys {sorted(raw)}",
        )
        ids = tuple(raw["messages"])
        check(ids and set(ids) <= set(seen), f"topic messages {ids}")
        check(not placed & set(ids), f"messages in two topics: {placed & set(ids)}")
        placed.update(ids)

        def labelled(item: dict, ids: tuple[int, ...] = ids) -> None:
            check(item["message"] in ids, f"{item} is not on a message of its topic")
            check(item["text"] and item["text"] in seen[item["message"]].text, f"{item} not said")

        motion = raw["motion"]
        check(motion is None or any(motion in seen[i].text for i in ids), f"motion {motion!r}")
        stances = []
        for item in raw["stances"]:
            labelled(item)
            check(item["stance"] in STANCES, f"stance {item}")
            check(motion is not None or item["stance"] == "none", f"a side with no motion: {item}")
            stances.append(ChatStance(item["message"], item["text"], item["stance"]))
        decisions = []
        for item in raw["decisions"]:
            labelled(item)
            check(str(item["by"]).strip(), f"decision by nobody: {item}")
            decisions.append(ChatDecision(item["message"], item["text"], item["by"]))
        actions = []
        for item in raw["action_items"]:
            labelled(item)
            owner = item["owner"]
            authors = {m.author for m in messages}
            check(
                owner in authors or owner in seen[item["message"]].text,
                f"owner {owner!r} is no author and not named in the message",
            )
            actions.append(ChatActionItem(item["message"], item["text"], owner))
        questions = []
        for item in raw["questions"]:
            labelled(item)
            answer = item["answered_by"]
            check(
                answer is None or (answer in seen and order[answer] > order[item["message"]]),
                f"answered_by {answer}",
            )
            questions.append(ChatQuestion(item["message"], item["text"], answer))
        topics.append(
            ChatTopicLabels(
                ids, motion, tuple(stances), tuple(decisions), tuple(actions), tuple(questions)
            )
        )
    return ChatWindow(
        path,
        data["title"],
        data["provenance"],
        data["platform"],
        tuple(messages),
        tuple(topics),
        dict(people),
    )


def load_chat_windows(directory: Path = CHAT_DIR) -> list[ChatWindow]:
    """The labelled chat windows (bench/eval/chat/), each checked as it loads."""
    return [load_chat_window(path) for path in sorted(directory.glob("*.json"))]


_DISCORD_MENTION = re.compile(r"<@!?(\d+)>")
_CHANNEL_MENTION = re.compile(r"<#(\d+)>")


def post_inputs(window: ChatWindow) -> list[PostInput]:
    """The window as the chat ingest hands it to the summarizer: mentions as "@name" (Discord's
    "<@id>" through the window's people), replies by id."""

    def shown(match: re.Match[str]) -> str:
        return "@" + window.people.get(match.group(1), match.group(1))

    posts = []
    for message in window.messages:
        text = _CHANNEL_MENTION.sub(lambda m: "#" + m.group(1), message.text)
        mentions = [window.people.get(i, i) for i in _DISCORD_MENTION.findall(text)]
        mentions += re.findall(r"(?<![\w@])@([\w.-]*\w)", text)
        posts.append(
            PostInput(
                id=str(message.id),
                author=message.author,
                text=_DISCORD_MENTION.sub(shown, text),
                created_at=datetime.fromisoformat(message.created_at.replace("Z", "+00:00")),
                reply_to=None if message.reply_to is None else str(message.reply_to),
                mentions=tuple(dict.fromkeys(mentions)),
            )
        )
    return posts
