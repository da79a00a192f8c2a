"""The bench community's discussion: 30 days of forum posts and chat messages, stored as ingestion
stores them (the forum through the debates store's bulk upserts, as a sync writes a topic; chat
through the real ChatIngest, as the adapters deliver messages).

Five sources: a Discourse forum, a Discord server (channels and threads) and three Telegram
groups. About 300 people, a few of them very active (Zipf), each on one to three sources under
that platform's kind of id. Each debate starts somewhere in the 30 days and draws posts for a
while after, more by day than by night (UTC, with a peak in the European afternoon); a few are
hot in the last day and the last week, with newcomers joining them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.commands.caller import Space
from bot.commands.community import CommunityContext
from bot.commands.options import ChannelRef
from bot.events import ChatMessage
from bot.storage.database import Database
from cogs.debates import store
from cogs.debates.chat_ingest import ChatIngest

DAYS = 30
FORUM_URL = "https://forum.example-dao.org"
GUILD = Space("discord", "880000000000000001", "Example DAO")
TELEGRAM = (
    Space("telegram", "-1001700000001", "Example DAO"),
    Space("telegram", "-1001700000002", "Example DAO builders"),
    Space("telegram", "-1001700000003", "Example DAO en español"),
)
# Messages per source, 50,000 in all.
SHARES = {"forum": 12_000, "discord": 18_000, TELEGRAM[0].id: 10_000}
SHARES |= {TELEGRAM[1].id: 6_000, TELEGRAM[2].id: 4_000}
PEOPLE = 300
CHAT_BATCH = 2_000

SUBJECTS = (
    "treasury diversification",
    "the grants round",
    "delegate compensation",
    "the security council",
    "the L2 deployment",
    "the bug bounty",
    "gas rebates",
    "the marketing budget",
    "the liquidity mining program",
    "the RPGF round",
    "the audit of v3",
    "the token unlock schedule",
    "the stablecoin allocation",
    "quorum rules",
    "the contributor payroll",
    "the subDAO charter",
    "the oracle migration",
    "the fee switch",
)
OPENERS = (
    "I think {s} needs a clearer budget before we vote.",
    "Can someone summarize where we are on {s}?",
    "Strongly support moving ahead with {s}, the numbers look fine.",
    "I am against {s} as written: the cost is {n}k USDC and nobody owns the follow-up.",
    "We should split {s} into two proposals so people can vote on each part.",
    "Here is the spreadsheet for {s}: https://docs.example-dao.org/{k}",
    "Next step for {s}: the working group posts a draft by Friday.",
    "What happens to {s} if the vote fails quorum again?",
    "Agree with the last post, {s} should wait for the audit.",
    "Counter-proposal on {s}: {n} % now, the rest after a review in three months.",
    "The multisig signers for {s} should be named before anything is paid.",
    "gm, catching up on {s}, lots to read",
    "Thanks for the write-up on {s}, very helpful.",
    "Let's take {s} to the community call on Thursday.",
)


@dataclass(frozen=True)
class Person:
    index: int
    name: str
    weight: float
    discord_id: str
    telegram_id: str
    forum_id: str


@dataclass
class Debate:
    """A thread of one source: where, about what, when it starts and how long it lasts."""

    source: str  # "forum", "discord" or a Telegram chat id
    external_id: str
    title: str
    subject: str
    start: datetime
    life_hours: float
    weight: float
    channel: ChannelRef | None = None  # chat only
    parent: ChannelRef | None = None  # a Discord thread's channel
    posts: list[tuple[datetime, Person, str]] = field(default_factory=list)


def people(rng: random.Random) -> list[Person]:
    first = ("alex", "sam", "kim", "noa", "lee", "ari", "jo", "max", "eli", "rio", "val", "tam")
    last = ("eth", "dao", "vote", "node", "moon", "sol", "gov", "fi", "lab", "ops", "dev")
    found = []
    for i in range(PEOPLE):
        name = f"{rng.choice(first)}.{rng.choice(last)}{i}"
        found.append(
            Person(
                index=i,
                name=name,
                weight=1 / (i + 1) ** 0.9,
                discord_id=str(900_000_000_000_000_000 + i * 7919),
                telegram_id=str(5_000_000 + i * 31),
                forum_id=str(100 + i),
            )
        )
    return found


def rhythm(at: datetime) -> float:
    """How busy the hour is, 0.15 at night to 1.0 at the afternoon peak (UTC 15:00)."""
    hour = at.hour + at.minute / 60
    return 0.15 + 0.85 * (0.5 + 0.5 * math.cos((hour - 15) / 24 * 2 * math.pi)) ** 2


def debates(rng: random.Random, now: datetime) -> list[Debate]:
    """Threads of every source; a few started within the day or the week, and are hot."""
    earliest = now - timedelta(days=DAYS)

    def started(within: float | None = None) -> datetime:
        if within is not None:
            return now - timedelta(seconds=rng.uniform(0.1, within) * 3600)
        return earliest + timedelta(seconds=rng.uniform(0, DAYS * 86400 * 0.97))

    found: list[Debate] = []
    for n in range(450):
        subject = rng.choice(SUBJECTS)
        hot = n < 6
        title = f"[RFC] {subject.capitalize()}: proposal {n}"
        begun = started(20 if n < 3 else 24 * 6) if hot else started()
        life = rng.uniform(24, 24 * 10)
        found.append(
            Debate(
                "forum",
                str(4000 + n),
                title,
                subject,
                begun,
                life,
                2.0 if hot else 1 / (n + 3) ** 0.5,
            )
        )
    names = ("general", "governance", "treasury", "grants", "dev", "random")
    for i, name in enumerate(names):
        channel = ChannelRef("discord", str(1_100_000_000_000_000_000 + i), name)
        busy = 3.0 if name in ("general", "governance") else 1.0
        found.append(
            Debate(
                "discord",
                channel.id,
                name,
                rng.choice(SUBJECTS),
                earliest,
                DAYS * 24.0,
                busy,
                channel,
            )
        )
        for t in range(6):
            subject = rng.choice(SUBJECTS)
            external_id = str(1_200_000_000_000_000_000 + i * 100 + t)
            thread = ChannelRef("discord", external_id, f"{subject} ({name})")
            hot = t == 0 and name in ("governance", "treasury")
            begun = started(10) if hot else started()
            life = rng.uniform(12, 24 * 6)
            found.append(
                Debate(
                    "discord",
                    thread.id,
                    thread.display,
                    subject,
                    begun,
                    life,
                    1.5 if hot else 0.6,
                    thread,
                    channel,
                )
            )
    for group in TELEGRAM:
        channel = ChannelRef("telegram", group.id, group.name)
        subject = rng.choice(SUBJECTS)
        found.append(
            Debate(group.id, group.id, group.name, subject, earliest, DAYS * 24.0, 1.0, channel)
        )
    return found


def post_time(rng: random.Random, debate: Debate, now: datetime) -> datetime:
    """When one of the debate's posts was written: soon after it started, less and less as it
    goes on (a channel: any time), more often by day than by night."""
    earliest = now - timedelta(days=DAYS)
    while True:
        if debate.life_hours >= DAYS * 24:
            at = earliest + (now - earliest) * rng.random()
        else:
            at = debate.start + timedelta(seconds=rng.expovariate(3 / (debate.life_hours * 3600)))
            if at >= now:  # still going: spread over what has passed of it
                at = debate.start + (now - debate.start) * rng.random()
        if earliest <= at < now and rng.random() < rhythm(at):
            return at


def schedule(
    rng: random.Random, all_debates: list[Debate], crowd: list[Person], now: datetime
) -> None:
    """Give each debate its posts: SHARES per source, by weight; in the last day a quarter of
    the posts come from the less active half of the crowd (new participants)."""
    weights = [p.weight for p in crowd]
    for source, count in SHARES.items():
        mine = [d for d in all_debates if d.source == source]
        for debate in rng.choices(mine, weights=[d.weight for d in mine], k=count):
            at = post_time(rng, debate, now)
            recent = now - at < timedelta(days=1)
            who = (
                crowd[rng.randrange(PEOPLE // 2, PEOPLE)]
                if recent and rng.random() < 0.25
                else rng.choices(crowd, weights=weights)[0]
            )
            n = rng.randrange(100, 99_000)
            text = rng.choice(OPENERS).format(s=debate.subject, n=n % 400, k=n)
            debate.posts.append((at, who, text))
    for debate in all_debates:
        debate.posts.sort(key=lambda post: post[0])


async def store_forum(db: Database, community_id: int, forum: list[Debate]) -> int:
    """Topics and posts as a first sync writes them: one upsert for the topics' rows, one bulk
    statement for each batch of posts."""
    written = 0
    async with db.transaction() as session:
        source = await store.ensure_source(
            session, community_id, "discourse", FORUM_URL, "Example DAO forum"
        )
        source_id = source.id or 0
        batch: dict[int, list[store.IncomingPost]] = {}
        for debate in forum:
            if not debate.posts:
                continue
            slug = debate.title.lower().replace(" ", "-").replace("[", "").replace("]", "")[:60]
            url = f"{FORUM_URL}/t/{slug}/{debate.external_id}"
            thread_id = await store.upsert_thread(
                session,
                source_id,
                debate.external_id,
                {
                    "title": debate.title,
                    "url": url,
                    "category": "Governance",
                    "highest_number": len(debate.posts),
                    "bumped_at": debate.posts[-1][0],
                },
            )
            batch[thread_id] = [
                store.IncomingPost(
                    external_id=str(debate.external_id) + f"{number:05d}",
                    author_id=who.forum_id,
                    author_name=who.name,
                    created_at=at,
                    updated_at=at,
                    text=text,
                    number=number,
                    reply_to=str(number - 1) if number > 1 and number % 3 == 0 else None,
                    likes=(number * 7) % 5,
                    url=f"{url}/{number}",
                )
                for number, (at, who, text) in enumerate(debate.posts, start=1)
            ]
            if sum(len(posts) for posts in batch.values()) >= CHAT_BATCH:
                written += (await store.upsert_posts(session, source_id, batch, fresh=batch)).new
                batch = {}
        if batch:
            written += (await store.upsert_posts(session, source_id, batch, fresh=batch)).new
    return written


def chat_messages(chat: list[Debate]) -> Iterator[ChatMessage]:
    """Each chat post as the adapters deliver it, oldest first across channels."""
    everything = sorted(
        (
            (at, debate, who, text, n)
            for debate in chat
            for n, (at, who, text) in enumerate(debate.posts)
        ),
        key=lambda row: row[0],
    )
    for count, (at, debate, who, text, _) in enumerate(everything):
        channel = debate.channel
        if channel is None:
            continue
        if channel.platform == "discord":
            space, author = GUILD, who.discord_id
            message_id = str(1_300_000_000_000_000_000 + count)
            url = f"https://discord.com/channels/{GUILD.id}/{channel.id}/{message_id}"
        else:
            space = next(s for s in TELEGRAM if s.id == debate.source)
            author, message_id = who.telegram_id, str(count + 1)
            url = f"https://t.me/c/{space.id.removeprefix('-100')}/{message_id}"
        yield ChatMessage(
            platform=channel.platform,
            space=space,
            channel=channel,
            message_id=message_id,
            author_id=author,
            author_name=who.name,
            text=text,
            created_at=at,
            url=url,
            parent=debate.parent,
            channel_kind="thread" if debate.parent is not None else "channel",
        )


async def store_chat(ingest: ChatIngest, community: CommunityContext, chat: list[Debate]) -> int:
    written = 0
    batch: list[ChatMessage] = []
    for message in chat_messages(chat):
        batch.append(message)
        if len(batch) >= CHAT_BATCH:
            written += await ingest.store(batch, community)
            batch = []
    if batch:
        written += await ingest.store(batch, community)
    return written
