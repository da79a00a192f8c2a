"""Print the exchanges of docs/generation/jobs.md: a member on the console starts jobs on the
real app, with the shipped styles, the AUTOMATIC1111 and OpenAI fakes behind the real back ends,
the gatekeeper, and signed provenance; the job's status message is edited as it goes.

    PYTHONPATH=. .venv/bin/python docs/generation/jobs_example.py
"""

from __future__ import annotations

import asyncio
import io
import tempfile
from pathlib import Path

from bot.adapters.console import ConsoleFrontEnd
from bot.app import App
from bot.commands.spec import Role
from cogs.generation.models import FINAL, GenerationJob
from tests.fakes.images_server import FakeImages
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.sd_webui_server import FakeSDWebUI
from tests.generation.provenance_support import BOT_KEY
from tests.support.apps import make_settings, running_app
from tests.support.clock import ManualClock


class Console:
    def __init__(self, app: App) -> None:
        self.app = app
        self.posted = io.StringIO()
        app.add_frontend(ConsoleFrontEnd(app, stdin=io.StringIO(), stdout=self.posted))
        self.shown = 0

    async def run(self, line: str, role: Role = Role.MEMBER) -> str:
        out = io.StringIO()
        await ConsoleFrontEnd(self.app, role=role, stdin=io.StringIO(), stdout=out).handle_line(
            line
        )
        print(f"> {line}\n{out.getvalue().rstrip()}\n")
        return out.getvalue()

    async def settle(self, job_id: int) -> None:
        for _ in range(500):
            async with self.app.db.read() as session:
                job = await session.get(GenerationJob, job_id)
            if job is not None and job.state in FINAL:
                break
            await asyncio.sleep(0.02)
        await self.app.outbox.drain()
        self.show_posts()

    def show_posts(self) -> None:
        text = self.posted.getvalue()
        if text[self.shown :].strip():
            print("(what the bot posted meanwhile)\n" + text[self.shown :].rstrip() + "\n")
        self.shown = len(text)


def job_of(answer: str) -> int:
    return int(answer.split("Job #", 1)[1].split(" ", 1)[0])


async def main() -> None:
    async with FakeSDWebUI() as sd, FakeOpenAI(extensions=[FakeImages()]) as openai:
        with tempfile.TemporaryDirectory() as folder:
            generation = {
                "backends": {
                    "sd": {"type": "sd_webui", "base_url": sd.base_url, "concurrency": 1},
                    "openai": {"type": "openai", "base_url": openai.base_url},
                },
                "jobs": {"daily_quota": 6, "max_attempts": 3, "poll_seconds": 0.2},
                "provenance": {"signing_key_env": "BOT_KEY"},
            }
            settings = make_settings(
                Path(folder),
                f"sqlite:///{folder}/steward.db",
                environ={"BOT_KEY": BOT_KEY},
                generation=generation,
            )
            async with running_app(settings, clock=ManualClock()) as app:
                console = Console(app)
                print("## Bad input gets one line, and nothing is stored\n")
                await console.run("/generate image a fox style=baroque")
                await console.run("/generate image a fox style=brand-illustration count=9")
                await console.run("/generate image a fox style=brand-illustration size=640x480")
                await console.run("/generate copy our news format=haiku")

                print("## An image job: stored, answered, then progress and results\n")
                answer = await console.run(
                    "/generate image a lighthouse made of ballots style=brand-illustration "
                    "count=2 size=1216x832"
                )
                await console.settle(job_of(answer))

                print("## A back end that fails for a while: retried with backoff\n")
                sd.fail_next(503, count=2)
                answer = await console.run("/generate image a quiet harbour at dawn")
                await console.settle(job_of(answer))

                print("## Copy outside the voice guide is not posted; the member is told why\n")
                answer = await console.run(
                    '/generate copy "Grants round 4 opens Monday; proposals due in two weeks." '
                    "format=announcement"
                )
                await console.settle(job_of(answer))

                print("## Cancelling, listing, and the quota\n")
                sd.hang_next(2.0)
                answer = await console.run("/generate image a comet over the forum")
                await console.run(f"/jobs cancel {job_of(answer)}")
                await console.settle(job_of(answer))
                await console.run("/generate image one more fox")
                await console.run("/generate image and another")
                await console.run("/jobs list")


if __name__ == "__main__":
    asyncio.run(main())
