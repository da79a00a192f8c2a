"""Commands that exist only in tests, to drive the real command layer through every front end."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from bot.commands.invocation import Invocation
from bot.commands.options import Address, Duration
from bot.commands.reply import (
    Attachment,
    Button,
    Field,
    Form,
    FormField,
    Link,
    Reply,
    Select,
    Tone,
)
from bot.commands.spec import Opt, Role, command
from bot.context import FeatureContext
from bot.features import Feature
from bot.outbox import Outbox, ToChannelSetting
from bot.storage.database import Database


class Mood(StrEnum):
    CALM = "calm"
    BUSY = "busy"
    ON_FIRE = "on-fire"


def long_text(chars: int) -> str:
    """Numbered words in paragraphs with links, so a test can check nothing was cut or lost."""
    paragraphs: list[str] = []
    word = 0
    total = 0
    while total < chars:
        words = []
        for _ in range(40):
            words.append(f"w{word:05d}")
            word += 1
        words.append(f"[link {word}](https://example.org/post/{word})")
        paragraph = " ".join(words)
        paragraphs.append(paragraph)
        total += len(paragraph) + 2
    return "\n\n".join(paragraphs)


@command("echo", help="Say the text back")
async def echo(inv: Invocation, text: str) -> Reply:
    return Reply(body=text)


@command("long", help="A reply of about this many characters")
async def long(inv: Invocation, chars: Annotated[int, Opt("length", min=10, max=20000)]) -> Reply:
    return Reply(title="Long reply", body=long_text(chars))


@command("slow", help="Answer after a delay, without declaring it slow")
async def slow(inv: Invocation, seconds: Annotated[int, Opt("delay", min=0, max=10)]) -> Reply:
    await asyncio.sleep(seconds)
    return Reply(body=f"done after {seconds}s", tone=Tone.SUCCESS)


@command("vault", help="Steward-only treasury secret", requires=Role.STEWARD)
async def vault(inv: Invocation) -> Reply:
    return Reply(title="Vault", body="the multisig is safe", fields=(Field("role", inv.role.name),))


@command("typed", help="Every option type at once")
async def typed(
    inv: Invocation,
    count: Annotated[int, Opt("how many", min=1, max=10)],
    wallet: Address,
    every: Duration,
    mood: Mood = Mood.CALM,
) -> Reply:
    return Reply(
        title="Typed",
        fields=(
            Field("count", str(count)),
            Field("wallet", wallet),
            Field("every", str(every)),
            Field("mood", mood.value),
        ),
        links=(Link("explorer", f"https://etherscan.io/address/{wallet}"),),
    )


@command("mood", help="Set the room's mood")
async def mood(inv: Invocation, mood: Mood) -> Reply:
    return Reply(body=f"mood is now {mood.value}", tone=Tone.SUCCESS)


@dataclass(frozen=True)
class Sample:
    db: Database
    outbox: Outbox


@asynccontextmanager
async def lifespan(ctx: FeatureContext[Any]) -> AsyncIterator[Sample]:
    yield Sample(ctx.db, ctx.outbox)


@command("alert", help="Post a test alert to the alert channel", requires=Role.STEWARD)
async def alert(inv: Invocation[Sample], text: str) -> Reply:
    async with inv.feature.db.transaction() as session:
        queued = await inv.feature.outbox.enqueue(
            session,
            key=f"sample-alert:{uuid.uuid4().hex}",
            community_id=inv.community.id,
            reply=Reply(title="Alert", body=text, tone=Tone.ALERT),
            to=ToChannelSetting("alert_channel"),
        )
    await inv.feature.outbox.drain()
    return Reply(body=f"queued for {queued} channel(s)")


@command("export", help="Send a CSV file")
async def export(inv: Invocation) -> Reply:
    data = b"post,author\n1,alice\n2,bob\n"
    return Reply(body="Here is the export.", files=(Attachment("posts.csv", data, "two posts"),))


@command("menu", help="Offer a command button, a menu and a form")
async def menu(inv: Invocation) -> Reply:
    return Reply(
        body="Pick one.",
        buttons=(Button("Say hi", command='/echo "hi there"'),),
        select=Select("/echo", "text", (("Red", "red"), ("Blue", "blue")), "A colour", 2),
        form=Form(
            "Write",
            "Write something",
            "/echo",
            (FormField("text", "Your text", long=True, default="a draft"),),
        ),
    )


@command("boom", help="Fail with an unexpected error")
async def boom(inv: Invocation) -> Reply:
    raise RuntimeError("kaboom with token 123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")


sample_feature = Feature(
    name="sample",
    description="test-only commands",
    commands=(echo, long, slow, vault, typed, mood, alert, export, menu, boom),
    lifespan=lifespan,
)
