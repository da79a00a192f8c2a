"""The /ask evaluation's community, Larkspur DAO, loaded into a real Steward.

bench/eval/ask/ holds a written history (see its README.md): forum threads, Discord and Telegram
channels, a handbook folder and the questions. This module reads them and puts them where a
running Steward would find them, through the same paths as in production:

- the forum is served by the fake Discourse (tests/fakes/discourse_server.py) and stored by the
  real forum sync (`/sync`, run from the console as a steward);
- chat messages are published on the app's event bus, as the Discord and Telegram front ends
  publish them, and stored by the debates feature's ChatIngest;
- the handbook is a `[[knowledge.docs]]` folder, read by the knowledge feature.

Passage URLs are what the sources put in `Passage.url`: a forum post is
`<forum>/t/<slug>/<topic id>/<post number>` (the fake's address differs per run, so questions
write `{forum}` for it), a Discord message `https://discord.com/channels/<guild>/<channel>/<id>`,
a Telegram message `https://t.me/c/<chat id without -100>/<id>`, a handbook section
`DOCS_BASE_URL + <file> + #<heading anchor>`.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import App
from bot.commands.caller import Space
from bot.commands.options import ChannelRef
from bot.commands.spec import Role
from bot.events import ChatMessage
from bot.settings import Settings
from bot.storage.models import CommunitySetting
from tests.fakes.discourse_forum import Category, Forum, User, slugify
from tests.support.apps import make_settings

ASK_DIR = Path(__file__).parent / "eval" / "ask"
DOCS_DIR = ASK_DIR / "docs"
QUESTIONS = ASK_DIR / "questions.json"
# Written blind, after the ranking was tuned on QUESTIONS: the honest measure (README.md).
HELDOUT = ASK_DIR / "heldout.json"
FORUM_HOST = "forum.larkspur.example"
FORUM_PLACEHOLDER = "{forum}"
DOCS_BASE_URL = "https://github.com/larkspur-dao/handbook/blob/main/"
# The history ends here: "now" for the forum, the app's clock and recency.
NOW = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)
SLUG = "larkspur"
DISCORD_EPOCH_MS = 1_420_070_400_000
CATEGORIES = ("general", "grants", "treasury", "delegates", "security")


@dataclass(frozen=True)
class ForumPost:
    username: str
    created_at: datetime
    raw: str
    likes: int = 0


@dataclass(frozen=True)
class ForumThread:
    key: str  # the file's name without .json
    topic_id: int  # the fake forum numbers topics in file order, from 1
    title: str
    category: str
    posts: tuple[ForumPost, ...]

    def url(self, post_number: int, base: str = FORUM_PLACEHOLDER) -> str:
        return f"{base}/t/{slugify(self.title)}/{self.topic_id}/{post_number}"


@dataclass(frozen=True)
class ChatLine:
    n: int  # the line's number in its file, what reply_to refers to
    at: datetime
    author: str
    text: str
    reply_to: int | None = None


@dataclass(frozen=True)
class ChatChannel:
    key: str
    platform: str  # discord, telegram
    space_id: str
    space_name: str
    channel_id: str
    name: str
    steward_only: bool
    lines: tuple[ChatLine, ...]

    def message_id(self, line: ChatLine) -> str:
        """Discord: a snowflake from the line's time (unique per line); Telegram: its number."""
        if self.platform == "telegram":
            return str(line.n)
        ms = int(line.at.timestamp() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) + line.n)

    def url(self, line: ChatLine) -> str:
        if self.platform == "telegram":
            return f"https://t.me/c/{self.channel_id.removeprefix('-100')}/{line.n}"
        return f"https://discord.com/channels/{self.space_id}/{self.channel_id}/{self.message_id(line)}"

    def line(self, n: int) -> ChatLine:
        return next(line for line in self.lines if line.n == n)

    @property
    def channel_key(self) -> str:
        return f"{self.platform}:{self.channel_id}"


@dataclass(frozen=True)
class History:
    threads: tuple[ForumThread, ...]
    channels: tuple[ChatChannel, ...]
    docs: Path

    def thread(self, key: str) -> ForumThread:
        return next(t for t in self.threads if t.key == key)

    def channel(self, key: str) -> ChatChannel:
        return next(c for c in self.channels if c.key == key)

    @property
    def private_channels(self) -> list[ChatChannel]:
        return [c for c in self.channels if c.steward_only]

    def private_urls(self) -> set[str]:
        return {c.url(line) for c in self.private_channels for line in c.lines}

    def message_count(self) -> int:
        return sum(len(c.lines) for c in self.channels)


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def load_history(folder: Path = ASK_DIR) -> History:
    threads = []
    for topic_id, path in enumerate(sorted((folder / "forum").glob("*.json")), start=1):
        data = json.loads(path.read_text())
        posts = tuple(
            ForumPost(p["username"], _when(p["created_at"]), p["raw"], p.get("likes", 0))
            for p in data["posts"]
        )
        threads.append(ForumThread(path.stem, topic_id, data["title"], data["category"], posts))
    channels = []
    for path in sorted((folder / "chat").glob("*.json")):
        data = json.loads(path.read_text())
        lines = tuple(
            ChatLine(m["n"], _when(m["at"]), m["author"], m["text"], m.get("reply_to"))
            for m in data["messages"]
        )
        channels.append(
            ChatChannel(
                path.stem,
                data["platform"],
                data["space"]["id"],
                data["space"]["name"],
                data["channel"]["id"],
                data["channel"]["name"],
                bool(data["steward_only"]),
                lines,
            )
        )
    return History(tuple(threads), tuple(channels), folder / "docs")


# ----- the forum -------------------------------------------------------------------------------


def build_forum(history: History) -> Forum:
    """The fake Discourse's forum holding the history's threads, posts stamped at their times."""
    forum = Forum(now=NOW, host=FORUM_HOST)
    forum.title = "Larkspur DAO Forum"
    forum.description = "Governance of Larkspur DAO"
    names = sorted({p.username for t in history.threads for p in t.posts})
    forum.add_user(User(-1, "system", "system", 4, "/letter_avatar_proxy/v4/letter/s/1/{size}.png"))
    for uid, name in enumerate(names, start=1):
        avatar = f"/letter_avatar_proxy/v4/letter/{name[0]}/{uid}/{{size}}.png"
        forum.add_user(User(uid, name, name.replace("_", " ").title(), 2, avatar))
    for cid, slug in enumerate(CATEGORIES, start=1):
        forum.categories[cid] = Category(cid, slug.title(), slug, "0088CC", "", cid)
    by_slug = {c.slug: c.id for c in forum.categories.values()}
    for thread in history.threads:
        first, *replies = thread.posts
        forum.now = first.created_at
        topic = forum.add_topic(
            thread.title, category_id=by_slug[thread.category], raw=first.raw, author=first.username
        )
        if topic.id != thread.topic_id:
            raise ValueError(f"{thread.key}: topic {topic.id}, expected {thread.topic_id}")
        for post in replies:
            forum.now = post.created_at
            forum.add_posts(topic.id, author=post.username, raw=post.raw)
        for stored, written in zip(topic.posts, thread.posts, strict=True):
            if written.likes:
                forum.like(stored.id, written.likes)
    forum.now = NOW
    return forum


# ----- chat ------------------------------------------------------------------------------------


def user_id(platform: str, name: str) -> str:
    digest = int(hashlib.sha256(f"{platform}:{name}".encode()).hexdigest()[:12], 16)
    return str(digest % 10**9 + (400_000_000_000_000_000 if platform == "discord" else 0))


def chat_messages(history: History) -> list[ChatMessage]:
    """Every chat line as the front ends publish it, oldest first across channels."""
    messages = []
    for channel in history.channels:
        space = Space(channel.platform, channel.space_id, channel.space_name)
        ref = ChannelRef(channel.platform, channel.channel_id, channel.name)
        for line in channel.lines:
            reply = channel.line(line.reply_to) if line.reply_to else None
            messages.append(
                ChatMessage(
                    platform=channel.platform,
                    space=space,
                    channel=ref,
                    message_id=channel.message_id(line),
                    author_id=user_id(channel.platform, line.author),
                    author_name=line.author,
                    text=line.text,
                    created_at=line.at,
                    reply_to=channel.message_id(reply) if reply else None,
                    url=channel.url(line),
                )
            )
    return sorted(messages, key=lambda m: (m.created_at or NOW, m.message_id))


# ----- the app ---------------------------------------------------------------------------------


def ask_settings(
    tmp: Path, db_url: str, forum_url: str, history: History, model_url: str | None = None
) -> Settings:
    """Larkspur as a community: its Discord guild and Telegram group, its forum, its handbook;
    with the fake model at `model_url`, else offline (no [llm] key)."""
    spaces = {c.platform: set[str]() for c in history.channels}
    for channel in history.channels:
        spaces[channel.platform].add(channel.space_id)
    sections: dict[str, Any] = {
        "communities": [
            {
                "slug": SLUG,
                "name": "Larkspur DAO",
                "discord_guild_ids": sorted(spaces.get("discord", ())),
                "telegram_chat_ids": sorted(spaces.get("telegram", ())),
            }
        ],
        "console": {"community": SLUG},
        "debates": {"forums": [{"url": forum_url, "community": SLUG}]},
        "knowledge": {
            "docs": [
                {
                    "path": str(history.docs),
                    "base_url": DOCS_BASE_URL,
                    "name": "the handbook",
                    "community": SLUG,
                }
            ]
        },
    }
    if model_url is not None:
        sections["llm"] = {"api_key": "bench", "base_url": model_url, "model": "gpt-4o-mini"}
    return make_settings(tmp, db_url, **sections)


async def console(app: App, line: str, role: Role, user: str = "bench") -> str:
    """What the console prints for one command line, run as `role` by `user` (the console's
    user is $USER: a different one per question keeps /ask from taking a question for a
    follow-up of the one before)."""
    from bot.adapters.console import ConsoleFrontEnd

    out = io.StringIO()
    saved = os.environ.get("USER")
    os.environ["USER"] = user
    try:
        frontend = ConsoleFrontEnd(app, role=role, stdin=io.StringIO(), stdout=out)
    finally:
        if saved is None:
            del os.environ["USER"]
        else:
            os.environ["USER"] = saved
    await frontend.handle_line(line)
    return out.getvalue()


async def configure(app: App, history: History) -> int:
    """The settings stewards would give in chat: which Discord channels to store, and which are
    for stewards only. Returns the community's id."""
    community = await app.communities.by_slug(SLUG)
    if community is None:
        raise RuntimeError("the Larkspur community was not created from the settings")
    discord = [c.channel_id for c in history.channels if c.platform == "discord"]
    private = [c.channel_id for c in history.private_channels if c.platform == "discord"]
    # Channel settings are checked against what a Discord gateway can see; the bench runs
    # without one, so the rows are written as `/config set` would write them.
    async with app.db.transaction() as session:
        for key in ("steward_channel", "private_channels"):
            spec = app.communities.specs.get(key)
            if spec is not None and private:
                value = private[0] if key == "steward_channel" else ",".join(private)
                await session.merge(
                    CommunitySetting(
                        community_id=community.id,
                        key=spec.storage_key("discord"),
                        value=value,
                        updated_at=NOW,
                        updated_by="bench",
                    )
                )
    # Also clears the settings cache, so the rows above are read.
    await app.communities.set(
        community.id, "ingest_channels", ",".join(discord), "discord", "bench"
    )
    return community.id


async def ingest_chat(app: App, history: History) -> int:
    """Publish every chat line on the event bus, then wait until the ingest stored them."""
    messages = chat_messages(history)
    for message in messages:
        await app.events.publish(message)
    ingest = getattr(app.runtimes.get("debates"), "ingest", None)
    if ingest is not None:
        await ingest.flush()
    return len(messages)


async def load(app: App, history: History) -> dict[str, str]:
    """Put the whole history into the running app; returns what each step said."""
    said = {}
    await configure(app, history)
    said["chat"] = f"{await ingest_chat(app, history)} chat messages published"
    said["forum"] = (await console(app, "/sync", Role.STEWARD)).strip().splitlines()[-1]
    docs = getattr(app.runtimes.get("knowledge"), "docs", None)
    sync = getattr(docs, "sync_folders", None)
    if sync is not None:
        await sync()  # read at start already; again, as the schedule would
        said["docs"] = "handbook folder synced"
    else:
        said["docs"] = "no documents service on this branch: the handbook is not loaded"
    return said


def expand(url: str, forum_url: str) -> str:
    return url.replace(FORUM_PLACEHOLDER, forum_url.rstrip("/"))


def every_url(history: History, doc_anchors: Sequence[str] = ()) -> set[str]:
    """The URLs of every forum post and chat line of the history (forum with the placeholder)."""
    urls = {t.url(n) for t in history.threads for n in range(1, len(t.posts) + 1)}
    urls |= {c.url(line) for c in history.channels for line in c.lines}
    return urls | set(doc_anchors)


def github_anchor(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes."""
    kept = "".join(ch for ch in heading.strip().lower() if ch.isalnum() or ch in " -_")
    return kept.replace(" ", "-")


def doc_urls(docs: Path = DOCS_DIR) -> set[str]:
    """Each handbook heading's URL (file, and file#anchor), as the questions cite them."""
    urls = set()
    for path in sorted(docs.glob("*.md")):
        urls.add(DOCS_BASE_URL + path.name)
        for line in path.read_text().splitlines():
            if line.startswith("#"):
                urls.add(f"{DOCS_BASE_URL}{path.name}#{github_anchor(line.lstrip('#'))}")
    return urls
