"""The job suite's world: the real app on SQLite or PostgreSQL with a clock the test sets, the
console front end, styles, and a back end that draws real PNGs (or writes copy) and can be held,
made to fail, and counted."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo
from sqlmodel import col, select

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App, open_app
from bot.commands.caller import Caller, Space
from bot.commands.dispatch import CommandRequest, Outcome
from bot.commands.options import ChannelRef
from bot.commands.registry import parse_command_line
from bot.commands.spec import Role
from bot.context import FeatureContext
from bot.features import Feature
from bot.storage.models import OutboxMessage
from cogs.generation import lifespan_with
from cogs.generation.config import GenerationConfig
from cogs.generation.contracts import GenerationRequest, Style, Voice
from cogs.generation.jobs_runtime import Generation
from cogs.generation.jobs_wiring import Parts, configured_parts
from cogs.generation.models import FINAL, GenerationJob, GenerationOutput
from summarizer.generation import IMAGE_PNG, TEXT_MARKDOWN, GeneratedOutput, GenerationError
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.telegram_server import FakeTelegram
from tests.support.apps import available_features, make_settings
from tests.support.clock import ManualClock
from tests.support.frontends import dao_on_both, discord_frontend, telegram_frontend
from tests.support.world import World

START = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

POSTER = Style(
    name="poster",
    kind="image",
    description="Bold flat posters",
    backend="fake-images",
    model="fake-diffusion",
    licence="CC0-1.0",
    prompt_prefix="flat poster, ",
    max_count=4,
    sizes=("256x256", "512x512"),
)
SKETCH = Style(
    name="sketch",
    kind="image",
    description="Pencil sketches",
    backend="slow-images",
    model="fake-sketch",
    licence="CC-BY-4.0",
    max_count=2,
    sizes=("256x256",),
)
VOICE = Style(
    name="house",
    kind="copy",
    description="The DAO's voice",
    backend="fake-copy",
    model="fake-writer",
    licence="CC0-1.0",
    max_count=3,
    voice=Voice(tone="warm, plain"),
)


STYLES = {style.name: style for style in (POSTER, SKETCH, VOICE)}


def draw_png(seed: int, size: str, prompt: str = "") -> bytes:
    """A real PNG of the size asked for; the seed and prompt in a text chunk make each one's
    bytes (and so its provenance record) its own."""
    width, height = (int(n) for n in size.split("x")) if size else (64, 64)
    image = Image.new("RGB", (width, height), ((seed * 37) % 256, (seed * 91) % 256, 160))
    ImageDraw.Draw(image).ellipse((8, 8, width - 8, height - 8), outline=(255, 255, 255))
    info = PngInfo()
    info.add_text("parameters", f"{prompt}\nSeed: {seed}")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


@dataclass
class FakeBackend:
    """A back end made for the test: draws a PNG per image (copy: a short text), and can be held
    (`hold`), made to fail (`failures`, raised in order), and counted (calls, peak at once)."""

    configured: tuple[str, ...] = ("fake-images", "slow-images", "fake-copy")
    failures: list[GenerationError] = field(default_factory=list)
    hold: asyncio.Event | None = None
    # Only calls after the first `hold_after` wait for `hold`.
    hold_after: int = 0
    calls: list[GenerationRequest] = field(default_factory=list)
    started: int = 0
    active: dict[str, int] = field(default_factory=dict)
    peak: dict[str, int] = field(default_factory=dict)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def missing(self, style: Style) -> str | None:
        if style.backend in self.configured:
            return None
        return f"No back end {style.backend!r}: add [generation.backends.{style.backend}]."

    async def generate(self, request: GenerationRequest) -> Sequence[GeneratedOutput]:
        backend = request.style.backend
        self.started += 1
        self.active[backend] = self.active.get(backend, 0) + 1
        self.peak[backend] = max(self.peak.get(backend, 0), self.active[backend])
        self.arrived.set()
        try:
            if self.hold is not None and self.started > self.hold_after:
                await self.hold.wait()
            else:
                await asyncio.sleep(0.01)
            if self.failures:
                raise self.failures.pop(0)
            self.calls.append(request)
            seed = request.seed or 0
            if request.kind == "copy":
                text = (
                    f"# {request.format.title()}\n\n{request.prompt}: join us (v{len(self.calls)})."
                )
                return [GeneratedOutput(TEXT_MARKDOWN, text.encode(), request.style.model)]
            data = draw_png(seed, request.size, request.prompt)
            return [GeneratedOutput(IMAGE_PNG, data, request.style.model, seed=seed)]
        finally:
            self.active[backend] -= 1


@dataclass
class JobWorld:
    app: App
    clock: ManualClock
    backend: FakeBackend  # the configured back ends' stand-in (unused when they are real)
    console_out: io.StringIO

    @property
    def generation(self) -> Generation:
        runtime = self.app.runtimes["generation"]
        assert isinstance(runtime, Generation)
        return runtime

    async def on_console(self, line: str, role: Role = Role.MEMBER) -> str:
        out = io.StringIO()
        console = ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out)
        await console.handle_line(line)
        return out.getvalue()

    async def as_member(self, line: str, user: str, role: Role = Role.MEMBER) -> Outcome:
        """Run a command line as a console member named `user`, through the core's dispatcher
        (the console front end always answers as one member)."""
        parsed = parse_command_line(self.app.registry, line)
        assert parsed is not None, line
        community = self.app.settings.console.community
        request = CommandRequest(
            spec=parsed.spec,
            caller=Caller("console", user, user, platform_role=role),
            space=Space("console", community, community),
            channel=ChannelRef("console", community, "console"),
            positional=parsed.positional,
            keyword=parsed.keyword,
        )
        return await self.app.dispatcher.run(request)

    async def jobs(self) -> list[GenerationJob]:
        async with self.app.db.read() as session:
            rows = await session.exec(select(GenerationJob).order_by(col(GenerationJob.id)))
            return list(rows.all())

    async def job(self, job_id: int) -> GenerationJob:
        async with self.app.db.read() as session:
            found = await session.get(GenerationJob, job_id)
        assert found is not None
        return found

    async def outputs(self, job_id: int) -> list[GenerationOutput]:
        async with self.app.db.read() as session:
            query = select(GenerationOutput).where(GenerationOutput.job_id == job_id)
            return list((await session.exec(query.order_by(col(GenerationOutput.index)))).all())

    async def posts(self, job_id: int) -> list[OutboxMessage]:
        async with self.app.db.read() as session:
            query = select(OutboxMessage).where(
                col(OutboxMessage.key).startswith(f"generation:{job_id}:")
            )
            return list((await session.exec(query.order_by(col(OutboxMessage.id)))).all())

    async def settle(self, job_id: int) -> GenerationJob:
        """Until the job is done, failed or cancelled, whichever queue runs it (the database
        says, not the queue); then deliver what it posted."""
        async with asyncio.timeout(20):
            job = await self.job(job_id)
            while job.state not in FINAL:
                await asyncio.sleep(0.02)
                job = await self.job(job_id)
        await self.app.outbox.drain()
        return job


def job_number(answer: str) -> int:
    marker = answer.index("Job #") + len("Job #")
    return int(answer[marker:].split(" ", 1)[0])


def backend_settings(concurrency: dict[str, int]) -> dict[str, Any]:
    """[generation.backends]: what the pool reads (each back end's concurrency); the test's
    back end answers in their place, so the address is never called."""
    return {
        name: {"type": "openai", "base_url": "http://127.0.0.1:9/v1", "concurrency": limit}
        for name, limit in concurrency.items()
    }


def settings_for(
    tmp_path: Path,
    db_url: str,
    queue: dict[str, Any],
    concurrency: dict[str, int] | None = None,
    **jobs: Any,
) -> Any:
    # The slow back end runs one job at a time, so a second one waits its turn.
    limits = {"fake-images": 2, "slow-images": 1, "fake-copy": 2, **(concurrency or {})}
    generation = {
        "jobs": {"poll_seconds": 0.2, **queue, **jobs},
        "backends": backend_settings(limits),
    }
    return make_settings(tmp_path, db_url, generation=generation)


@asynccontextmanager
async def job_app(
    tmp_path: Path,
    db_url: str,
    queue: dict[str, Any],
    backend: FakeBackend,
    clock: ManualClock,
    **jobs: Any,
) -> AsyncIterator[JobWorld]:
    """The app with the test's styles and back end in the job pipeline (as the back-end part
    would build them from the configuration)."""
    settings = settings_for(tmp_path, db_url, queue, **jobs)
    async with open_app(settings, with_backend(backend), clock=clock) as app:
        console_out = io.StringIO()
        app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out))
        yield JobWorld(app, clock, backend, console_out)


def with_backend(backend: FakeBackend) -> dict[str, Feature]:
    """The features, generation's parts as configured but with the test's styles and back end
    (the gatekeeper and the provenance seal are the real ones)."""

    @asynccontextmanager
    async def parts(ctx: FeatureContext[GenerationConfig]) -> AsyncIterator[Parts]:
        async with configured_parts(ctx) as configured:
            yield configured.with_generation(STYLES, backend)

    available = dict(available_features())
    available["generation"] = replace(available["generation"], lifespan=lifespan_with(parts))
    return available


async def until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Until `check()` holds (a fake's counters; no event to wait for)."""
    async with asyncio.timeout(seconds):
        while not check():  # noqa: ASYNC110 - counters of a fake, no event to wait on
            await asyncio.sleep(0.01)


@dataclass
class FrontWorld(JobWorld):
    """The job world with Discord and Telegram on their fakes too."""

    world: World | None = None

    @property
    def fronts(self) -> World:
        assert self.world is not None
        return self.world


@asynccontextmanager
async def front_app(
    tmp_path: Path, db_url: str, queue: dict[str, Any], backend: FakeBackend
) -> AsyncIterator[FrontWorld]:
    clock = ManualClock(START)
    async with FakeDiscord() as discord_fake:
        telegram_fake = FakeTelegram()
        community = dao_on_both(discord_fake, telegram_fake)
        settings = make_settings(
            tmp_path,
            db_url,
            communities=[community],
            generation={
                "jobs": {"poll_seconds": 0.2, **queue},
                "backends": backend_settings({"fake-images": 2, "fake-copy": 2}),
            },
        )
        await telegram_fake.start()
        telegram_fake.set_member_status(telegram_fake.group, telegram_fake.alice, "member")
        try:
            available = with_backend(backend)
            async with open_app(settings, available, clock=clock) as app:
                console_out = io.StringIO()
                app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=console_out))
                async with (
                    discord_frontend(app, discord_fake) as discord_bot,
                    telegram_frontend(app, telegram_fake) as telegram_bot,
                ):
                    world = World(
                        app, discord_fake, telegram_fake, discord_bot, telegram_bot, console_out
                    )
                    yield FrontWorld(app, clock, backend, console_out, world)
        finally:
            await telegram_fake.stop()
    assert discord_fake.unhandled == [] and telegram_fake.unhandled == []
